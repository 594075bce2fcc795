"""The one entry point of seeding: every front-end builds a SeedRequest and calls generate(), clear or undo."""

import logging
import os
import secrets
import socket
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from fnmatch import fnmatch
from itertools import chain
from pathlib import Path
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, IntegrityError, OperationalError, connections, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from seeding.bulk_load import (
    BulkLoadPlan,
    constants_as_column_defaults,
    constrain_immediately,
    foreign_keys_checked_in_bulk,
    plan_bulk_loads,
)
from seeding.context import RunContext
from seeding.generators import REGISTRY, EntityGenerator, UniqueColumn, generation_order
from seeding.generators.appointments import unplaced_appointments
from seeding.models import SeedRun, SeedShard
from seeding.ownership import RUN_FIELD, Blocker, Scope, find_blockers, referenced_rows
from seeding.request import Limits, SeedRequest, count_noun, describe_counts, serialize_request
from seeding.writers import UnstorableText, batch_rows_for, is_unique_violation, write_rows

logger = logging.getLogger(__name__)

SEEDING_DISABLED_MESSAGE = "Seeding is only allowed in development environment"
DATABASE_NOT_ALLOWED_MESSAGE = (
    "Seeding refuses database {name!r}: it matches none of {patterns} (setting SEEDING_ALLOWED_DATABASES, "
    "comma-separated glob patterns of database or SQLite file names)."
)
MAX_WRITE_ATTEMPTS = 3  # a duplicate is regenerated and retried at most three times
MAX_COLLISION_ROUNDS = 10
REPORTED_ID_LIMIT = 1000
CONFLICT_MESSAGE = "Could not write {entity}: a unique constraint rejected the generated rows {attempts} times."
UNKNOWN_RUN_MESSAGE = "There is no seed run with id {run_id}."
AMBIGUOUS_RUN_MESSAGE = "{count} seed runs have ids starting with {run_id}; give more of the id."
NOT_UNDOABLE_MESSAGE = "Run {run_id} is {status}; only a succeeded run can be undone."
ALREADY_CLEARED_MESSAGE = "Run {run_id}'s rows were already deleted by a clear; there is nothing to undo."
NOTHING_LEFT_MESSAGE = "None of run {run_id}'s rows remain (they were deleted some other way); nothing was undone."
BLOCKED_MESSAGE = (
    "Nothing was deleted: {blockers}. Rows a person made (or another run wrote) are never deleted. "
    "Delete or reassign them first, or keep the synthetic rows they point at "
    "(command: --keep-referenced; API: keep_referenced: true; admin: the 'keep referenced rows' box)."
)
BUSY_MESSAGE = "Another seeding run, clear or undo is in progress on this database; try again when it has finished."
RUN_FAILED_MESSAGE = (
    "The run failed and wrote nothing: the database refused it ({kind}). Run {run_id} in the seeding ledger "
    "records the failure; the server log has the full error."
)
INTERRUPTED_MESSAGE = "Interrupted ({reason}); nothing was written."
CANCELLED_MESSAGE = "Cancelled on request; the database kept nothing of it."
ABANDONED_MESSAGE = "Its process ended before the run finished (killed?); the database kept nothing of it."
UNPLACED_MESSAGE = "{appointments} did not fit: the therapists' calendars were full, so fewer were booked"
HOST = socket.gethostname()
SEEDING_LOCK_KEY = 0x5EED_C11  # one advisory lock per database serializes clears against runs
LOCK_WAIT = "10s"
SQLITE_BUSY = 5


class SeedingDisabled(Exception):
    """Seeding is switched off here (SEEDING_ENABLED is false)."""


class DatabaseNotAllowed(SeedingDisabled):
    """The target database matches none of SEEDING_ALLOWED_DATABASES."""


class SeedingError(Exception):
    """A run could not complete because of the database; nothing it started was kept."""


class SeedingConflict(SeedingError):
    """A unique constraint kept rejecting generated rows, even with fresh values."""


