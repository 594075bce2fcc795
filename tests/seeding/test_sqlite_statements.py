"""On SQLite, rows go as multi-row INSERT statements: every row arrives as given, within SQLite's limits."""

import sqlite3
from datetime import date, timedelta
from uuid import uuid4

import pytest
from django.db import IntegrityError, connection, transaction
from model_bakery import baker

from clinic.models import CheckIn, Profile
from seeding import writers
from seeding.writers import write_rows

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="the multi-row INSERT is SQLite's writer")
COLUMNS = ("user_id", "checkin_date", "mood", "energy", "sleep_hours", "notes", "created_at")


@pytest.fixture
def small_statements(monkeypatch):
    """Four rows per statement, ten per batch: 23 rows then make full statements, leftovers and a short batch."""
    monkeypatch.setattr(writers, "SQLITE_ROWS_PER_STATEMENT", 4)
    monkeypatch.setattr(writers, "BATCH_ROWS", 10)


def checkin_rows(patient: Profile, count: int) -> list[tuple]:
    first = date(2026, 1, 1)
    return [
        (
            patient.pk.hex,
            (first + timedelta(days=day)).isoformat(),
            1 + day % 10,
            10 - day % 10,
            f"{day % 24}.5",
            f"note {day}, it's 'quoted'",
            f"2026-02-01 10:00:{day % 60:02d}",
        )
        for day in range(count)
    ]


def stored_rows() -> list[tuple]:
    values = CheckIn.objects.order_by("pk").values_list(
        "user_id", "checkin_date", "mood", "energy", "sleep_hours", "notes", "anxiety", "synthetic_run_id"
    )
    return [(u.hex, d.isoformat(), m, e, str(s), n, a, r and r.hex) for u, d, m, e, s, n, a, r in values]


@pytest.mark.django_db
def test_rows_split_across_statements_and_batches_arrive_in_order_with_their_constants(small_statements):
    patient = baker.make(Profile, role=Profile.Role.PATIENT)
    rows, run = checkin_rows(patient, 23), uuid4().hex

    written = write_rows("default", "check_ins", COLUMNS, rows, constants={"synthetic_run_id": run, "anxiety": 3})

    assert written == 23
    assert stored_rows() == [(*row[:6], 3, run) for row in rows]


@pytest.mark.django_db
def test_statements_stay_within_the_parameters_sqlite_allows(small_statements):
    patient = baker.make(Profile, role=Profile.Role.PATIENT)
    connection.ensure_connection()
    usual = connection.connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 20)  # two rows of eight
    try:
        written = write_rows("default", "check_ins", COLUMNS, checkin_rows(patient, 23), constants={"anxiety": 3})
    finally:
        connection.connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, usual)

    assert written == 23
    assert CheckIn.objects.count() == 23


@pytest.mark.django_db(transaction=True)
def test_a_refused_row_inside_a_statement_fails_the_write_and_leaves_nothing(small_statements):
    patient = baker.make(Profile, role=Profile.Role.PATIENT)
    rows = checkin_rows(patient, 23)
    rows[6] = rows[5]  # the same patient and day twice, in the second statement

    with pytest.raises(IntegrityError), transaction.atomic():
        write_rows("default", "check_ins", COLUMNS, rows, constants={"anxiety": 3})

    assert not CheckIn.objects.exists()
