"""Django Tasks: background runs and shards, calling the same service as every front-end.

Workers: `python manage.py db_worker` (the default backend, the queue in this database), or
`python manage.py rqworker` with TASKS_BACKEND=rq and REDIS_URL.
"""

from uuid import UUID

from django.tasks import task

from seeding import background


@task
def run_queued_seed_request(run_id: str, using: str, password_hash: str | None) -> dict[str, int]:
    """Generate one queued run; returns its rows by kind."""
    return background.run_queued(UUID(run_id), using, password_hash)