class SeedingBusy(SeedingError):
    """Another clear, undo or run holds the seeding lock."""


class RunCancelled(Exception):
    """Someone asked for the run to stop (the API's cancel, the admin's button): it rolls back."""


class RunNotFound(Exception):
    """No run has that id (or prefix)."""


class RunNotUndoable(Exception):
    """The run exists but cannot be undone: it did not succeed, or its rows are gone."""


class ClearBlocked(Exception):
    """Rows outside the deletion point at rows it would delete; nothing was deleted."""

    def __init__(self, blockers: list[Blocker]) -> None:
        self.blockers = blockers
        super().__init__(BLOCKED_MESSAGE.format(blockers="; ".join(map(str, blockers))))

    def as_dict(self) -> dict:
        return {"detail": str(self), "blockers": [blocker.as_dict() for blocker in self.blockers]}


@dataclass(frozen=True)
class Progress:
    entity: str
    done: int
    total: int


@dataclass(frozen=True)
class ClearReport:
    """What a clear or an undo deleted, and which synthetic rows it kept because real rows point at them."""

    ledger_id: UUID
    deleted: Mapping[str, int]
    kept: Mapping[str, int] = field(default_factory=dict)

    @property
    def message(self) -> str:
        kept = f" Kept {describe_counts(self.kept)}, which real rows point at." if any(self.kept.values()) else ""
        return f"Deleted {describe_counts(self.deleted)}.{kept}"


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
    kept: Mapping[str, int] = field(default_factory=dict)
    # Appointments asked for that full calendars had no room for: booked fewer, never against a rule.
    unplaced_appointments: int = 0

    @property
    def users_created(self) -> int:
        return self.patients_created + self.therapists_created + self.admins_created

    @property
    def total_checkins(self) -> int:
        return self.rows.get("checkins", 0)

    @property
    def message(self) -> str:
        """The API's wording: 'Generated 5 patients and 2 therapists with 150 check-ins'."""
        people = [_people(self.patients_created, "patient"), _people(self.therapists_created, "therapist")]
        if self.admins_created:
            people.append(_people(self.admins_created, "admin"))
        message = f"Generated {', '.join(people[:-1])} and {people[-1]} with {self.total_checkins} check-ins"
        if self.unplaced_appointments:
            unplaced = count_noun(self.unplaced_appointments, "appointment")
            message += "; " + UNPLACED_MESSAGE.format(appointments=unplaced)
        return message


ProgressCallback = Callable[[Progress], None]


def _people(count: int, role: str) -> str:
    return f"{count} {role}{'' if count == 1 else 's'}"


def is_seeding_enabled() -> bool:
    return settings.SEEDING_ENABLED


def ensure_seeding_enabled(using: str = DEFAULT_DB_ALIAS) -> None:
    """Refuse unless seeding is on here and the target database is one it may write to."""
    if not is_seeding_enabled():
        raise SeedingDisabled(SEEDING_DISABLED_MESSAGE)
    patterns = settings.SEEDING_ALLOWED_DATABASES
    name = str(connections[using].settings_dict["NAME"])
    names = {name, Path(name).name, Path(name).stem}
    if not any(fnmatch(candidate, pattern) for candidate in names for pattern in patterns):
        raise DatabaseNotAllowed(DATABASE_NOT_ALLOWED_MESSAGE.format(name=name, patterns=", ".join(patterns)))


