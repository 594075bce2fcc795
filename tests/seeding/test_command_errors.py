"""The seed commands as a person runs them: each mistake gets a short message saying what to do, never a traceback."""

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Everything that could leak in from the test's own environment and change what the command sees.
CLEARED_VARIABLES = ["DEBUG", "SECRET_KEY", "DATABASE_URL", "SEEDING_ENABLED", "SEEDING_ALLOWED_DATABASES"]


def run_manage(*arguments: str, database: Path | str | None = None, **environment: str):
    """`python manage.py <arguments>` in a fresh process, with DEBUG on unless the test says otherwise."""
    env = {name: value for name, value in os.environ.items() if name not in CLEARED_VARIABLES}
    env.update({"DEBUG": "true", "DJANGO_SETTINGS_MODULE": "config.settings"})
    if database is not None:
        env["DATABASE_URL"] = database if isinstance(database, str) else f"sqlite:///{database}"
    env.update(environment)
    env = {name: value for name, value in env.items() if value is not None}
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=PROJECT_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_refused(result, *hints: str) -> str:
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "Traceback" not in output, output
    for hint in hints:
        assert hint in output, output
    return output


def count_rows(database: Path, table: str) -> int:
    with sqlite3.connect(database) as connection:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def latest_run(database: Path) -> tuple[str, str, str]:
    with sqlite3.connect(database) as connection:
        query = "SELECT id, status, error FROM seeding_seedrun ORDER BY started_at DESC LIMIT 1"
        return connection.execute(query).fetchone()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory) -> Path:
    """One migrated SQLite file for the whole session: the commands run in their own processes."""
    database = tmp_path_factory.mktemp("commands") / "clinic.sqlite3"
    result = run_manage("migrate", "--no-input", database=database)
    assert result.returncode == 0, result.stderr
    return database


def is_postgresql_listening() -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", 5432)) == 0


def test_seeding_with_debug_unset_says_it_is_for_development(migrated_database):
    result = run_manage("seed", "--patients", "5", database=migrated_database, DEBUG=None)

    assert_refused(result, "Seeding is for development", "DEBUG=true", "SEEDING_ENABLED=true")


def test_seeding_with_seeding_disabled_says_how_to_turn_it_on(migrated_database):
    result = run_manage("seed", "--patients", "5", database=migrated_database, SEEDING_ENABLED="false")

    assert_refused(result, "Seeding is only allowed in development environment", "DEBUG=true")


def test_a_database_never_migrated_says_run_migrate(tmp_path):
    result = run_manage("seed", "--patients", "5", database=tmp_path / "empty.sqlite3")

    assert_refused(result, "python manage.py migrate")


def test_a_database_with_older_migrations_says_run_migrate(tmp_path):
    database = tmp_path / "old.sqlite3"
    assert run_manage("migrate", "seeding", "0001", "--no-input", database=database).returncode == 0

    result = run_manage("seed", "--patients", "5", database=database)

    assert_refused(result, "missing", "python manage.py migrate")


def test_a_database_missing_only_the_newest_migration_names_it(tmp_path):
    database = tmp_path / "almost.sqlite3"
    assert run_manage("migrate", "--no-input", database=database).returncode == 0
    assert run_manage("migrate", "clinic", "0005", "--no-input", database=database).returncode == 0

    result = run_manage("seed", "--patients", "5", database=database)

    assert_refused(result, "missing 1 migration(s), such as clinic.0006_appointments_and_staff_details")


def test_with_logins_without_a_password_and_no_terminal_says_the_password_is_needed(migrated_database):
    result = run_manage("seed", "--patients", "2", "--with-logins", database=migrated_database)

    assert_refused(result, "--password is required when --with-logins is true")


def test_an_unknown_database_alias_lists_the_known_ones(migrated_database):
    result = run_manage("seed", "--database", "nope", database=migrated_database)

    assert_refused(result, "--database 'nope' is not a database of this project", "default")


def test_an_unreachable_database_says_to_check_the_server():
    result = run_manage("seed", database="postgres://postgres@127.0.0.1:1/clinic")

    output = assert_refused(result, "Cannot connect to the database 'clinic' on 127.0.0.1:1", "DATABASE_URL")
    assert "psycopg" not in output


@pytest.mark.skipif(not is_postgresql_listening(), reason="needs a PostgreSQL server on 127.0.0.1:5432")
def test_a_missing_postgresql_database_says_to_create_it():
    result = run_manage("seed", database="postgres://postgres@127.0.0.1:5432/clinic_h2_never_created")

    assert_refused(result, "does not exist", "createdb -h 127.0.0.1 -p 5432 -U postgres clinic_h2_never_created")


@pytest.mark.parametrize("url", ["nonsense", "mysql://user@localhost/clinic"])
def test_a_malformed_database_url_names_the_variable(url):
    result = run_manage("seed", database=url)

    assert_refused(result, "DATABASE_URL")


