"""Sharded runs: a run's check-ins split into ranges of patients that any number of workers write side by side.

The run's base (every other kind of row: those with unique columns to check, or shared between patients)
is written first, by generate(), in one transaction. Each shard then writes its patients' check-ins in a
transaction of its own, through the same writer. A worker holds the shard it writes under a lease that
it renews; a worker killed mid-shard takes its transaction with it, its lease runs out, and another
worker takes the shard again. The last shard to commit ends the run `succeeded`. A shard that fails
MAX_SHARD_ATTEMPTS times, or a cancel, ends the run with every row it committed deleted.
"""

import logging
import os
import threading
import time
from datetime import datetime, timedelta
from itertools import pairwise
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connections, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from seeding.context import RunContext
from seeding.generators import REGISTRY
from seeding.models import SeedRun, SeedShard
from seeding.request import SeedRequest, request_from_parameters
from seeding.service import CANCELLED_MESSAGE, HOST, Progress, RunCancelled, discard_run, finish_run, write_shard

logger = logging.getLogger(__name__)

SHARDED_GENERATOR = "checkins"  # the bulk of every run: per patient, no unique column to check
MAX_SHARDS = 64
MAX_SHARD_ATTEMPTS = 3
HEARTBEAT_SECONDS = 0.5  # progress is written, and a stop noticed, this often (the issue asks for 2 s at most)
WAIT_SECONDS = 0.2
SHARDS_RANGE_MESSAGE = "shards must be a whole number from 1 to {high}; got {value!r}."
SHARDS_NEED_POSTGRESQL_MESSAGE = (
    "shards above 1 need PostgreSQL: SQLite lets one writer in at a time, so shards could only wait for each "
    "other. Ask for 1 shard, or point DATABASE_URL at a PostgreSQL database."
)
SHARD_FAILED_MESSAGE = (
    "Shard {index} (patients {first} to {last}) failed {attempts} times; none of the run's rows were kept. "
    "Its last error: {error}"
)
DATABASE_REFUSED_MESSAGE = "the database refused its rows ({kind}); the worker's log has the full error."
WORKER_LOST_MESSAGE = "its worker stopped before the shard was written (killed?)"


def check_shards(shards: object, using: str) -> None:
    """ValidationError on `shards`, saying what to ask, unless the shard count can be run here."""
    if isinstance(shards, bool) or not isinstance(shards, int) or not 1 <= shards <= MAX_SHARDS:
        raise ValidationError({"shards": SHARDS_RANGE_MESSAGE.format(high=MAX_SHARDS, value=shards)})
    if shards > 1 and connections[using].vendor != "postgresql":
        raise ValidationError({"shards": SHARDS_NEED_POSTGRESQL_MESSAGE})


def plan_shards(run: SeedRun, request: SeedRequest, shards: int, using: str) -> None:
    """Record the run's shards, waiting for its base; a run of one shard (or one patient) is not sharded."""
    generator = REGISTRY[SHARDED_GENERATOR]
    ranges = unit_ranges(generator.units(request), shards)
    if len(ranges) < 2:
        return
    rows_per_unit = generator.rows_per_unit(request)
    SeedShard.objects.using(using).bulk_create(
        SeedShard(run=run, index=index, first_unit=units.start, end_unit=units.stop, total=len(units) * rows_per_unit)
        for index, units in enumerate(ranges)
    )


