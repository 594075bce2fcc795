"""Sharded background runs on real workers (db_worker processes, or rqworker on a real Redis with
TASKS_BACKEND=rq), started here and stopped by their pid; PostgreSQL only, as shards are.

Each test gets a scratch database (see test_run_lifecycle.py) that the workers, the API and the test reach.
"""

import threading
import time

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.urls import reverse
from model_bakery import baker
from rest_framework import status

from seeding.models import SeedRun, SeedShard
from seeding.shards import MAX_SHARDS, publish_progress, unit_ranges
from tests.seeding import test_background_runs as background
from tests.seeding.test_background_runs import (
    CHECKINS,
    PROFILES,
    call_api,
    children,
    queue_through_api,
    run_status,
    start_worker,
    stop,
    wait_for,
    work_until_the_queue_is_empty,
)
from tests.seeding.test_run_lifecycle import ScratchDatabase, manage

migrated_template = background.migrated_template
scratch = background.scratch
empty_redis_queue = background.empty_redis_queue

ENDED = {"succeeded", "failed", "cancelled"}
LARGE_RUN = {"patients_count": 2000, "therapists_count": 4, "checkins_per_user": 365, "seed": 5,
             "end_date": "2026-06-30"}  # fmt: skip
SHARDS = "SELECT index, status, attempts, done, total FROM seeding_seedshard ORDER BY index"
SYNTHETIC_ROWS = (
    "SELECT (SELECT COUNT(*) FROM profiles), (SELECT COUNT(*) FROM check_ins), "
    "(SELECT COUNT(*) FROM auth_user WHERE username <> 'lead'), (SELECT COUNT(*) FROM organizations)"
)
# The database refuses the check-ins of the run's last patient, whichever worker writes them.
REFUSE_LAST_PATIENT = """
CREATE FUNCTION refuse_last_patient() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM profiles WHERE id = NEW.user_id AND email LIKE '%%p39@%%') THEN
    RAISE EXCEPTION 'this database refuses check-ins of patient 39';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER refuse_last_patient BEFORE INSERT ON check_ins FOR EACH ROW EXECUTE FUNCTION refuse_last_patient();
"""


