"""Sharded runs timed on real workers: `--shards N --workers M` starts M workers of the configured task backend
against the benchmark's database, queues each size as a run of N shards, and times it from queueing to its
end, beside the same run as one background transaction (one shard) on the same workers.

The workers are started before the clock and stopped after: a standing pool, as a team would run one.
"""

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import connections

from benchmarks.fresh_process import PROJECT_ROOT
from benchmarks.runners import Notify, prepare_database
from benchmarks.workload import checkin_request
from seeding.background import enqueue_run
from seeding.models import SeedRun

WORKER_COMMANDS = {
    "db": ["db_worker", "--interval", "0.1", "--no-startup-delay"],
    "rq": ["rqworker", "--job-class", "django_tasks_rq.Job", "default"],
}
WARM_UP_CHECKINS = 365
ENDED = (SeedRun.Status.SUCCEEDED, SeedRun.Status.FAILED, SeedRun.Status.CANCELLED)


@dataclass(frozen=True)
class ShardedMeasurement:
    size: int
    shards: int
    rows: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds


class ShardedRunFailed(Exception):
    """A benchmarked run did not succeed; the message carries its ledger error."""


def measure_sharded(sizes, *, shards: int, workers: int, seed: int, end_date: date, using: str,
                    notify: Notify) -> list[ShardedMeasurement]:  # fmt: skip
    """Each size as one background transaction, then as `shards` shards, on `workers` workers."""
    pool = [_start_worker(using) for _ in range(workers)]
    try:
        _measure(WARM_UP_CHECKINS, 1, seed=seed, end_date=end_date, using=using)  # untimed: the workers start up
        results = []
        for size in sizes:
            for count in dict.fromkeys((1, shards)):
                notify(f"Sharded: {size:,} check-ins in {count} shard(s) on {workers} worker(s)...")
                results.append(_measure(size, count, seed=seed, end_date=end_date, using=using))
        return results
    finally:
        for worker in pool:
            _stop(worker)


def format_sharded(results: list[ShardedMeasurement], workers: int) -> str:
    lines = [f"Background runs on {workers} worker(s) ({settings.TASKS_BACKEND} backend), queueing to end"]
    lines.append(f"{'check-ins':>12} {'shards':>7} {'seconds':>9} {'rows/s':>10}  vs one shard")
    single = {}
    for result in results:
        single.setdefault(result.size, result.rows_per_second)
        ratio = result.rows_per_second / single[result.size]
        lines.append(f"{result.rows:>12,} {result.shards:>7} {result.seconds:>9.2f} "
                     f"{result.rows_per_second:>10,.0f}  {ratio:.2f} x")  # fmt: skip
    return "\n".join(lines)


def _measure(size: int, shards: int, *, seed: int, end_date: date, using: str) -> ShardedMeasurement:
    prepare_database(using)
    request = checkin_request(size, seed=seed, end_date=end_date)
    clock = time.perf_counter()
    run = enqueue_run(request, source=SeedRun.Source.COMMAND, using=using, shards=shards)
    while (run := SeedRun.objects.using(using).get(pk=run.pk)).status not in ENDED:
        time.sleep(0.05)
    seconds = time.perf_counter() - clock
    if run.status != SeedRun.Status.SUCCEEDED:
        raise ShardedRunFailed(f"The run of {size:,} check-ins in {shards} shard(s) ended {run.status}: {run.error}")
    return ShardedMeasurement(size=size, shards=shards, rows=sum(run.counts.values()), seconds=seconds)


def _start_worker(using: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "manage.py", *WORKER_COMMANDS[settings.TASKS_BACKEND]],
                            cwd=PROJECT_ROOT, env={**os.environ, "DATABASE_URL": _database_url(using)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip


def _stop(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


def _database_url(using: str) -> str:
    """The benchmark's own database (under pytest, the test database), for the workers' DATABASE_URL."""
    db = connections[using].settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
