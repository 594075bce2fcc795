"""How generated rows reach the database: COPY on PostgreSQL, large executemany batches on SQLite."""

import sqlite3
from collections.abc import Iterable, Sequence

from django.db import IntegrityError, connections

UNIQUE_VIOLATION_SQLSTATE = "23505"
SQLITE_UNIQUE_ERRORCODES = {sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY}


def write_rows(using: str, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """Insert rows into table and return how many; database errors arrive as Django's own."""
    connection = connections[using]
    connection.ensure_connection()
    counted = _Counter(rows)
    with connection.wrap_database_errors:
        if connection.vendor == "postgresql":
            _copy(connection.connection, table, columns, counted)
        else:
            _executemany(connection.connection, table, columns, counted)
    return counted.count


def is_unique_violation(error: IntegrityError) -> bool:
    """Recognise a unique violation by the database's own error code, never by its message."""
    cause = error.__cause__
    if getattr(cause, "sqlstate", None) == UNIQUE_VIOLATION_SQLSTATE:
        return True
    return getattr(cause, "sqlite_errorcode", None) in SQLITE_UNIQUE_ERRORCODES


def _copy(dbapi_connection, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    statement = f'COPY "{table}" ({", ".join(columns)}) FROM STDIN'
    with dbapi_connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _executemany(dbapi_connection, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    placeholders = ", ".join("?" * len(columns))
    statement = f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({placeholders})'
    cursor = dbapi_connection.cursor()
    try:
        cursor.executemany(statement, rows)
    finally:
        cursor.close()


class _Counter:
    """Counts rows as they stream past, so nothing needs to hold them all."""

    def __init__(self, rows: Iterable[tuple]) -> None:
        self._rows = rows
        self.count = 0

    def __iter__(self):
        for row in self._rows:
            self.count += 1
            yield row
