"""Entity generators declare what they depend on; the generation order is derived, never hand-kept."""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from uuid import UUID

from django.db import models

from seeding.context import RunContext
from seeding.request import SeedRequest

Row = tuple


@dataclass(frozen=True)
class UniqueColumn:
    """A unique column a generator fills: existing values are looked up and regenerated around."""

    model: type[models.Model]
    field: str
    position: int  # the value's index in the generator's row


@dataclass(frozen=True)
class EntityGenerator:
    """How one kind of row is generated.

    Rows are produced per *unit* (a profile, a patient's check-in history, a therapist's
    schedule): `rows(ctx, unit)` must depend only on the run's seed, the unit and the unit's
    attempt (`ctx.attempt`), so any slice of units can be generated alone and come out identical.
    `rows` runs on the writer's producer thread: it must not query the database.
    """

    name: str
    model: type[models.Model]
    columns: Sequence[str]
    depends_on: tuple[str, ...]
    units: Callable[[SeedRequest], int]
    rows: Callable[[RunContext, int], Iterable[Row]]
    unique_columns: Callable[[SeedRequest], Sequence[UniqueColumn]] = lambda request: ()
    after_write: Callable[[RunContext, str], None] | None = None
    # Tables with a synthetic_run_id column need nothing here: the writer fills it and ownership reads it.
    # A table without one (a project's own) says which rows a run (None: any run) owns.
    owned_rows: Callable[[UUID | None], models.QuerySet] | None = None
    rows_per_unit: Callable[[SeedRequest], int] = lambda request: 1
    chunk_units: int = 5000

    def planned_rows(self, request: SeedRequest) -> int:
        return self.units(request) * self.rows_per_unit(request)


REGISTRY: dict[str, EntityGenerator] = {}


def register(generator: EntityGenerator) -> EntityGenerator:
    REGISTRY[generator.name] = generator
    return generator


def generation_order(registry: dict[str, EntityGenerator] | None = None) -> list[EntityGenerator]:
    """Every generator after the ones it depends on."""
    registry = REGISTRY if registry is None else registry
    graph = {name: set(generator.depends_on) for name, generator in registry.items()}
    missing = {dep for deps in graph.values() for dep in deps} - graph.keys()
    if missing:
        raise LookupError(f"Generators depend on unregistered generators: {', '.join(sorted(missing))}.")
    try:
        return [registry[name] for name in TopologicalSorter(graph).static_order()]
    except CycleError as exc:
        raise LookupError(f"Generator dependencies form a cycle: {' -> '.join(exc.args[1])}.") from exc
