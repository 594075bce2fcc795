"""Background runs on real workers: `manage.py db_worker` (or, with TASKS_BACKEND=rq, `manage.py rqworker` on
a real Redis) processes started here, stopped by their pid.

Each test gets a scratch database of the backend under test (see test_run_lifecycle.py), which the
worker, the API (driven in a `manage.py shell` of its own) and the test all reach.
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework import status

from seeding.models import SeedRun
from tests.seeding import test_run_lifecycle
from tests.seeding.test_run_lifecycle import ROOT, ScratchDatabase, manage

# The scratch databases of the lifecycle tests, one per test.
migrated_template = test_run_lifecycle.migrated_template
scratch = test_run_lifecycle.scratch
WORKER = {
    "db": ["db_worker", "--interval", "0.1", "--no-startup-delay"],
    "rq": ["rqworker", "--job-class", "django_tasks_rq.Job", "default"],
}
WORKER_UNTIL_EMPTY = {"db": "--batch", "rq": "--burst"}

SMALL_RUN = {"patients_count": 12, "therapists_count": 2, "checkins_per_user": 20, "seed": 7, "end_date": "2026-01-31"}
LARGE_RUN = {"patients_count": 3000, "therapists_count": 20, "checkins_per_user": 365, "seed": 1}
PROFILES = "SELECT id, email, role, full_name FROM profiles ORDER BY id"
CHECKINS = (
    "SELECT user_id, checkin_date, mood, energy, anxiety, sleep_hours, notes FROM check_ins "
    "ORDER BY user_id, checkin_date"
)
# The API, as a client of the scratch database would call it: a seeding admin's POST, the answer printed.
API_CALL = """
import json, os
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient
admin = get_user_model().objects.filter(username="lead").first()
admin = admin or get_user_model().objects.create_superuser("lead", "lead@clinic.test", "unused-password")
client = APIClient()
client.force_authenticate(admin)
response = client.post(os.environ["API_PATH"], json.loads(os.environ["API_BODY"]), format="json")
print(json.dumps({"status": response.status_code, "body": response.json()}))
"""


def call_api(database: ScratchDatabase, path: str, body: dict | None = None) -> tuple[int, dict]:
    env = {**database.env, "ALLOWED_HOSTS": "testserver", "API_PATH": path, "API_BODY": json.dumps(body or {})}
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", API_CALL],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    return answer["status"], answer["body"]


@pytest.fixture(autouse=True)
def empty_redis_queue():
    """With RQ the queue outlives the scratch database: start every test from an empty one."""
    if settings.TASKS_BACKEND == "rq":
        import redis

        redis.Redis.from_url(settings.REDIS_URL).flushdb()


def start_worker(database: ScratchDatabase) -> subprocess.Popen:
    """A worker in a session of its own, so that stopping it also stops the job process RQ forks."""
    return subprocess.Popen([sys.executable, "manage.py", *WORKER[settings.TASKS_BACKEND]], cwd=ROOT,
                            env=database.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)  # fmt: skip


def work_until_the_queue_is_empty(database: ScratchDatabase) -> None:
    command = [*WORKER[settings.TASKS_BACKEND], WORKER_UNTIL_EMPTY[settings.TASKS_BACKEND]]
    assert manage(database.env, *command).returncode == 0


def stop(worker: subprocess.Popen) -> None:
    """SIGKILL the worker, and the job process RQ forks, which puts itself in a process group of its own."""
    for pid in [worker.pid, *children(worker.pid)]:
        with contextlib.suppress(ProcessLookupError):  # it ended by itself
            os.killpg(pid, signal.SIGKILL)
    worker.wait(timeout=30)


def children(pid: int) -> list[int]:
    """The processes whose parent is pid, from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rpartition(")")[2].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):  # it ended while being read
            continue
    return found


def run_status(database: ScratchDatabase, run_id: str) -> tuple[str, dict]:
    status_text, progress = database.query(
        f"SELECT status, progress FROM seeding_seedrun WHERE id = '{_db_id(database, run_id)}'"
    )[0]
    return status_text, json.loads(progress) if isinstance(progress, str) else progress


