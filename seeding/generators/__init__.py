"""Importing this package registers every built-in generator."""

from seeding.generators import (  # noqa: F401
    appointments,
    checkins,
    logins,
    memberships,
    organizations,
    plans,
    profiles,
    schedules,
)
from seeding.generators.registry import REGISTRY, EntityGenerator, UniqueColumn, generation_order, register

__all__ = ["REGISTRY", "EntityGenerator", "UniqueColumn", "generation_order", "register"]
