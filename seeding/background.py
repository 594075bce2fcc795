"""Background runs: queue a request, take it off the queue in a worker, report its progress, cancel it.

The queue is Django's Tasks framework (seeding/tasks.py); the run itself is the same generate() as a
foreground run. Progress lives in the run's ledger entry: Django's Tasks have no progress API.
"""

import logging
import os
import secrets
import threading
from dataclasses import replace
from uuid import UUID

from django.contrib.auth.hashers import make_password
from django.db import DEFAULT_DB_ALIAS, DatabaseError, OperationalError, connections, transaction
from django.utils import timezone

from seeding.generators import generation_order
from seeding.models import SeedRun
from seeding.request import SeedRequest, command_limits, request_from_parameters, serialize_request
from seeding.service import (
    BUSY_MESSAGE,
    HOST,
    Progress,
    RunCancelled,
    SeedingBusy,
    ensure_seeding_enabled,
    find_run,
    generate,
)
from seeding.shards import HEARTBEAT_SECONDS, check_shards, deferred_generators, plan_shards, stop_if_unattended

logger = logging.getLogger(__name__)

NOT_CANCELLABLE_MESSAGE = "Run {run_id} is {status}; only a queued or running run can be cancelled."
FOLLOW_HINT = "Follow it with: python manage.py seed_runs, or GET /api/admin/seed-runs/{run_id}/"
START_FAILED_MESSAGE = "The worker could not start the run: {error}"


class RunNotCancellable(Exception):
    """The run has already ended (or is not a run)."""


def enqueue_run(
    request: SeedRequest, *, source: str, requested_by=None, using: str = DEFAULT_DB_ALIAS, shards: int = 1
) -> SeedRun:
    """Check the request under the command's limits, record it `queued`, and queue it for a worker.

    With shards above 1 (PostgreSQL), the run's check-ins are split into that many shards, which any
    number of workers write side by side once the run's base has committed (seeding/shards.py).
    """
    from seeding.tasks import run_queued_seed_request

    ensure_seeding_enabled(using)
    request.validated(command_limits())
    check_shards(shards, using)
    # Fixed now, so the ledger says at once which seed and end date the rows will have.
    request = replace(
        request,
        seed=request.seed if request.seed is not None else secrets.randbelow(2**31),
        end_date=request.end_date or timezone.localdate(),
    )
    password_hash = make_password(request.password) if request.with_logins else None
    with transaction.atomic(using=using):
        run = SeedRun.objects.using(using).create(
            kind=SeedRun.Kind.GENERATE,
            source=source,
            requested_by=requested_by,
            status=SeedRun.Status.QUEUED,
            seed=request.seed,
            parameters=serialize_request(request),
            progress=planned_progress(request),
        )
        plan_shards(run, request, shards, using)
    run_queued_seed_request.enqueue(str(run.id), using, password_hash)
    return run


def run_queued(run_id: UUID, using: str, password_hash: str | None) -> dict[str, int]:
    """In a worker: take the queued run (unless it was cancelled first) and generate it.

    A sharded run's base leaves the check-ins to its shards, and the run running for them.
    """
    taken = SeedRun.objects.using(using).filter(pk=run_id, status=SeedRun.Status.QUEUED)
    if not taken.update(status=SeedRun.Status.RUNNING, host=HOST, pid=os.getpid()):
        return {}  # cancelled while it waited: nothing to do
    run = SeedRun.objects.using(using).select_related("requested_by").get(pk=run_id)
    request = request_from_parameters(run.parameters, password_hash)
    try:
        with LedgerHeartbeat(run.id, using, planned_progress(request)) as heartbeat:
            report = generate(request, limits=command_limits(), source=run.source, requested_by=run.requested_by,
                              using=using, progress=heartbeat.record, queued_run=run,
                              password_hash=password_hash, deferred=deferred_generators(run_id, using))  # fmt: skip
    except BaseException as exc:
        _fail_if_still_running(run_id, using, exc)
        raise
    return dict(report.rows)


def cancel_run(run_id: UUID | str, *, using: str = DEFAULT_DB_ALIAS) -> SeedRun:
    """Cancel a queued run at once, or ask a running one to stop; its worker rolls it back within seconds."""
    run = find_run(run_id, using=using)
    runs = SeedRun.objects.using(using).filter(pk=run.pk, kind=SeedRun.Kind.GENERATE)
    try:
        now = timezone.now()
        was_queued = runs.filter(status=SeedRun.Status.QUEUED).update(status=SeedRun.Status.CANCELLED, finished_at=now)
        if not was_queued and not runs.filter(status=SeedRun.Status.RUNNING).update(cancel_requested_at=now):
            raise RunNotCancellable(NOT_CANCELLABLE_MESSAGE.format(run_id=run.id, status=run.status))
    except OperationalError as exc:  # SQLite: the running run's transaction holds the only write lock
        raise SeedingBusy(BUSY_MESSAGE) from exc
    if not was_queued:
        stop_if_unattended(run.pk, using)
    return SeedRun.objects.using(using).get(pk=run.pk)


def planned_progress(request: SeedRequest) -> dict[str, dict[str, int]]:
    """Every kind of row the run will write, none written yet."""
    return {
        generator.name: {"done": 0, "total": total}
        for generator in generation_order()
        if (total := generator.planned_rows(request))
    }


def _fail_if_still_running(run_id: UUID, using: str, exc: BaseException) -> None:
    """A run that failed before its ledger entry was in generate()'s hands (a request that no longer validates)."""
    SeedRun.objects.using(using).filter(pk=run_id, status=SeedRun.Status.RUNNING).update(
        status=SeedRun.Status.FAILED, error=START_FAILED_MESSAGE.format(error=exc), finished_at=timezone.now()
    )


class LedgerHeartbeat:
    """Writes a running run's progress to its ledger entry from a thread of its own, and notices a cancel.

    The thread has its own database connection (Django's are per thread), outside the run's transaction,
    so readers see the progress while the run's rows are still uncommitted. SQLite lets a single writer in,
    the run itself, so there the progress is written once the run has ended.
    """

    def __init__(self, run_id: UUID, using: str, progress: dict[str, dict[str, int]]) -> None:
        self.run_id, self.using, self.progress = run_id, using, dict(progress)
        self.is_live = connections[using].vendor == "postgresql"
        self._stop, self._cancel = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"seed-run-{run_id}", daemon=True)

    def __enter__(self) -> "LedgerHeartbeat":
        if self.is_live:
            self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        if self.is_live:
            self._thread.join()
        self._write_safely()

    def record(self, progress: Progress) -> None:
        """The service's progress callback, in the run's thread: where a cancel stops the run."""
        self.progress[progress.entity] = {"done": progress.done, "total": progress.total}
        if self._cancel.is_set():
            raise RunCancelled(f"Run {self.run_id} was cancelled.")

    def _beat(self) -> None:
        try:
            while not self._stop.wait(HEARTBEAT_SECONDS):
                self._write_safely()
        finally:
            connections[self.using].close()

    def _write_safely(self) -> None:
        try:
            entry = SeedRun.objects.using(self.using).filter(pk=self.run_id)
            entry.update(progress=dict(self.progress))
            if entry.filter(cancel_requested_at__isnull=False).exists():
                self._cancel.set()
        except DatabaseError:  # progress is a courtesy: the run goes on, and the ledger gets it at the end
            logger.warning("Could not write the progress of seed run %s", self.run_id, exc_info=True)