def unit_ranges(units: int, shards: int) -> list[range]:
    """Units split into at most `shards` contiguous ranges, none empty, sizes differing by one at most."""
    shards = max(1, min(shards, units))
    edges = [units * index // shards for index in range(shards + 1)]
    return [range(start, stop) for start, stop in pairwise(edges) if stop > start]


def deferred_generators(run_id: UUID, using: str) -> tuple[str, ...]:
    """What a run's base leaves for its shards: nothing, unless the run has shards."""
    return (SHARDED_GENERATOR,) if SeedShard.objects.using(using).filter(run_id=run_id).exists() else ()


def pending_shards(run_id: UUID, using: str) -> int:
    """Shards whose base has committed and that no worker has taken yet: one task goes out for each."""
    return SeedShard.objects.using(using).filter(run_id=run_id, status=SeedShard.Status.PENDING).count()


def work_on(run_id: UUID, using: str) -> None:
    """In a worker: write shards of the run until none is left to take, and end the run when it is over.

    While other workers hold the last shards, it waits: if one of them dies, this one takes its shard
    once the lease has run out, so the run ends as long as a single worker lives.
    """
    while (run := SeedRun.objects.using(using).filter(pk=run_id, status=SeedRun.Status.RUNNING).first()) is not None:
        if run.cancel_requested_at is not None:
            _stop(run.id, using)
            return
        shard = _claim(run.id, using)
        if shard is not None:
            _write(run, shard, using)
        elif not run.shards.using(using).filter(status__in=SeedShard.UNFINISHED).exists():
            return
        else:
            time.sleep(WAIT_SECONDS)


def lease_seconds() -> int:
    return settings.SEEDING_SHARD_LEASE_SECONDS


def _claim(run_id: UUID, using: str) -> SeedShard | None:
    """Take a pending shard of the run, or one whose worker's lease ran out; other workers skip it."""
    now = timezone.now()
    takeable = Q(status=SeedShard.Status.PENDING) | Q(status=SeedShard.Status.RUNNING, lease_expires_at__lt=now)
    with transaction.atomic(using=using):
        shards = SeedShard.objects.using(using).select_for_update(skip_locked=True).filter(takeable, run_id=run_id)
        shard = shards.order_by("index").first()
        if shard is None:
            return None
        if shard.status == SeedShard.Status.RUNNING:
            shard.error = WORKER_LOST_MESSAGE
        shard.status, shard.attempts, shard.done = SeedShard.Status.RUNNING, shard.attempts + 1, 0
        shard.lease_expires_at = now + timedelta(seconds=lease_seconds())
        shard.worker = f"{HOST}:{os.getpid()}"
        shard.save(using=using, update_fields=["status", "attempts", "done", "lease_expires_at", "worker", "error"])
    return shard


def _write(run: SeedRun, shard: SeedShard, using: str) -> None:
    if shard.attempts > MAX_SHARD_ATTEMPTS:  # its workers died every time
        _give_up(shard, shard.error, using)
        return
    generator = REGISTRY[SHARDED_GENERATOR]
    try:
        with ShardLease(shard, using) as lease:
            write_shard(_context(run), generator, range(shard.first_unit, shard.end_unit), using, lease.record,
                        before_commit=lambda rows: _commit(shard, rows, using))  # fmt: skip
    except RunCancelled:  # rolled back; the run's stop is noticed by work_on
        _release(shard, using, status=SeedShard.Status.CANCELLED, error="")
    except Exception as exc:
        logger.error("Shard %s of seed run %s failed (attempt %s)", shard.index, run.id, shard.attempts, exc_info=exc)
        if shard.attempts < MAX_SHARD_ATTEMPTS:
            _release(shard, using, status=SeedShard.Status.PENDING, error=_reason(exc))
        else:
            _give_up(shard, _reason(exc), using)


def _reason(exc: Exception) -> str:
    """What the ledger says went wrong: never the database's own message, which the worker's log has."""
    if isinstance(exc, DatabaseError):
        return DATABASE_REFUSED_MESSAGE.format(kind=type(exc).__name__)
    return f"{type(exc).__name__}: {exc}"


def _context(run: SeedRun) -> RunContext:
    """The run's context as its base had it: the same rows follow from the same seed, time and attempts."""
    request = request_from_parameters(run.parameters, None)
    ctx = RunContext.for_request(request, seed=run.seed, run_id=run.id, end_date=request.end_date,
                                 started_at=datetime.fromisoformat(run.shard_context["started_at"]))  # fmt: skip
    ctx.attempts = {(name, unit): attempt for name, unit, attempt in run.shard_context["attempts"]}
    return ctx


def _commit(shard: SeedShard, rows: int, using: str) -> None:
    """Last, in the shard's transaction: keep the rows only if the run goes on and the shard is still ours."""
    run = SeedRun.objects.using(using).select_for_update().get(pk=shard.run_id)
    written = {"done": rows, "total": rows}  # the plan's total assumed every check-in day: adherence skips some
    still_ours = _owned(shard, using).update(status=SeedShard.Status.SUCCEEDED, lease_expires_at=None, **written)
    if run.status != SeedRun.Status.RUNNING or run.cancel_requested_at is not None or not still_ours:
        raise RunCancelled(f"Run {run.id} stopped, or shard {shard.index} went to another worker.")
    if not run.shards.using(using).filter(status__in=SeedShard.UNFINISHED).exists():
        _succeed(run, using)


def _succeed(run: SeedRun, using: str) -> None:
    written = run.shards.using(using).aggregate(rows=Sum("done"))["rows"]
    run.progress = {**run.progress, SHARDED_GENERATOR: {"done": written, "total": written}}
    run.save(using=using, update_fields=["progress"])
    finish_run(run, using, status=SeedRun.Status.SUCCEEDED, counts={**run.counts, SHARDED_GENERATOR: written})


def _owned(shard: SeedShard, using: str):
    """The shard's row, as long as this worker's claim on it stands."""
    return SeedShard.objects.using(using).filter(pk=shard.pk, status=SeedShard.Status.RUNNING, attempts=shard.attempts)


def _release(shard: SeedShard, using: str, *, status: str, error: str) -> None:
    _owned(shard, using).update(status=status, error=error, done=0, lease_expires_at=None)


def _give_up(shard: SeedShard, error: str, using: str) -> None:
    """The shard failed for the last time: the run fails, and is stopped for every worker on it."""
    message = SHARD_FAILED_MESSAGE.format(
        index=shard.index, first=shard.first_unit + 1, last=shard.end_unit, attempts=MAX_SHARD_ATTEMPTS, error=error
    )
    SeedShard.objects.using(using).filter(pk=shard.pk).update(
        status=SeedShard.Status.FAILED, error=message, lease_expires_at=None
    )
    SeedRun.objects.using(using).filter(pk=shard.run_id, cancel_requested_at__isnull=True).update(
        cancel_requested_at=timezone.now()
    )
    _stop(shard.run_id, using)


def _stop(run_id: UUID, using: str) -> None:
    """End a run asked to stop (cancelled, or a shard failed): once no other worker writes, delete its rows."""
    deadline = time.monotonic() + lease_seconds()
    while time.monotonic() < deadline and _shards_being_written(run_id, using):
        time.sleep(WAIT_SECONDS)  # their workers notice the stop within a heartbeat and roll back
    failed = SeedShard.objects.using(using).filter(run_id=run_id, status=SeedShard.Status.FAILED).first()
    if failed is None:
        discard_run(run_id, status=SeedRun.Status.CANCELLED, error=CANCELLED_MESSAGE, using=using)
    else:
        discard_run(run_id, status=SeedRun.Status.FAILED, error=failed.error, using=using)


def stop_if_unattended(run_id: UUID, using: str) -> None:
    """A cancelled sharded run that no worker is writing (they all died, say) ends here and now."""
    past_base = SeedShard.objects.using(using).filter(run_id=run_id).exclude(status=SeedShard.Status.WAITING)
    if past_base.exists() and not _shards_being_written(run_id, using):
        _stop(run_id, using)


def _shards_being_written(run_id: UUID, using: str) -> bool:
    live = Q(status=SeedShard.Status.RUNNING, lease_expires_at__gt=timezone.now())
    return SeedShard.objects.using(using).filter(live, run_id=run_id).exists()


def publish_progress(run_id: UUID, using: str) -> None:
    """The run's check-ins so far: the sum over its shards, set in one statement so no worker's count is lost.

    Only while the run is running: a statement that waited for the last shard's commit would otherwise write
    back the sum it read before it (the server checks the status again after the wait, never the sum).
    """
    runs, shards = SeedRun._meta.db_table, SeedShard._meta.db_table
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"UPDATE {runs} SET progress = jsonb_set(progress, %s, to_jsonb("
            f"(SELECT COALESCE(SUM(done), 0) FROM {shards} WHERE run_id = %s))) WHERE id = %s AND status = %s",
            [[SHARDED_GENERATOR, "done"], run_id, run_id, SeedRun.Status.RUNNING],
        )


