"""Importing this package registers every built-in generator."""

from seeding.generators import checkins, logins, profiles  # noqa: F401
from seeding.generators.registry import REGISTRY, EntityGenerator, UniqueColumn, generation_order, register

__all__ = ["REGISTRY", "EntityGenerator", "UniqueColumn", "generation_order", "register"]
