"""The one entry point of seeding: every front-end builds a SeedRequest and calls generate()."""

import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, transaction
from django.utils import timezone

from seeding.context import RunContext
from seeding.generators import REGISTRY, EntityGenerator, UniqueColumn, generation_order
from seeding.generators.profiles import profile_identity, role_and_index
from seeding.models import SeedRun
from seeding.request import Limits, SeedRequest, command_limits, request_parameters
from seeding.writers import (
    constrain_immediately,
    foreign_keys_checked_in_bulk,
    is_unique_violation,
    lock_tables_for_bulk_loads,
    write_rows,
)

SEEDING_DISABLED_MESSAGE = "Seeding is only allowed in development environment"
MAX_WRITE_ATTEMPTS = 3  # 001: regenerate and retry a duplicate at most three times
MAX_COLLISION_ROUNDS = 10
REPORTED_ID_LIMIT = 1000
CONFLICT_MESSAGE = "Could not write {entity}: a unique constraint rejected the rows {attempts} times ({error})."
UNKNOWN_RUN_MESSAGE = "There is no seed run with id {run_id}."
NOT_UNDOABLE_MESSAGE = "Run {run_id} is {status}; only a succeeded run can be undone."


class SeedingDisabled(Exception):
    """Seeding is switched off here (SEEDING_ENABLED is false)."""


class SeedingError(Exception):
    """A run could not complete; nothing it started was kept."""


class SeedingConflict(SeedingError):
    """A unique constraint kept rejecting generated rows, even with fresh values."""


@dataclass(frozen=True)
class Progress:
    entity: str
    done: int
    total: int


@dataclass(frozen=True)
class SeedReport:
    run_id: UUID
    seed: int
    patients_created: int
    therapists_created: int
    admins_created: int
    rows: Mapping[str, int]
    cleared: Mapping[str, int]
    checkins_per_user: int
    mood_pattern: str
    end_date: date
    generated_at: datetime
    elapsed_seconds: float
    user_ids: tuple[str, ...]

    @property
    def users_created(self) -> int:
        return self.patients_created + self.therapists_created + self.admins_created

    @property
    def total_checkins(self) -> int:
        return self.rows.get("checkins", 0)

    @property
    def message(self) -> str:
        """000's wording: 'Generated 5 patients and 2 therapists with 150 check-ins'."""
        people = [f"{self.patients_created} patients", f"{self.therapists_created} therapists"]
        if self.admins_created:
            people.append(f"{self.admins_created} admins")
        return f"Generated {', '.join(people[:-1])} and {people[-1]} with {self.total_checkins} check-ins"


ProgressCallback = Callable[[Progress], None]


def is_seeding_enabled() -> bool:
    return settings.SEEDING_ENABLED


def ensure_seeding_enabled() -> None:
    if not is_seeding_enabled():
        raise SeedingDisabled(SEEDING_DISABLED_MESSAGE)