def generate(
    request: SeedRequest,
    *,
    limits: Limits,
    source: str,
    requested_by=None,
    using: str = DEFAULT_DB_ALIAS,
    progress: ProgressCallback | None = None,
    registry: Mapping[str, EntityGenerator] | None = None,
    queued_run: SeedRun | None = None,
    password_hash: str | None = None,
    deferred: Collection[str] = (),
) -> SeedReport:
    """Validate the request, then write one run's rows atomically, recorded in the SeedRun ledger.

    A background worker passes the ledger entry it took off the queue (queued_run), and the password's
    hash, made when the run was queued, so that no password waits in the queue. A sharded run's base
    names the generators its shards write (deferred): it writes the others and leaves the run running.
    """
    registry = REGISTRY if registry is None else registry
    ensure_seeding_enabled(using)
    request.validated(limits)
    mark_abandoned_runs(using=using)
    clock = time.perf_counter()
    seed = request.seed if request.seed is not None else secrets.randbelow(2**31)
    end_date = request.end_date or timezone.localdate()
    parameters = serialize_request(request) | {"end_date": end_date.isoformat()}
    with _recorded(using, kind=SeedRun.Kind.GENERATE, source=source, requested_by=requested_by, seed=seed,
                   parameters=parameters, entry=queued_run) as run:  # fmt: skip
        ctx = RunContext.for_request(request, seed=seed, run_id=run.id, end_date=end_date, password_hash=password_hash)
        with transaction.atomic(using=using):
            _take_seeding_lock(using, exclusive=request.clear_db)
            constrain_immediately(using)
            plan = plan_bulk_loads(using, _streamed_rows_by_table(request, registry, deferred))
            removed = _remove(Scope(registry, None), request.keep_referenced, using) if request.clear_db else None
            if removed:
                _record_clear(removed, using, source=source, requested_by=requested_by, during=run.id)
            rows = {generator.name: _write_generator(ctx, generator, using, progress, plan)
                    for generator in generation_order(registry) if generator.name not in deferred}  # fmt: skip
            if deferred:
                _hand_over_to_shards(run, ctx, rows, using)
        if not deferred:
            finish_run(run, using, status=SeedRun.Status.SUCCEEDED, counts=rows)
    return SeedReport(
        run_id=run.id,
        seed=seed,
        patients_created=request.patients_count,
        therapists_created=request.therapists_count,
        admins_created=request.admins_count,
        rows=rows,
        cleared=removed.deleted if removed else {},
        kept=removed.kept if removed else {},
        checkins_per_user=request.checkins_per_user,
        mood_pattern=request.mood_pattern,
        end_date=end_date,
        generated_at=run.finished_at,
        elapsed_seconds=time.perf_counter() - clock,
        user_ids=_reported_user_ids(run.id, using),
        unplaced_appointments=unplaced_appointments(ctx),
    )


def clear_synthetic_data(
    *,
    source: str,
    requested_by=None,
    keep_referenced: bool = False,
    using: str = DEFAULT_DB_ALIAS,
    registry: Mapping[str, EntityGenerator] | None = None,
) -> ClearReport:
    """Delete every row a seeding run wrote and nothing else; refuse if rows outside point at them."""
    ensure_seeding_enabled(using)
    mark_abandoned_runs(using=using)
    parameters = {"keep_referenced": keep_referenced}
    with _recorded(using, kind=SeedRun.Kind.CLEAR, source=source, requested_by=requested_by,
                   parameters=parameters) as entry:  # fmt: skip
        with transaction.atomic(using=using):
            _take_seeding_lock(using, exclusive=True)
            removed = _remove(Scope(REGISTRY if registry is None else registry, None), keep_referenced, using)
            _mark_runs(SeedRun.objects.using(using).filter(kind=SeedRun.Kind.GENERATE), SeedRun.Status.CLEARED)
        finish_run(entry, using, status=SeedRun.Status.SUCCEEDED, counts=removed.deleted, kept=removed.kept)
    return ClearReport(ledger_id=entry.id, deleted=removed.deleted, kept=removed.kept)


