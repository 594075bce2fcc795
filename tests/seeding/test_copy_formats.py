"""COPY in binary stores exactly what COPY in text stores; values without an exact binary form go as text."""

import sys
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

import pytest
from django.db import DatabaseError, connection, transaction

from seeding import context, writers
from seeding.generators import generation_order
from seeding.request import command_limits
from seeding.scenarios import scenario_request
from seeding.service import generate
from seeding.writers import UnstorableText, write_rows

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db]

STARTED_AT = datetime(2026, 1, 31, 12, tzinfo=UTC)


def stored_as_text(table: str, columns) -> list[tuple]:
    """The table's rows as the server prints them, in the given columns."""
    quote = connection.ops.quote_name
    text = ", ".join(f"{quote(column)}::text" for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {text} FROM {quote(table)} ORDER BY {text}")
        return cursor.fetchall()


def written(table: str, columns, rows, constants, *, is_binary: bool) -> list[tuple]:
    """Write rows (in the given format) in a savepoint, read them back, and roll the savepoint back."""
    with transaction.atomic(), _format(is_binary):
        write_rows("default", table, columns, rows, constants=constants)
        stored = stored_as_text(table, (*columns, *constants))
        transaction.set_rollback(True)
    return stored


@contextmanager
def _format(is_binary: bool):
    original = writers._binary_column_types
    writers._binary_column_types = original if is_binary else (lambda *args: None)
    try:
        yield
    finally:
        writers._binary_column_types = original


def generated_tables(request, *, is_binary: bool) -> dict[str, list[tuple]]:
    """generate() in a savepoint, ids numbered from 1: each generator's columns as the server prints them."""
    tables = {generator.model._meta.db_table: generator.columns for generator in generation_order()}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), 1, false)", [table])
    with transaction.atomic(), _format(is_binary):
        generate(request, limits=command_limits(), source="command", password_hash="same-hash-both-times")
        stored = {table: stored_as_text(table, columns) for table, columns in tables.items()}
        transaction.set_rollback(True)
    return stored


def test_a_scenario_is_stored_the_same_in_binary_and_in_text(monkeypatch):
    monkeypatch.setattr(context.timezone, "now", lambda: STARTED_AT)
    request = scenario_request("demo-clinic", seed=7, patients_count=6, therapists_count=3, checkins_per_user=30)
    request = replace(request, end_date=date(2026, 1, 31))

    binary = generated_tables(request, is_binary=True)

    assert binary == generated_tables(request, is_binary=False)
    assert all(binary.values())


CHECKIN_COLUMNS = ("user_id", "checkin_date", "mood", "energy", "anxiety", "sleep_hours", "notes", "created_at")


@pytest.mark.parametrize(
    "values",
    [
        (uuid4(), date(2026, 1, 31), 1, 10, 5, Decimal("0.05"), "", datetime(2026, 1, 31, 23, 59, 59, tzinfo=UTC)),
        (uuid4().hex, "2026-02-28", 5, 5, 5, "24.0", "café 東京 🙂", "2026-02-28 00:00:00"),
        (str(uuid4()), "2024-02-29", 5, 5, 5, 12, "Tab\there\nnew line", "2024-02-29 12:30:05"),
        (uuid4().hex, "2026-03-01", 5, 5, 5, 7.5, "a float goes as text", "2026-03-01 08:00:00"),
        (uuid4().hex, "2026-03-02", 5, 5, 5, "7.50", "", "2026-03-02T08:00:00"),
    ],
)
def test_check_in_values_of_every_accepted_type_are_stored_as_text_stores_them(values):
    text = written("check_ins", CHECKIN_COLUMNS, [values], {}, is_binary=False)  # the user's key is checked at commit

    assert written("check_ins", CHECKIN_COLUMNS, [values], {}, is_binary=True) == text


def test_a_nul_character_is_refused_by_name_in_binary_too():
    row = (uuid4().hex, "2026-01-01", 5, 5, 5, "7.0", "bad\x00note", "2026-01-01 08:00:00")

    with pytest.raises(UnstorableText, match=r"check_ins\.notes cannot store the NUL character"):
        write_rows("default", "check_ins", CHECKIN_COLUMNS, [row])


@pytest.mark.parametrize("value", ["0", "-0.0", "0.0001", "12345.678", "-9999.99990", "100000000", 10000, "7", "7.00"])
def test_numeric_values_are_stored_exactly(value):
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE numbers (value numeric)")
    text = written("numbers", ("value",), [(value,)], {}, is_binary=False)

    assert written("numbers", ("value",), [(value,)], {}, is_binary=True) == text


def test_check_ins_and_profiles_are_copied_in_binary():
    connection.ensure_connection()

    assert writers._binary_column_types(connection, "check_ins", CHECKIN_COLUMNS)
    assert writers._binary_column_types(connection, "profiles", ("id", "email", "full_name", "synthetic_run_id"))


def test_the_interpreter_switch_interval_is_restored_after_a_write():
    before = sys.getswitchinterval()
    row = (uuid4().hex, "2026-01-01", 5, 5, 5, "7.0", "", "2026-01-01 08:00:00")

    written("check_ins", CHECKIN_COLUMNS, [row], {}, is_binary=True)

    assert sys.getswitchinterval() == before


def test_equal_numbers_written_differently_keep_their_own_scale():
    rows = [("7",), (7,), ("7.0",), ("7.00",), (Decimal("7.000"),)]
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE numbers (value numeric)")
    text = written("numbers", ("value",), rows, {}, is_binary=False)

    assert written("numbers", ("value",), rows, {}, is_binary=True) == text
    assert sorted(value for (value,) in text) == ["7", "7", "7.0", "7.00", "7.000"]


def test_a_missing_table_is_reported_as_a_django_database_error():
    with pytest.raises(DatabaseError):
        write_rows("default", "no_such_table", ("value",), [(1,)])