def generate(
    request: SeedRequest,
    *,
    limits: Limits | None = None,
    source: str = SeedRun.Source.COMMAND,
    requested_by=None,
    using: str = DEFAULT_DB_ALIAS,
    progress: ProgressCallback | None = None,
    registry: Mapping[str, EntityGenerator] | None = None,
) -> SeedReport:
    """Validate the request, then write one run's rows atomically, recorded in the SeedRun ledger."""
    ensure_seeding_enabled()
    request.validated(limits or command_limits())
    clock = time.perf_counter()
    seed = request.seed if request.seed is not None else secrets.randbelow(2**31)
    run = SeedRun.objects.using(using).create(
        source=source, requested_by=requested_by, parameters=request_parameters(request), seed=seed
    )
    ctx = RunContext.for_request(request, seed=seed, run_id=run.id)
    try:
        with transaction.atomic(using=using):
            constrain_immediately(using)
            lock_tables_for_bulk_loads(using, _streamed_rows_by_table(request, registry))
            cleared = clear_synthetic_data(using=using, registry=registry) if request.clear_db else {}
            rows = {
                generator.name: _write_generator(ctx, generator, using, progress)
                for generator in generation_order(registry)
            }
    except KeyboardInterrupt:
        _finish(run, using, status=SeedRun.Status.FAILED, error="Interrupted; nothing was written.")
        raise
    except Exception as exc:
        _finish(run, using, status=SeedRun.Status.FAILED, error=str(exc))
        if isinstance(exc, SeedingError):
            raise
        raise SeedingError(f"The run failed and wrote nothing: {exc}") from exc
    _finish(run, using, status=SeedRun.Status.SUCCEEDED, counts=rows)
    return SeedReport(
        run_id=run.id,
        seed=seed,
        patients_created=request.patients_count,
        therapists_created=request.therapists_count,
        admins_created=request.admins_count,
        rows=rows,
        cleared=cleared,
        checkins_per_user=request.checkins_per_user,
        mood_pattern=request.mood_pattern,
        end_date=ctx.end_date,
        generated_at=run.finished_at,
        elapsed_seconds=time.perf_counter() - clock,
        user_ids=_reported_user_ids(ctx),
    )


def clear_synthetic_data(
    *, using: str = DEFAULT_DB_ALIAS, registry: Mapping[str, EntityGenerator] | None = None
) -> dict[str, int]:
    """Delete every synthetic row and nothing else; return how many rows of each kind went."""
    ensure_seeding_enabled()
    with transaction.atomic(using=using):
        return _delete_owned_rows(None, using, registry)