def test_a_negative_count_names_the_option_once(migrated_database):
    result = run_manage("seed", "--patients", "-1", database=migrated_database)

    output = assert_refused(result, "--patients must be between 0 and 1000000; got -1.")
    assert "patients_count" not in output


def test_a_malformed_end_date_says_the_expected_format(migrated_database):
    result = run_manage("seed", "--end-date", "2026-13-01", database=migrated_database)

    assert_refused(result, "--end-date", "YYYY-MM-DD")


@pytest.mark.parametrize(
    ("toml", "hint"),
    [
        ("end_date = 2026-01-01T10:00:00\n", "end_date must be a date written YYYY-MM-DD"),
        ("password = 123\n", "password must be text; got 123"),
    ],
)
def test_a_scenario_value_of_the_wrong_type_names_its_key_and_writes_nothing(migrated_database, tmp_path, toml, hint):
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(toml)
    profiles = count_rows(migrated_database, "profiles")

    result = run_manage("seed", "--scenario", str(scenario), database=migrated_database)

    assert_refused(result, f"{scenario}: {hint}")
    assert count_rows(migrated_database, "profiles") == profiles


def test_an_empty_scenario_says_what_a_scenario_is(migrated_database):
    result = run_manage("seed", "--scenario", "", database=migrated_database)

    assert_refused(result, "--scenario is empty", "demo-clinic")


@pytest.mark.parametrize(
    ("arguments", "hint"),
    [
        (["--undo", "0123abcd", "--patients", "50"], "--undo generates nothing, so --patients cannot go with it"),
        (["--clear-only", "--patients", "5", "--seed", "1"], "--clear-only generates nothing, so --patients, --seed"),
        (["--keep-referenced", "--patients", "5"], "--keep-referenced applies only with --clear"),
    ],
)
def test_generation_options_with_a_deleting_mode_are_refused(migrated_database, arguments, hint):
    assert_refused(run_manage("seed", *arguments, database=migrated_database), hint)


def test_undo_by_prefix_then_again_says_the_rows_are_gone(migrated_database):
    seeded = run_manage("seed", "--patients", "1", "--therapists", "0", "--no-input", database=migrated_database)
    run_id = re.search(r"run id\s+(\S+)", seeded.stdout).group(1)
    undone = run_manage("seed", "--undo", run_id[:8], database=migrated_database)
    assert undone.returncode == 0, undone.stderr
    assert "Deleted" in undone.stdout

    result = run_manage("seed", "--undo", run_id[:8], database=migrated_database)

    assert_refused(result, "only a succeeded run can be undone")


def test_undo_of_a_run_whose_rows_were_deleted_otherwise_says_so(migrated_database):
    seeded = run_manage("seed", "--patients", "1", "--therapists", "0", "--no-input", database=migrated_database)
    run_id = re.search(r"run id\s+(\S+)", seeded.stdout).group(1)
    with sqlite3.connect(migrated_database) as connection:
        connection.execute("DELETE FROM check_ins WHERE synthetic_run_id = ?", (run_id.replace("-", ""),))
        connection.execute("DELETE FROM profiles WHERE synthetic_run_id = ?", (run_id.replace("-", ""),))

    result = run_manage("seed", "--undo", run_id, database=migrated_database)

    assert_refused(result, "remain")


def test_an_unknown_run_says_so(migrated_database):
    assert_refused(run_manage("seed", "--undo", "ffffffff", database=migrated_database), "There is no seed run")


@pytest.mark.parametrize(
    ("sent", "status", "message"),
    [
        (signal.SIGINT, 130, "Interrupted: nothing was written."),
        (signal.SIGTERM, 143, "Stopped by SIGTERM: nothing was written."),
    ],
)
def test_a_signal_stops_the_run_in_one_line_and_records_it(migrated_database, sent, status, message):
    env = {name: value for name, value in os.environ.items() if name not in CLEARED_VARIABLES}
    env.update(DEBUG="true", DATABASE_URL=f"sqlite:///{migrated_database}", DJANGO_SETTINGS_MODULE="config.settings")
    profiles = count_rows(migrated_database, "profiles")
    command = [sys.executable, "manage.py", "seed", "--patients", "6000", "--checkins-per-user", "365"]
    process = subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        for line in process.stderr:  # progress lines: the run is writing
            if line.startswith(b"check-ins:"):
                break
        process.send_signal(sent)
        _, rest = process.communicate(timeout=60)
    finally:
        process.kill()

    errors = rest.decode()
    assert process.returncode == status, errors
    assert "Traceback" not in errors
    assert [line for line in errors.splitlines() if "check-ins:" not in line] == [f"CommandError: {message}"]
    assert latest_run(migrated_database)[1] == "interrupted"
    assert count_rows(migrated_database, "profiles") == profiles