def execute(database: ScratchDatabase, sql: str) -> None:
    import psycopg

    with psycopg.connect(database.url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(sql.replace("%%", "%"))


def foreground_rows(tmp_path, template, arguments: list[str]) -> tuple[list, list]:
    (tmp_path / "foreground").mkdir()
    foreground = ScratchDatabase(tmp_path / "foreground", template=template)
    try:
        assert manage(foreground.env, "seed", *arguments, "--verbosity", "0").returncode == 0
        return foreground.query(PROFILES), foreground.query(CHECKINS)
    finally:
        foreground.drop()


def worker_holding_a_shard(database: ScratchDatabase, workers) -> tuple:
    """The worker (of those started here) writing a shard now, with that shard's index, once it has written rows."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        rows = database.query("SELECT index, worker FROM seeding_seedshard WHERE status = 'running' AND done > 0")
        for index, holder in rows:
            pid = int(holder.rpartition(":")[2])
            for worker in workers:  # RQ writes in a process it forks
                if pid == worker.pid or pid in children(worker.pid):
                    return worker, index
        time.sleep(0.05)
    raise AssertionError("no worker started writing a shard")


@pytest.mark.postgresql
def test_four_shards_on_two_workers_write_the_rows_of_one_process_and_show_progress(scratch, tmp_path,
                                                                                   migrated_template):  # fmt: skip
    single = foreground_rows(tmp_path, migrated_template, ["--patients", "2000", "--therapists", "4",
                             "--checkins-per-user", "365", "--seed", "5", "--end-date", "2026-06-30"])  # fmt: skip
    run_id = call_api(scratch, "/api/admin/generate-data", {**LARGE_RUN, "background": True, "shards": 4})[1]["run_id"]
    workers = [start_worker(scratch), start_worker(scratch)]
    try:
        seen = set()
        while (current := run_status(scratch, run_id))[0] not in ENDED:
            seen.add(current[1]["checkins"]["done"])
            time.sleep(0.1)
    finally:
        for worker in workers:
            stop(worker)
    total = 2000 * 365
    assert current == ("succeeded", current[1])
    assert (scratch.query(PROFILES), scratch.query(CHECKINS)) == single
    assert len({done for done in seen if 0 < done < total}) >= 2, seen
    assert current[1]["checkins"] == {"done": total, "total": total}
    assert scratch.query(SHARDS) == [(index, "succeeded", 1, total // 4, total // 4) for index in range(4)]
    assert len(set(scratch.query("SELECT worker FROM seeding_seedshard"))) == 2, "both workers wrote shards"
    counts = scratch.query(f"SELECT counts FROM seeding_seedrun WHERE id = '{run_id}'")[0][0]
    assert (counts["checkins"], counts["profiles"]) == (total, 2004)


@pytest.mark.postgresql
def test_a_worker_killed_mid_shard_loses_nothing_another_takes_its_shard(scratch):
    scratch.env["SEEDING_SHARD_LEASE_SECONDS"] = "2"
    run_id = queue_through_api(scratch, {**LARGE_RUN, "shards": 4})
    workers = [start_worker(scratch), start_worker(scratch)]
    try:
        killed, shard = worker_holding_a_shard(scratch, workers)
        stop(killed)  # SIGKILL to its process group: the shard's transaction dies with its connection
        assert wait_for(scratch, run_id, ENDED, timeout=180) == "succeeded"
    finally:
        for worker in workers:
            if worker.poll() is None:
                stop(worker)
    total = 2000 * 365
    assert scratch.query("SELECT COUNT(*), COUNT(DISTINCT (user_id, checkin_date)) FROM check_ins") == [(total, total)]
    assert scratch.query(f"SELECT status, attempts FROM seeding_seedshard WHERE index = {shard}") == [("succeeded", 2)]
    assert run_status(scratch, run_id)[1]["checkins"] == {"done": total, "total": total}


@pytest.mark.postgresql
def test_a_run_whose_every_worker_died_is_cancelled_at_once_with_none_of_its_rows(scratch):
    scratch.env["SEEDING_SHARD_LEASE_SECONDS"] = "1"
    run_id = queue_through_api(scratch, {**LARGE_RUN, "shards": 2})
    workers = [start_worker(scratch), start_worker(scratch)]
    try:
        deadline = time.monotonic() + 60
        while scratch.query("SELECT COUNT(*) FROM seeding_seedshard WHERE status = 'running' AND done > 0") != [(2,)]:
            assert time.monotonic() < deadline, "the workers never wrote both shards at once"
            time.sleep(0.02)
    finally:
        for worker in workers:
            stop(worker)
    time.sleep(1.5)  # the leases run out
    assert run_status(scratch, run_id)[0] == "running"

    code, answer = call_api(scratch, f"/api/admin/seed-runs/{run_id}/cancel")

    assert code == status.HTTP_202_ACCEPTED, answer
    assert run_status(scratch, run_id)[0] == "cancelled"
    assert scratch.query(SYNTHETIC_ROWS) == [(0, 0, 0, 0)]


@pytest.mark.postgresql
def test_cancelling_a_sharded_run_removes_the_shards_it_had_committed(scratch):
    run_id = queue_through_api(scratch, {**LARGE_RUN, "shards": 8})
    workers = [start_worker(scratch), start_worker(scratch)]
    try:
        deadline = time.monotonic() + 120
        while scratch.query("SELECT COUNT(*) FROM seeding_seedshard WHERE status = 'succeeded'") == [(0,)]:
            assert time.monotonic() < deadline, "no shard committed"
            time.sleep(0.05)
        assert scratch.query("SELECT COUNT(*) > 0 FROM check_ins") == [(True,)], "committed shards are visible"
        code, answer = call_api(scratch, f"/api/admin/seed-runs/{run_id}/cancel")
        assert code == status.HTTP_202_ACCEPTED, answer
        asked = time.monotonic()
        assert wait_for(scratch, run_id, ENDED, timeout=60) == "cancelled"
        assert time.monotonic() - asked < 10
    finally:
        for worker in workers:
            stop(worker)
    assert scratch.query(SYNTHETIC_ROWS) == [(0, 0, 0, 0)]


@pytest.mark.postgresql
def test_a_shard_the_database_keeps_refusing_fails_the_run_and_removes_the_shards_before_it(scratch):
    execute(scratch, REFUSE_LAST_PATIENT)
    run_id = queue_through_api(scratch, {"patients_count": 40, "checkins_per_user": 20, "seed": 2, "shards": 4})
    work_until_the_queue_is_empty(scratch)  # one worker: shards 0 to 2 commit before shard 3 fails

    assert run_status(scratch, run_id)[0] == "failed"
    shards = scratch.query("SELECT index, status, attempts FROM seeding_seedshard ORDER BY index")
    assert shards == [(0, "succeeded", 1), (1, "succeeded", 1), (2, "succeeded", 1), (3, "failed", 3)]
    error = scratch.query(f"SELECT error FROM seeding_seedrun WHERE id = '{run_id}'")[0][0]
    assert "Shard 3 (patients 31 to 40) failed 3 times" in error
    assert "the database refused its rows (ProgrammingError); the worker's log has the full error." in error
    assert "patient 39" not in error, "the ledger shows no database internals"
    assert scratch.query(SYNTHETIC_ROWS) == [(0, 0, 0, 0)]


@pytest.mark.postgresql
def test_shards_write_the_rows_of_one_process_when_profiles_collided_with_an_earlier_run(scratch, tmp_path,
                                                                                        migrated_template):  # fmt: skip
    """The same seed again: emails collide, profiles take fresh attempts, and the shards must follow them."""
    (tmp_path / "single").mkdir()
    single = ScratchDatabase(tmp_path / "single", template=migrated_template)
    arguments = ["seed", "--patients", "40", "--checkins-per-user", "20", "--seed", "9", "--end-date", "2026-03-31",
                 "--checkin-adherence", "0.7", "-v", "0"]  # fmt: skip
    try:
        for database in (single, single, scratch):
            assert manage(database.env, *arguments).returncode == 0
        body = {"patients_count": 40, "checkins_per_user": 20, "seed": 9, "end_date": "2026-03-31",
                "checkin_adherence": 0.7, "shards": 4}  # fmt: skip
        run_id = queue_through_api(scratch, body)
        work_until_the_queue_is_empty(scratch)
        assert run_status(scratch, run_id)[0] == "succeeded"
        attempts = scratch.query(f"SELECT shard_context FROM seeding_seedrun WHERE id = '{run_id}'")[0][0]["attempts"]
        assert attempts, "the earlier run's emails made profiles take fresh attempts"
        assert (scratch.query(PROFILES), scratch.query(CHECKINS)) == (single.query(PROFILES), single.query(CHECKINS))
        assert scratch.query("SELECT SUM(done), SUM(total) FROM seeding_seedshard") == [(800, 800)]
    finally:
        single.drop()


def test_unit_ranges_cover_every_unit_once_in_order():
    for units, shards in [(10, 4), (3, 8), (1000, 7), (5, 1)]:
        ranges = unit_ranges(units, shards)
        assert [unit for part in ranges for unit in part] == list(range(units))
        assert len(ranges) == min(units, shards)
        assert max(map(len, ranges)) - min(map(len, ranges)) <= 1


@pytest.mark.django_db
@pytest.mark.parametrize("shards", [0, MAX_SHARDS + 1, "4", True, 2.5])
def test_the_api_refuses_a_shard_count_out_of_range_or_not_a_whole_number(admin_api, shards):
    response = admin_api.post(reverse("generate-data"), {"background": True, "shards": shards}, format="json")

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert "shards" in response.json()
    assert not SeedRun.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{"shards": 4}, {"shards": 4, "background": False}])
def test_shards_without_background_say_to_add_it(admin_api, body):
    response = admin_api.post(reverse("generate-data"), body, format="json")

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json()["shards"] == ['shards split a background run: add "background": true, or leave shards out.']
    assert not SeedRun.objects.exists()


@pytest.mark.django_db
def test_shards_on_sqlite_are_refused_with_what_to_do_and_on_postgresql_planned(admin_api):
    body = {"patients_count": 10, "checkins_per_user": 30, "background": True, "shards": 3}
    response = admin_api.post(reverse("generate-data"), body, format="json")

    if connection.vendor == "postgresql":
        assert response.status_code == status.HTTP_202_ACCEPTED, response.content
        planned = SeedShard.objects.values_list("index", "first_unit", "end_unit", "status")
        assert list(planned) == [(0, 0, 3, "waiting"), (1, 3, 6, "waiting"), (2, 6, 10, "waiting")]
        detail = admin_api.get(response.json()["status_url"]).json()
        assert [(shard["index"], shard["status"], shard["total"]) for shard in detail["shards"]] == [
            (0, "waiting", 3 * 30),
            (1, "waiting", 3 * 30),
            (2, "waiting", 4 * 30),
        ]
    else:
        assert response.status_code == status.HTTP_400_BAD_REQUEST
        assert "point DATABASE_URL at a PostgreSQL database" in response.json()["shards"][0]
        assert not SeedRun.objects.exists()


@pytest.mark.django_db
def test_one_shard_is_an_ordinary_background_run(admin_api):
    body = {"patients_count": 5, "shards": 1, "background": True}
    response = admin_api.post(reverse("generate-data"), body, format="json")

    assert response.status_code == status.HTTP_202_ACCEPTED, response.content
    assert not SeedShard.objects.exists()


@pytest.mark.postgresql
@pytest.mark.django_db
def test_shards_beyond_the_patients_are_not_planned(admin_api):
    body = {"patients_count": 2, "therapists_count": 1, "shards": 8, "background": True}
    response = admin_api.post(reverse("generate-data"), body, format="json")

    assert response.status_code == status.HTTP_202_ACCEPTED, response.content
    assert list(SeedShard.objects.values_list("first_unit", "end_unit")) == [(0, 1), (1, 2)]


@pytest.mark.django_db
def test_the_command_says_shards_need_background():
    with pytest.raises(CommandError, match="--shards splits a background run: add --background"):
        call_command("seed", "--patients", "4", "--shards", "2", "--no-input")
    assert not SeedRun.objects.exists()


@pytest.mark.django_db
def test_the_admin_form_says_shards_need_background(client, staff_user):
    client.force_login(staff_user)
    form = {"patients_count": 3, "therapists_count": 1, "admins_count": 0, "checkins_per_user": 5, "shards": 2}
    response = client.post(reverse("admin:clinic_profile_generate_test_data"), {**form, "mood_pattern": "random"})

    assert response.status_code == status.HTTP_200_OK
    assert "Shards split a background run" in response.content.decode()
    assert not SeedRun.objects.exists()


@pytest.mark.postgresql
@pytest.mark.django_db
def test_the_admin_run_page_lists_the_shards(admin_api, admin_client):
    body = {"patients_count": 4, "checkins_per_user": 10, "background": True, "shards": 2}
    run_id = admin_api.post(reverse("generate-data"), body, format="json").json()["run_id"]

    page = admin_client.get(reverse("admin:seeding_seedrun_change", args=[run_id])).content.decode()

    assert 'id="run-shards"' in page
    assert "<td>1 to 2</td><td>waiting</td>" in page
    assert "<td>3 to 4</td><td>waiting</td>" in page
    assert "<td>0 of 20</td>" in page


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL runs shards")
@pytest.mark.django_db
def test_the_command_says_shards_need_postgresql_and_queues_nothing():
    with pytest.raises(CommandError, match=r"shards above 1 need PostgreSQL.*point DATABASE_URL at a PostgreSQL"):
        call_command("seed", "--patients", "4", "--background", "--shards", "2", "--no-input")
    assert not SeedRun.objects.exists()


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_heartbeat_waiting_on_the_last_shards_commit_leaves_the_runs_final_progress():
    """A lease's heartbeat that blocks on the run's row while the last shard commits must not write back
    the sum it read before that commit."""
    run = baker.make(SeedRun, status=SeedRun.Status.RUNNING, seed=1, progress={"checkins": {"done": 0, "total": 10}})
    shard = baker.make(SeedShard, run=run, index=0, first_unit=0, end_unit=1, status=SeedShard.Status.RUNNING, done=4)
    settings = connection.settings_dict
    last_shard = psycopg.connect(dbname=settings["NAME"], host=settings["HOST"], port=settings["PORT"],
                                 user=settings["USER"])  # fmt: skip
    try:
        last_shard.execute("UPDATE seeding_seedshard SET status = 'succeeded', done = 10 WHERE id = %s", [shard.pk])
        last_shard.execute(
            "UPDATE seeding_seedrun SET status = 'succeeded', progress = %s WHERE id = %s",
            [psycopg.types.json.Jsonb({"checkins": {"done": 10, "total": 10}}), run.pk],
        )
        heartbeat = threading.Thread(target=publish_progress_and_close, args=(run.pk,))
        heartbeat.start()
        wait_until_blocked_on_a_lock(last_shard)
        last_shard.commit()
        heartbeat.join(timeout=10)
    finally:
        last_shard.close()

    assert not heartbeat.is_alive(), "the heartbeat's update never finished"
    run.refresh_from_db()
    assert run.progress["checkins"] == {"done": 10, "total": 10}


def publish_progress_and_close(run_id) -> None:
    """A heartbeat as a lease's thread sends it, on that thread's own connection, closed after."""
    try:
        publish_progress(run_id, "default")
    finally:
        connections["default"].close()


def wait_until_blocked_on_a_lock(observer, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    query = "SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
    while observer.execute("SELECT pg_stat_clear_snapshot()") and observer.execute(query).fetchone()[0] == 0:
        assert time.monotonic() < deadline, "the heartbeat never waited for the run's row"
        time.sleep(0.05)