def undo_run(
    run_id: UUID | str,
    *,
    source: str,
    requested_by=None,
    keep_referenced: bool = False,
    using: str = DEFAULT_DB_ALIAS,
    registry: Mapping[str, EntityGenerator] | None = None,
) -> ClearReport:
    """Delete exactly the rows of one run (an id or a unique prefix); other runs and real rows stay."""
    ensure_seeding_enabled(using)
    mark_abandoned_runs(using=using)
    run = find_run(run_id, using=using)
    _ensure_undoable(run)
    parameters = {"run_id": str(run.id), "keep_referenced": keep_referenced}
    with _recorded(using, kind=SeedRun.Kind.UNDO, source=source, requested_by=requested_by,
                   parameters=parameters) as entry:  # fmt: skip
        with transaction.atomic(using=using):
            _take_seeding_lock(using, exclusive=True)
            run = SeedRun.objects.using(using).select_for_update().get(pk=run.pk)
            _ensure_undoable(run)
            removed = _remove(Scope(REGISTRY if registry is None else registry, run.id), keep_referenced, using)
            if not any(removed.deleted.values()) and not any(removed.kept.values()):
                raise RunNotUndoable(NOTHING_LEFT_MESSAGE.format(run_id=run.id))
            _mark_runs(SeedRun.objects.using(using).filter(pk=run.pk), SeedRun.Status.UNDONE)
        finish_run(entry, using, status=SeedRun.Status.SUCCEEDED, counts=removed.deleted, kept=removed.kept)
    return ClearReport(ledger_id=entry.id, deleted=removed.deleted, kept=removed.kept)


def find_run(run_id: UUID | str, *, using: str = DEFAULT_DB_ALIAS) -> SeedRun:
    """The run with this id, or the only run whose id starts with this prefix."""
    text = str(run_id).strip().lower()
    digits = text.replace("-", "")
    if not digits or len(digits) > 32 or any(ch not in "0123456789abcdef" for ch in digits):
        raise RunNotFound(UNKNOWN_RUN_MESSAGE.format(run_id=run_id))
    runs = SeedRun.objects.using(using)
    if len(digits) == 32:
        match = list(runs.filter(pk=UUID(digits)))
    else:  # the canonical hyphenated prefix, which both backends compare correctly
        prefix = "-".join(
            part for part in (digits[:8], digits[8:12], digits[12:16], digits[16:20], digits[20:]) if part
        )
        match = list(runs.filter(id__startswith=prefix)[:2])
    if len(match) == 1:
        return match[0]
    if not match:
        raise RunNotFound(UNKNOWN_RUN_MESSAGE.format(run_id=run_id))
    raise RunNotFound(AMBIGUOUS_RUN_MESSAGE.format(count=runs.filter(id__startswith=prefix).count(), run_id=run_id))


def count_synthetic_data(
    *,
    run_id: UUID | None = None,
    using: str = DEFAULT_DB_ALIAS,
    registry: Mapping[str, EntityGenerator] | None = None,
) -> dict[str, int]:
    """How many rows of each kind seeding runs (or one run) wrote: what clearing (or its undo) would delete."""
    scope = Scope(REGISTRY if registry is None else registry, run_id)
    return {generator.name: scope.rows(generator.model, using).count() for generator in _removal_order(scope)}


def blockers_of_clear(run_id: UUID | None = None, *, using: str = DEFAULT_DB_ALIAS) -> list[Blocker]:
    """The rows outside that would stop a clear (run_id None) or the undo of one run."""
    return find_blockers(Scope(REGISTRY, run_id), using)


def mark_abandoned_runs(*, using: str = DEFAULT_DB_ALIAS) -> int:
    """Mark `running` ledger rows whose process is gone (killed with SIGKILL, say) as abandoned.

    A sharded run past its base has no one process: its shards' leases tell whether workers hold it.
    """
    running = SeedRun.objects.using(using).filter(status=SeedRun.Status.RUNNING)
    with_shards_at_work = (
        SeedShard.objects.using(using).filter(run=OuterRef("pk")).exclude(status=SeedShard.Status.WAITING)
    )
    dead = [run for run in running.exclude(Exists(with_shards_at_work)) if not _is_alive(run, using)]
    for run in dead:
        finish_run(run, using, status=SeedRun.Status.ABANDONED, error=ABANDONED_MESSAGE)
    return len(dead)


