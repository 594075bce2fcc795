"""Django Tasks: background runs and shards, calling the same service as every front-end.

Workers: `python manage.py db_worker` (the default backend, the queue in this database), or
`python manage.py rqworker` with TASKS_BACKEND=rq and REDIS_URL.
"""

from uuid import UUID

from django.tasks import task

from seeding import background, shards


@task
def run_queued_seed_request(run_id: str, using: str, password_hash: str | None) -> dict[str, int]:
    """Generate one queued run (a sharded run's base), then queue a task per shard; returns its rows by kind."""
    rows = background.run_queued(UUID(run_id), using, password_hash)
    for _ in range(shards.pending_shards(UUID(run_id), using)):
        write_seed_shards.enqueue(run_id, using)
    return rows


@task
def write_seed_shards(run_id: str, using: str) -> None:
    """Write shards of a sharded run until none is left; as many run at once as there are workers."""
    shards.work_on(UUID(run_id), using)