class ShardLease:
    """Renews a shard's lease from a thread of its own, publishes the run's progress, and notices a stop.

    The thread has its own connection (Django's are per thread), outside the shard's transaction. A stop
    is the run being cancelled or ended, or the shard having gone to another worker after a lapse.
    """

    def __init__(self, shard: SeedShard, using: str) -> None:
        self.shard, self.using, self.done = shard, using, 0
        self.interval = min(HEARTBEAT_SECONDS, lease_seconds() / 3)
        self._ended, self._stop_asked = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"seed-shard-{shard.pk}", daemon=True)

    def __enter__(self) -> "ShardLease":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._ended.set()
        self._thread.join()

    def record(self, progress: Progress) -> None:
        """The service's progress callback, in the shard's thread: where a stop ends the shard."""
        self.done = progress.done
        if self._stop_asked.is_set():
            raise RunCancelled(f"Shard {self.shard.index} of run {self.shard.run_id} stopped.")

    def _beat(self) -> None:
        try:
            while not self._ended.wait(self.interval):
                self._renew()
        finally:
            connections[self.using].close()

    def _renew(self) -> None:
        expires = timezone.now() + timedelta(seconds=lease_seconds())
        try:
            still_ours = _owned(self.shard, self.using).update(lease_expires_at=expires, done=self.done)
            goes_on = SeedRun.objects.using(self.using).filter(
                pk=self.shard.run_id, status=SeedRun.Status.RUNNING, cancel_requested_at__isnull=True
            )
            if not still_ours or not goes_on.exists():
                self._stop_asked.set()
            publish_progress(self.shard.run_id, self.using)
        except DatabaseError:  # a lapse costs the shard, never the run's correctness: _commit checks ownership
            logger.warning("Could not renew the lease of shard %s of seed run %s", self.shard.index,
                           self.shard.run_id, exc_info=True)  # fmt: skip