def discard_run(run_id: UUID, *, status: str, error: str, using: str = DEFAULT_DB_ALIAS) -> bool:
    """End a running sharded run that cannot succeed, deleting every row its base and shards committed.

    False if the run had already ended (another worker discarded it first). Rows a person has made
    point at are kept, and the error says so: a person's row is never deleted.
    """
    with transaction.atomic(using=using):
        _take_seeding_lock(using, exclusive=False)
        run = SeedRun.objects.using(using).select_for_update().get(pk=run_id)
        if run.status != SeedRun.Status.RUNNING:
            return False
        removed = _remove(Scope(REGISTRY, run.id), keep_referenced=True, using=using)
        if removed.kept:
            error += f" Kept {describe_counts(removed.kept)}, which real rows point at."
        run.shards.using(using).filter(status__in=SeedShard.UNFINISHED).update(status=SeedShard.Status.CANCELLED)
        finish_run(run, using, status=status, error=error, kept=removed.kept)
    return True


@dataclass(frozen=True)
class _Removed:
    deleted: dict[str, int]
    kept: dict[str, int]


def _remove(scope: Scope, keep_referenced: bool, using: str) -> _Removed:
    """Delete the scope's rows, children first; rows outside are never touched."""
    kept_rows = referenced_rows(scope, using) if keep_referenced else {}
    if not keep_referenced and (blockers := find_blockers(scope, using)):
        raise ClearBlocked(blockers)
    deleted, kept = {}, {}
    for generator in _removal_order(scope):
        rows = scope.rows(generator.model, using).exclude(pk__in=kept_rows.get(generator.model, ()))
        deleted[generator.name] = _delete(rows, generator, using)
        kept[generator.name] = len(kept_rows.pop(generator.model, ()))
    return _Removed(deleted=deleted, kept={name: count for name, count in kept.items() if count})


def _delete(rows, generator: EntityGenerator, using: str) -> int:
    if generator.model._meta.label_lower == settings.AUTH_USER_MODEL.lower():
        # A login carries groups, permissions and issued tokens: Django's delete follows those. What a person
        # made that points at it was refused or kept above.
        return rows.delete()[1].get(settings.AUTH_USER_MODEL, 0)
    # Nothing outside the scope points at these rows (checked above), so Django's cascade emulation has
    # nothing to follow: a raw DELETE is exact, and fast for millions of check-ins.
    return rows._raw_delete(using)


def _removal_order(scope: Scope) -> list[EntityGenerator]:
    """One generator per table, dependants first."""
    seen, order = set(), []
    for generator in reversed(generation_order(scope.registry)):
        if generator.model not in seen:
            seen.add(generator.model)
            order.append(generator)
    return order


def _mark_runs(runs, status: str) -> None:
    runs.filter(status=SeedRun.Status.SUCCEEDED).update(status=status)


def _record_clear(removed: _Removed, using: str, *, source: str, requested_by, during: UUID) -> None:
    """The clear a run did first (clear_db), in the run's transaction: it exists only if the run committed."""
    now = timezone.now()
    SeedRun.objects.using(using).create(
        kind=SeedRun.Kind.CLEAR,
        source=source,
        requested_by=requested_by,
        status=SeedRun.Status.SUCCEEDED,
        parameters={"before_run": str(during), "kept": removed.kept},
        counts=removed.deleted,
        finished_at=now,
    )
    _mark_runs(
        SeedRun.objects.using(using).filter(kind=SeedRun.Kind.GENERATE).exclude(pk=during), SeedRun.Status.CLEARED
    )


def _ensure_undoable(run: SeedRun) -> None:
    if run.kind != SeedRun.Kind.GENERATE:
        raise RunNotUndoable(NOT_UNDOABLE_MESSAGE.format(run_id=run.id, status=f"a {run.kind}"))
    if run.status == SeedRun.Status.CLEARED:
        raise RunNotUndoable(ALREADY_CLEARED_MESSAGE.format(run_id=run.id))
    if run.status != SeedRun.Status.SUCCEEDED:
        raise RunNotUndoable(NOT_UNDOABLE_MESSAGE.format(run_id=run.id, status=run.status))


