"""A run killed from outside (SIGKILL, SIGTERM) leaves no `running` row in the ledger and nothing of its rows.

Each test seeds a scratch database of its own (a SQLite file, or a PostgreSQL database created and dropped
here) through real `manage.py` processes, and kills one by its pid in the middle of a large run.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
LARGE_RUN = ("seed", "--patients", "1500", "--checkins-per-user", "365", "--seed", "1", "--verbosity", "0")
LEDGER_ROWS = "SELECT status FROM seeding_seedrun WHERE kind = 'generate'"


def manage(env: dict, *arguments: str, **options) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=180, **options)  # fmt: skip


class ScratchDatabase:
    """A migrated database of the backend under test, reached by DATABASE_URL and by a plain DB-API connection.

    Migrating takes seconds, so it happens once: each test gets a copy of a migrated template.
    """

    def __init__(self, directory: Path, template: "ScratchDatabase | None" = None) -> None:
        self.is_postgresql = connection.vendor == "postgresql"
        self.name = f"seeding_kill_{uuid.uuid4().hex[:8]}_test"
        if self.is_postgresql:
            copy = f' TEMPLATE "{template.name}"' if template else ""
            self._admin(f'CREATE DATABASE "{self.name}"{copy}')
            self.url = f"postgres://postgres@127.0.0.1:5432/{self.name}"
        else:
            self.path = directory / f"{self.name}.sqlite3"
            if template:
                shutil.copyfile(template.path, self.path)
            self.url = f"sqlite:///{self.path}"
        self.env = {**os.environ, "DATABASE_URL": self.url, "DEBUG": "true"}
        if not template:
            result = manage(self.env, "migrate", "--no-input")
            assert result.returncode == 0, result.stderr

    def query(self, sql: str) -> list[tuple]:
        if self.is_postgresql:
            import psycopg

            with psycopg.connect(self.url.replace("postgres://", "postgresql://")) as conn:
                return conn.execute(sql).fetchall()
        import sqlite3

        with sqlite3.connect(self.path) as conn:
            return conn.execute(sql).fetchall()

    def drop(self) -> None:
        if self.is_postgresql:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    @staticmethod
    def _admin(sql: str) -> None:
        import psycopg

        config = connection.settings_dict
        server = {"host": config["HOST"] or "127.0.0.1", "port": config["PORT"] or 5432, "user": config["USER"]}
        with psycopg.connect(**server, dbname="postgres", autocommit=True) as conn:
            conn.execute(sql)


@pytest.fixture(scope="module")
def migrated_template(tmp_path_factory, django_db_blocker):
    with django_db_blocker.unblock():
        template = ScratchDatabase(tmp_path_factory.mktemp("template"))
        yield template
        template.drop()


@pytest.fixture
def scratch(tmp_path, migrated_template, db):
    database = ScratchDatabase(tmp_path, template=migrated_template)
    yield database
    database.drop()


def start_large_run(scratch: ScratchDatabase) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "manage.py", *LARGE_RUN], cwd=ROOT, env=scratch.env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    deadline = time.monotonic() + 60
    while scratch.query(LEDGER_ROWS) != [("running",)]:
        assert process.poll() is None, "the run ended before it started writing"
        assert time.monotonic() < deadline, "the run never started"
        time.sleep(0.05)
    time.sleep(0.5)  # well into writing its rows
    assert process.poll() is None, "the run finished before it could be killed: make it larger"
    return process


def test_a_run_killed_with_sigkill_is_marked_abandoned_and_leaves_nothing(scratch):
    process = start_large_run(scratch)

    process.kill()
    process.wait(timeout=30)
    assert scratch.query(LEDGER_ROWS) == [("running",)]  # nothing could say otherwise yet
    listing = manage(scratch.env, "shell", "-c", "from seeding.service import mark_abandoned_runs as m; print(m())")

    assert listing.stdout.split()[-1] == "1", listing.stderr
    assert scratch.query(LEDGER_ROWS) == [("abandoned",)]
    assert scratch.query("SELECT COUNT(*) FROM profiles") == [(0,)]
    assert scratch.query("SELECT COUNT(*) FROM check_ins") == [(0,)]


def test_the_next_run_notices_an_abandoned_run_by_itself(scratch):
    start_large_run(scratch).kill()

    result = manage(scratch.env, "seed", "--patients", "2", "--seed", "2", "--verbosity", "0")

    assert result.returncode == 0, result.stderr
    assert sorted(scratch.query(LEDGER_ROWS)) == [("abandoned",), ("succeeded",)]
    assert scratch.query("SELECT COUNT(*) FROM profiles") == [(3,)]


def test_a_run_stopped_with_sigterm_is_recorded_as_interrupted_and_leaves_nothing(scratch):
    process = start_large_run(scratch)

    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)

    assert process.returncode != 0
    assert "Traceback" not in stderr
    assert scratch.query(LEDGER_ROWS) == [("interrupted",)]
    assert scratch.query("SELECT COUNT(*) FROM profiles") == [(0,)]
    assert scratch.query("SELECT COUNT(*) FROM check_ins") == [(0,)]


def test_migrate_alone_makes_the_table_of_the_database_cache(migrated_template):
    """The throttles of logins and seeding count there: a newcomer's `migrate` must be enough."""
    assert migrated_template.query("SELECT COUNT(*) FROM django_cache") == [(0,)]
