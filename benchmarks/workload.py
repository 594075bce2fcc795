"""What every tool writes: the profiles and check-ins our generators produce for one request and seed."""

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from uuid import uuid4

from django.db import models

from seeding.context import RunContext
from seeding.generators import REGISTRY
from seeding.ownership import RUN_FIELD
from seeding.request import SeedRequest
from seeding.scenarios import scenario_request

DAYS_PER_PATIENT = 365
BASELINE_ENTITIES = ("profiles", "checkins")  # the rows every tool inserts, parents first
BATCH_ROWS = 1_000_000  # rows held in memory at once when pre-generating (10,000,000 would not fit comfortably)


@dataclass(frozen=True)
class Table:
    """Rows for one table, as our generator yields them (plain tuples in `columns` order)."""

    model: type[models.Model]
    columns: tuple[str, ...]
    rows: list[tuple]

    @property
    def name(self) -> str:
        return self.model._meta.db_table


def checkin_request(size: int, *, seed: int, end_date: date) -> SeedRequest:
    """About `size` check-ins: a year each for ceil(size / 365) patients (fewer days below 365), one therapist."""
    days = min(DAYS_PER_PATIENT, size)
    return SeedRequest(
        patients_count=math.ceil(size / days),
        therapists_count=1,
        checkins_per_user=days,
        clear_db=True,
        seed=seed,
        end_date=end_date,
    )


def seed_arguments(request: SeedRequest) -> list[str]:
    """The `manage.py seed` options that make a checkin_request()."""
    return [
        f"--patients={request.patients_count}",
        f"--therapists={request.therapists_count}",
        f"--admins={request.admins_count}",
        f"--checkins-per-user={request.checkins_per_user}",
        f"--seed={request.seed}",
        f"--end-date={request.end_date.isoformat()}",
        "--clear",
        "--no-input",
    ]


def clinic_scenario_request(size: int, *, seed: int, end_date: date) -> SeedRequest:
    """The clinic scenario's measurement: demo-clinic at `size` patients, therapists and check-ins (one day each)."""
    return scenario_request(
        "demo-clinic",
        patients_count=size,
        therapists_count=size,
        checkins_per_user=1,
        clear_db=True,
        seed=seed,
        end_date=end_date,
    )


def generated_tables(request: SeedRequest, *, batch_rows: int = BATCH_ROWS) -> Iterator[Table]:
    """The request's profiles, then its check-ins, in batches of at most about `batch_rows` rows.

    Each row ends with the run that wrote it, as ours writes it: clearing finds the rows, and they are as wide.
    """
    ctx = run_context(request)
    for name in BASELINE_ENTITIES:
        generator = REGISTRY[name]
        total = generator.units(request)
        step = max(1, batch_rows // max(1, generator.rows_per_unit(request)))
        columns, owner = tuple(generator.columns), ()
        if RUN_FIELD not in columns and any(field.attname == RUN_FIELD for field in generator.model._meta.fields):
            columns, owner = (*columns, RUN_FIELD), (ctx.run_id.hex,)
        for start in range(0, total, step):
            units = range(start, min(start + step, total))
            rows = [row + owner for unit in units for row in generator.rows(ctx, unit)]
            yield Table(generator.model, columns, rows)


def run_context(request: SeedRequest) -> RunContext:
    """The context generate() builds for a run, without a ledger entry: same seed, same rows."""
    return RunContext.for_request(request, seed=request.seed, run_id=uuid4())


def model_fields(table: Table, *, is_relation_by_instance: bool = False) -> list[dict]:
    """The rows as keyword arguments of the model, with Python values (UUID, date, Decimal).

    Timestamps that Django sets itself on insert (auto_now, auto_now_add) are left out: it would overwrite them.
    A foreign key is given by id (`user_id=...`), or by instance (`user=Profile(pk=...)`, one per id) for tools
    that would otherwise fetch each related row.
    """
    fields = {field.column: field for field in table.model._meta.concrete_fields}
    kept = [(position, fields[column]) for position, column in enumerate(table.columns) if not _is_auto(fields[column])]
    rows = [{field.attname: field.to_python(row[position]) for position, field in kept} for row in table.rows]
    if is_relation_by_instance:
        for _, field in kept:
            if field.is_relation:
                _relate_by_instance(rows, field)
    return rows


def _relate_by_instance(rows: list[dict], field: models.ForeignKey) -> None:
    instances = {}
    for row in rows:
        pk = row.pop(field.attname)
        if pk not in instances:
            instances[pk] = field.related_model(pk=pk)
        row[field.name] = instances[pk]


def _is_auto(field: models.Field) -> bool:
    return getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