@contextmanager
def _recorded(using: str, entry: SeedRun | None = None, **fields) -> Iterator[SeedRun]:
    """A ledger row that is always finished: any exception, Ctrl-C or SIGTERM marks it failed with the reason."""
    if entry is None:
        entry = SeedRun.objects.using(using).create(host=HOST, pid=os.getpid(), **fields)
    try:
        with _held_while_running(entry, using):
            yield entry
    except BaseException as exc:
        public = _failure(entry, using, exc)
        if public is exc:
            raise
        raise public from exc


def _failure(entry: SeedRun, using: str, exc: BaseException) -> BaseException:
    """Record why the entry failed (never masking the cause) and return what the caller should see."""
    expected = isinstance(
        exc, ValidationError | ClearBlocked | RunNotUndoable | SeedingBusy | SeedingConflict | RunCancelled
    )
    if isinstance(exc, RunCancelled):
        status, error = SeedRun.Status.CANCELLED, CANCELLED_MESSAGE
    elif isinstance(exc, KeyboardInterrupt | SystemExit):
        status, error = SeedRun.Status.INTERRUPTED, INTERRUPTED_MESSAGE.format(reason=type(exc).__name__)
    else:
        status, error = SeedRun.Status.FAILED, str(exc) if expected else f"{type(exc).__name__}: {exc}"
    if expected or status == SeedRun.Status.INTERRUPTED:  # a refusal or a stop asked for: the ledger says it
        logger.info("Seeding %s %s stopped: %s", entry.kind, entry.id, error)
    else:
        logger.error("Seeding %s %s failed", entry.kind, entry.id, exc_info=exc)
    try:
        finish_run(entry, using, status=status, error=error)
    except Exception:  # a broken connection, say: the original error matters more
        logger.exception("Could not record the failure of seeding %s %s", entry.kind, entry.id)
    return _public_error(entry, exc)


def _public_error(entry: SeedRun, exc: BaseException) -> BaseException:
    """Database errors become a SeedingError without database internals; everything else goes on unchanged."""
    if isinstance(exc, UnstorableText):
        return SeedingError(f"{exc} Nothing was written.")
    if isinstance(exc, OperationalError) and _is_busy(exc):
        return SeedingBusy(BUSY_MESSAGE)
    if isinstance(exc, DatabaseError):
        return SeedingError(RUN_FAILED_MESSAGE.format(kind=type(exc).__name__, run_id=entry.id))
    return exc


def _is_busy(exc: OperationalError) -> bool:
    cause = exc.__cause__
    return getattr(cause, "sqlstate", None) == "55P03" or getattr(cause, "sqlite_errorcode", None) == SQLITE_BUSY


@contextmanager
def _held_while_running(entry: SeedRun, using: str) -> Iterator[None]:
    """On PostgreSQL the entry's session holds an advisory lock for its life: free means its process died."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [_lock_key(entry.id)])
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_lock_key(entry.id)])
        except DatabaseError:  # the connection is gone, and the lock with it
            logger.warning("Could not release the liveness lock of seeding %s %s", entry.kind, entry.id)


def _is_alive(run: SeedRun, using: str) -> bool:
    if run.host == HOST and run.pid == os.getpid():
        return True
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [_lock_key(run.id)])
            if not cursor.fetchone()[0]:
                return True
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_lock_key(run.id)])
            return False
    if run.host != HOST or run.pid is None:
        return True  # another machine's process: it cannot be checked from here
    try:
        os.kill(run.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _is_zombie(run.pid)


def _is_zombie(pid: int) -> bool:
    """A killed process whose parent has not collected it yet still answers kill(pid, 0)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def _lock_key(run_id: UUID) -> int:
    return int.from_bytes(run_id.bytes[:8], "big", signed=True)