def undo_run(run_id: UUID | str, *, using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Delete exactly the rows of one run, children first; other runs and real rows stay."""
    ensure_seeding_enabled()
    try:
        run_id = UUID(str(run_id))
    except ValueError:
        raise SeedingError(UNKNOWN_RUN_MESSAGE.format(run_id=run_id)) from None
    with transaction.atomic(using=using):
        run = SeedRun.objects.using(using).select_for_update().filter(pk=run_id).first()
        if run is None:
            raise SeedingError(UNKNOWN_RUN_MESSAGE.format(run_id=run_id))
        if run.status != SeedRun.Status.SUCCEEDED:
            raise SeedingError(NOT_UNDOABLE_MESSAGE.format(run_id=run_id, status=run.status))
        deleted = _delete_owned_rows(run.id, using, None)
        run.status = SeedRun.Status.UNDONE
        run.save(using=using, update_fields=["status"])
    return deleted


def count_synthetic_data(*, using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """How many synthetic rows of each kind exist: what clearing would delete."""
    return {generator.name: generator.owned_rows(None).using(using).count() for generator in generation_order()}


def _finish(run: SeedRun, using: str, *, status: str, counts: dict | None = None, error: str = "") -> None:
    run.status, run.error, run.finished_at = status, error, timezone.now()
    run.counts = counts or {}
    run.save(using=using, update_fields=["status", "error", "finished_at", "counts"])


def _delete_owned_rows(run_id: UUID | None, using: str, registry) -> dict[str, int]:
    deleted = {}
    for generator in reversed(generation_order(registry)):
        rows = generator.owned_rows(run_id).using(using)
        deleted[generator.name] = rows._raw_delete(using) if generator.is_raw_delete else rows.delete()[0]
    return deleted


def _streamed_rows_by_table(request: SeedRequest, registry) -> dict[str, int]:
    """The rows each table is about to receive through one stream (generators without unique columns)."""
    return {
        generator.model._meta.db_table: generator.planned_rows(request)
        for generator in generation_order(registry)
        if not generator.unique_columns(request)
    }


def _write_generator(ctx: RunContext, generator: EntityGenerator, using: str, progress) -> int:
    total_units = generator.units(ctx.request)
    tracker = _ProgressTracker(generator.name, generator.planned_rows(ctx.request), progress)
    unique = generator.unique_columns(ctx.request)
    if unique:
        for start in range(0, total_units, generator.chunk_units):
            units = range(start, min(start + generator.chunk_units, total_units))
            tracker(_write_checked_chunk(ctx, generator, units, unique, using))
    else:
        rows = (row for unit in range(total_units) for row in generator.rows(ctx, unit))
        table = generator.model._meta.db_table
        with foreign_keys_checked_in_bulk(using, table, expected_rows=tracker.total):
            write_rows(using, table, generator.columns, rows, on_batch=tracker)
    if generator.after_write and tracker.done:
        generator.after_write(ctx, using)
    tracker.finish()
    return tracker.done


class _ProgressTracker:
    def __init__(self, entity: str, total: int, progress: ProgressCallback | None) -> None:
        self.entity, self.total, self.done, self._progress = entity, total, 0, progress

    def __call__(self, rows: int) -> None:
        self.done += rows
        if self._progress:
            self._progress(Progress(entity=self.entity, done=self.done, total=self.total))

    def finish(self) -> None:
        """The total was an estimate where units vary in size: end on the rows actually written."""
        if self.done != self.total:
            self.total = self.done
            self(0)


def _write_checked_chunk(ctx: RunContext, generator: EntityGenerator, units: range, unique, using: str) -> int:
    """Write a chunk of rows with unique columns, regenerating values that collide, at most 3 tries."""
    table, columns = generator.model._meta.db_table, generator.columns
    for attempt in range(1, MAX_WRITE_ATTEMPTS + 1):
        rows = _rows_avoiding_collisions(ctx, generator, units, unique, using)
        try:
            with transaction.atomic(using=using):  # a savepoint, so a rejected chunk can be retried
                return write_rows(using, table, columns, rows)
        except IntegrityError as exc:
            if not is_unique_violation(exc):
                raise
            if attempt == MAX_WRITE_ATTEMPTS:
                raise _conflict(generator, exc) from exc
            for unit in units:  # fresh values for the whole chunk
                ctx.attempts[(generator.name, unit)] = ctx.attempt(generator.name, unit) + 1
    raise AssertionError("unreachable")


def _conflict(generator: EntityGenerator, exc: IntegrityError) -> SeedingConflict:
    error = CONFLICT_MESSAGE.format(entity=generator.name, attempts=MAX_WRITE_ATTEMPTS, error=exc)
    return SeedingConflict(error)


def _rows_avoiding_collisions(ctx, generator, units: range, unique, using: str) -> list[tuple]:
    """Generate the chunk's rows, regenerating any unit whose unique values already exist."""
    pending = list(units)
    rows_by_unit: dict[int, list[tuple]] = {}
    for _ in range(MAX_COLLISION_ROUNDS):
        for unit in pending:
            rows_by_unit[unit] = list(generator.rows(ctx, unit))
        pending = _colliding_units(rows_by_unit, pending, unique, using)
        if not pending:
            return [row for unit in units for row in rows_by_unit[unit]]
        for unit in pending:
            ctx.attempts[(generator.name, unit)] = ctx.attempt(generator.name, unit) + 1
    raise SeedingConflict(f"Could not generate {generator.name} that avoid existing rows.")


def _colliding_units(rows_by_unit, units: list[int], unique: Iterable[UniqueColumn], using: str) -> list[int]:
    colliding = set()
    for column in unique:
        values = {_plain(row[column.position]): unit for unit in units for row in rows_by_unit[unit]}
        existing = column.model._default_manager.using(using).filter(**{f"{column.field}__in": list(values)})
        colliding.update(values[_plain(value)] for value in existing.values_list(column.field, flat=True))
    return sorted(colliding)


def _plain(value) -> str:
    return value.hex if isinstance(value, UUID) else str(value)


def _reported_user_ids(ctx: RunContext) -> tuple[str, ...]:
    units = min(REPORTED_ID_LIMIT, REGISTRY["profiles"].units(ctx.request))
    return tuple(str(profile_identity(ctx, *role_and_index(ctx.request, unit)).id) for unit in range(units))