def wait_for(database: ScratchDatabase, run_id: str, statuses: set[str], timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while (current := run_status(database, run_id)[0]) not in statuses:
        assert time.monotonic() < deadline, f"run {run_id} is still {current}"
        time.sleep(0.1)
    return current


def _db_id(database: ScratchDatabase, run_id: str) -> str:
    return run_id if database.is_postgresql else run_id.replace("-", "")


def queue_through_api(database: ScratchDatabase, body: dict) -> str:
    code, answer = call_api(database, "/api/admin/generate-data", {**body, "background": True})
    assert code == status.HTTP_202_ACCEPTED, answer
    assert answer["status"] == "queued"
    assert answer["status_url"].endswith(f"/api/admin/seed-runs/{answer['run_id']}/")
    return answer["run_id"]


def test_a_background_run_writes_the_same_rows_as_a_foreground_run(scratch, tmp_path, migrated_template):
    (tmp_path / "foreground").mkdir()
    foreground = ScratchDatabase(tmp_path / "foreground", template=migrated_template)
    try:
        command = ["seed", "--patients", "12", "--therapists", "2", "--checkins-per-user", "20", "--seed", "7",
                   "--end-date", "2026-01-31", "--verbosity", "0"]  # fmt: skip
        assert manage(foreground.env, *command).returncode == 0
        run_id = queue_through_api(scratch, SMALL_RUN)
        worker = start_worker(scratch)
        try:
            assert wait_for(scratch, run_id, {"succeeded", "failed", "cancelled"}) == "succeeded"
        finally:
            stop(worker)
        assert scratch.query(PROFILES) == foreground.query(PROFILES)
        assert scratch.query(CHECKINS) == foreground.query(CHECKINS)
        assert len(scratch.query(CHECKINS)) == 12 * 20
        assert run_status(scratch, run_id)[1]["checkins"] == {"done": 240, "total": 240}
    finally:
        foreground.drop()


def test_seed_background_queues_the_run_and_says_how_to_follow_it(scratch):
    result = manage(scratch.env, "seed", "--patients", "3", "--seed", "4", "--background")

    assert result.returncode == 0, result.stderr
    run_id = result.stdout.split()[2].rstrip(".")
    assert f"/api/admin/seed-runs/{run_id}/" in result.stdout
    assert run_status(scratch, run_id)[0] == "queued"
    assert scratch.query("SELECT COUNT(*) FROM profiles") == [(0,)]
    worker = start_worker(scratch)
    try:
        assert wait_for(scratch, run_id, {"succeeded", "failed"}) == "succeeded"
    finally:
        stop(worker)
    assert scratch.query("SELECT COUNT(*) FROM profiles") == [(4,)]


def test_cancelling_a_queued_run_means_a_worker_never_writes_it(scratch):
    run_id = queue_through_api(scratch, SMALL_RUN)

    code, answer = call_api(scratch, f"/api/admin/seed-runs/{run_id}/cancel")

    assert code == status.HTTP_202_ACCEPTED, answer
    assert answer["status"] == "cancelled"
    work_until_the_queue_is_empty(scratch)

    assert run_status(scratch, run_id)[0] == "cancelled"
    assert scratch.query("SELECT COUNT(*) FROM profiles") == [(0,)]


@pytest.mark.postgresql
def test_progress_goes_up_while_a_background_run_writes(scratch):
    run_id = queue_through_api(scratch, LARGE_RUN)
    worker = start_worker(scratch)
    try:
        seen = set()
        while (current := run_status(scratch, run_id))[0] in {"queued", "running"}:
            seen.add(current[1].get("checkins", {}).get("done", 0))
            time.sleep(0.2)
        assert current[0] == "succeeded"
    finally:
        stop(worker)
    total = 3000 * 365
    assert len({done for done in seen if 0 < done < total}) >= 2, seen
    assert run_status(scratch, run_id)[1]["checkins"] == {"done": total, "total": total}
    assert scratch.query("SELECT COUNT(*) FROM check_ins") == [(total,)]


@pytest.mark.postgresql
def test_cancelling_a_running_run_ends_it_cancelled_with_none_of_its_rows(scratch):
    run_id = queue_through_api(scratch, LARGE_RUN)
    worker = start_worker(scratch)
    try:
        deadline = time.monotonic() + 60
        while run_status(scratch, run_id)[1].get("checkins", {}).get("done", 0) == 0:
            assert time.monotonic() < deadline, "the run never started writing"
            time.sleep(0.1)
        code, answer = call_api(scratch, f"/api/admin/seed-runs/{run_id}/cancel")
        assert code == status.HTTP_202_ACCEPTED, answer
        asked = time.monotonic()
        assert wait_for(scratch, run_id, {"cancelled", "succeeded", "failed"}, timeout=30) == "cancelled"
        assert time.monotonic() - asked < 5
    finally:
        stop(worker)
    assert scratch.query("SELECT COUNT(*) FROM profiles") == [(0,)]
    assert scratch.query("SELECT COUNT(*) FROM check_ins") == [(0,)]


@pytest.mark.django_db
def test_background_accepts_the_commands_limits_where_the_synchronous_api_refuses(admin_api):
    too_many_for_the_api = {"patients_count": 150, "seed": 3}

    synchronous = admin_api.post(reverse("generate-data"), too_many_for_the_api, format="json")
    queued = admin_api.post(reverse("generate-data"), {**too_many_for_the_api, "background": True}, format="json")

    assert synchronous.status_code == status.HTTP_400_BAD_REQUEST
    assert "patients_count" in synchronous.json()
    assert queued.status_code == status.HTTP_202_ACCEPTED, queued.content
    run = SeedRun.objects.get(pk=queued.json()["run_id"])
    assert (run.status, run.parameters["patients_count"], run.seed) == ("queued", 150, 3)
    detail = admin_api.get(reverse("seed-run-detail", kwargs={"run_id": str(run.id)})).json()
    assert detail["status"] == "queued"
    assert detail["progress"]["profiles"] == {"done": 0, "total": 151}


@pytest.mark.django_db
def test_background_false_is_the_synchronous_run(admin_api):
    response = admin_api.post(reverse("generate-data"), {"patients_count": 2, "background": False}, format="json")

    assert response.status_code == status.HTTP_200_OK, response.content
    assert response.json()["statistics"]["patients_created"] == 2


@pytest.mark.django_db
def test_background_must_be_a_json_boolean(admin_api):
    response = admin_api.post(reverse("generate-data"), {"background": "yes"}, format="json")

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert "background" in response.json()
    assert not SeedRun.objects.exists()


@pytest.mark.django_db
def test_only_those_who_may_generate_may_queue_or_cancel(client_for, patient_user, therapist_user, admin_api):
    queued = admin_api.post(reverse("generate-data"), {"background": True}, format="json").json()["run_id"]
    for user in (patient_user, therapist_user):
        client = client_for(user)
        refused = client.post(reverse("generate-data"), {"background": True}, format="json")
        cancel = client.post(reverse("seed-run-cancel", kwargs={"run_id": queued}))
        assert refused.status_code == cancel.status_code == status.HTTP_403_FORBIDDEN
    assert SeedRun.objects.get().status == "queued"
    anonymous = admin_api.__class__().post(reverse("seed-run-cancel", kwargs={"run_id": queued}))
    assert anonymous.status_code == status.HTTP_401_UNAUTHORIZED


@pytest.mark.django_db
def test_an_ended_run_cannot_be_cancelled(admin_api):
    run_id = admin_api.post(reverse("generate-data"), {"patients_count": 1}, format="json").json()["statistics"][
        "run_id"
    ]

    response = admin_api.post(reverse("seed-run-cancel", kwargs={"run_id": run_id}))

    assert response.status_code == status.HTTP_409_CONFLICT
    assert "succeeded" in response.json()["detail"]