def _take_seeding_lock(using: str, *, exclusive: bool) -> None:
    """Clears and undos exclude every other seeding transaction; runs only exclude clears and undos."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return  # SQLite lets one writer at a time in; a waiting writer times out as SeedingBusy
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'")
        cursor.execute(f"SELECT {function}(%s)", [SEEDING_LOCK_KEY])
        cursor.execute("SET LOCAL lock_timeout TO DEFAULT")


def finish_run(run: SeedRun, using: str, *, status: str, counts: dict | None = None, error: str = "", kept=None):
    run.status, run.error, run.finished_at = status, error, timezone.now()
    run.counts = counts or {}
    if kept:
        run.parameters = {**run.parameters, "kept": kept}
    if status == SeedRun.Status.SUCCEEDED and run.progress:  # a reader who sees it succeeded sees it all written
        run.progress = {
            kind: {"done": run.counts.get(kind, 0), "total": run.counts.get(kind, 0)} for kind in run.progress
        }
    run.save(using=using, update_fields=["status", "error", "finished_at", "counts", "parameters", "progress"])


def _streamed_rows_by_table(request: SeedRequest, registry, deferred: Collection[str] = ()) -> dict[str, int]:
    """The rows each table receives through streams (generators without unique columns), summed per table."""
    rows: dict[str, int] = {}
    for generator in generation_order(registry):
        if not generator.unique_columns(request) and generator.name not in deferred:
            table = generator.model._meta.db_table
            rows[table] = rows.get(table, 0) + generator.planned_rows(request)
    return rows


def write_shard(
    ctx: RunContext,
    generator: EntityGenerator,
    units: range,
    using: str,
    progress,
    before_commit: Callable[[int], None],
):
    """One shard of a sharded run: its units of one generator, in a transaction of its own.

    Shards write side by side, so each keeps its foreign keys checked row by row (dropping a key would
    lock the table against the others). before_commit(rows) runs last inside the transaction.
    """
    with transaction.atomic(using=using):
        _take_seeding_lock(using, exclusive=False)
        constrain_immediately(using)
        rows = _write_generator(ctx, generator, using, progress, BulkLoadPlan(), units=units)
        before_commit(rows)
    return rows


def _hand_over_to_shards(run: SeedRun, ctx: RunContext, rows: dict[str, int], using: str) -> None:
    """In the base's transaction: what the shards need to write the rows one process would, and their go."""
    run.counts = rows
    run.shard_context = {
        "started_at": ctx.started_at.isoformat(),
        "attempts": [[generator, unit, attempt] for (generator, unit), attempt in ctx.attempts.items()],
    }
    run.save(using=using, update_fields=["counts", "shard_context"])
    run.shards.using(using).filter(status=SeedShard.Status.WAITING).update(status=SeedShard.Status.PENDING)


def _write_generator(
    ctx: RunContext, generator: EntityGenerator, using: str, progress, plan: BulkLoadPlan, units: range | None = None
) -> int:
    units = range(generator.units(ctx.request)) if units is None else units
    planned = generator.rows_per_unit(ctx.request) * len(units)
    tracker = _ProgressTracker(generator.name, planned, progress)
    unique = generator.unique_columns(ctx.request)
    if unique:
        for start in range(units.start, units.stop, generator.chunk_units):
            chunk = range(start, min(start + generator.chunk_units, units.stop))
            tracker(_write_checked_chunk(ctx, generator, chunk, unique, using))
    else:
        rows = chain.from_iterable(generator.rows(ctx, unit) for unit in units)  # no per-row frame
        table = generator.model._meta.db_table
        with (
            foreign_keys_checked_in_bulk(using, table, plan),
            constants_as_column_defaults(using, table, plan, _owner(ctx, generator)) as constants,
        ):
            write_rows(using, table, generator.columns, rows, constants=constants, on_batch=tracker,
                       batch_rows=batch_rows_for(planned))  # fmt: skip
    followed_up = bool(generator.after_write and tracker.done)
    if followed_up:
        generator.after_write(ctx, using)
    tracker.finish(report_again=followed_up)
    return tracker.done


def _owner(ctx: RunContext, generator: EntityGenerator) -> dict[str, str]:
    """Every row of a table with a run column says which run wrote it; generators never have to."""
    fields = {f.attname for f in generator.model._meta.concrete_fields}
    if RUN_FIELD in fields and RUN_FIELD not in generator.columns:
        return {RUN_FIELD: ctx.run_id.hex}
    return {}


class _ProgressTracker:
    def __init__(self, entity: str, total: int, progress: ProgressCallback | None) -> None:
        self.entity, self.total, self.done, self._progress = entity, total, 0, progress

    def __call__(self, rows: int) -> None:
        self.done += rows
        if self._progress:
            self._progress(Progress(entity=self.entity, done=self.done, total=self.total))

    def finish(self, *, report_again: bool) -> None:
        """End on the rows actually written (the total was an estimate where units vary in size), and once more
        after a follow-up step, so that a watcher times the table to the end of its follow-up."""
        if self.done != self.total or report_again:
            self.total = self.done
            self(0)


def _write_checked_chunk(ctx: RunContext, generator: EntityGenerator, units: range, unique, using: str) -> int:
    """Write a chunk of rows with unique columns, regenerating values that collide, at most 3 tries."""
    table, columns = generator.model._meta.db_table, generator.columns
    for attempt in range(1, MAX_WRITE_ATTEMPTS + 1):
        rows = _rows_avoiding_collisions(ctx, generator, units, unique, using)
        try:
            with transaction.atomic(using=using):  # a savepoint, so a rejected chunk can be retried
                return write_rows(using, table, columns, rows, constants=_owner(ctx, generator))
        except IntegrityError as exc:
            if not is_unique_violation(exc):
                raise
            if attempt == MAX_WRITE_ATTEMPTS:
                raise _conflict(generator) from exc
            for unit in units:  # fresh values for the whole chunk
                ctx.attempts[(generator.name, unit)] = ctx.attempt(generator.name, unit) + 1
    return 0  # MAX_WRITE_ATTEMPTS is at least one: the loop returns or raises


def _conflict(generator: EntityGenerator) -> SeedingConflict:
    return SeedingConflict(CONFLICT_MESSAGE.format(entity=generator.name, attempts=MAX_WRITE_ATTEMPTS))


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
        values = {
            _plain(row[column.position]): unit
            for unit in units
            for row in rows_by_unit[unit]
            if row[column.position] is not None  # a unique column holds any number of NULLs
        }
        colliding.update(values[_plain(value)] for value in _existing_values(column, list(values), using))
    return sorted(colliding)


def _existing_values(column: UniqueColumn, values: list[str], using: str) -> list:
    """Which of the values the column already holds, among all its rows.

    On PostgreSQL the values go as one array: a statement with 5,000 placeholders takes three times as long.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return list(column.model._base_manager.using(using).filter(**{f"{column.field}__in": values})
                    .values_list(column.field, flat=True))  # fmt: skip
    field, quote = column.model._meta.get_field(column.field), connection.ops.quote_name
    name, table = quote(field.column), quote(column.model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {name} FROM {table} WHERE {name} = ANY(%s::{field.db_type(connection)}[])", [values])
        return [value for (value,) in cursor.fetchall()]


def _plain(value) -> str:
    return value.hex if isinstance(value, UUID) else str(value)


def _reported_user_ids(run_id: UUID, using: str) -> tuple[str, ...]:
    """The run's profile ids, read back from its rows."""
    from clinic.models import Profile

    profiles = Profile.objects.using(using).filter(synthetic_run_id=run_id).order_by("created_at", "email")
    return tuple(str(pk) for pk in profiles.values_list("id", flat=True)[:REPORTED_ID_LIMIT])
