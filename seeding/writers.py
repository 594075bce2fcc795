"""How generated rows reach the database: COPY on PostgreSQL, large executemany batches on SQLite.

Rows are generated on a producer thread, one batch ahead of the database: while the server
ingests (and checks) one batch on its own core, Python builds the next. At most a few batches
exist at once, so memory stays flat whatever the volume.
"""

import queue
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from itertools import islice

from django.db import DatabaseError, IntegrityError, connections, transaction

UNIQUE_VIOLATION_SQLSTATE = "23505"
SQLITE_UNIQUE_ERRORCODES = {sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY}
BATCH_ROWS = 20_000
BATCHES_AHEAD = 2
BULK_CHECK_MIN_ROWS = 100_000  # below this, checking foreign keys row by row is cheaper than a pass


def write_rows(
    using: str,
    table: str,
    columns: Sequence[str],
    rows: Iterable[tuple],
    *,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Insert rows into table and return how many; database errors arrive as Django's own.

    Text values must be COPY-safe (no tab, newline or backslash): the pools are cleaned once per run.
    """
    connection = connections[using]
    connection.ensure_connection()
    is_postgresql = connection.vendor == "postgresql"
    batches = _batches(rows, _copy_text if is_postgresql else list)
    written = 0
    with connection.wrap_database_errors, _prefetched(batches) as ready:
        for count, batch in ready:
            if is_postgresql:
                _copy(connection.connection, table, columns, batch)
            else:
                _executemany(connection.connection, table, columns, batch)
            written += count
            if on_batch:
                on_batch(count)
    return written


def lock_tables_for_bulk_loads(using: str, expected_rows: dict[str, int]) -> None:
    """Take at once, before writing anything, the locks that checking foreign keys in bulk needs.

    Dropping a table's foreign keys locks it and the tables it references. Taken midway, after this
    run has written rows, those locks could deadlock with a concurrent run; taken first, a concurrent
    run simply waits for this one. `expected_rows` maps each table about to be loaded to its rows.
    """
    connection = connections[using]
    large = [table for table, rows in expected_rows.items() if rows >= BULK_CHECK_MIN_ROWS]
    if connection.vendor != "postgresql" or not large:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT confrelid::regclass::text FROM pg_constraint"
            " WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])",
            [[f'"{table}"' for table in large]],
        )
        tables = sorted({*large, *(row[0] for row in cursor.fetchall())})
    names = ", ".join(connection.ops.quote_name(table) for table in tables)
    with suppress(DatabaseError), transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE")


@contextmanager
def foreign_keys_checked_in_bulk(using: str, table: str, *, expected_rows: int) -> Iterator[None]:
    """For a large load on PostgreSQL, have the database check the table's foreign keys in one pass.

    Checked row by row, a foreign key costs the server about as much as the insert itself. Inside the
    run's transaction, the keys are dropped before the load and added back after it, exactly as they
    were; adding a key validates every row of the table in one join (PostgreSQL's advice for populating
    a database). An orphan row still fails the run, and a failed run restores the keys with everything
    else. Meanwhile the table is locked against other writers and readers; smaller loads and databases
    where we may not alter the table keep the row-by-row check.
    """
    connection = connections[using]
    is_large = connection.vendor == "postgresql" and expected_rows >= BULK_CHECK_MIN_ROWS
    keys = _foreign_keys(connection, table) if is_large else []
    if not keys or not _drop_foreign_keys(connection, table, keys):
        yield
        return
    yield
    with connection.cursor() as cursor:
        for name, definition in keys:
            cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')


def _foreign_keys(connection, table: str) -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
            [f'"{table}"'],
        )
        return cursor.fetchall()


def _drop_foreign_keys(connection, table: str, keys: list[tuple[str, str]]) -> bool:
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            for name, _ in keys:
                cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    except DatabaseError:  # not the table's owner, for one: keep checking row by row
        return False
    return True


def constrain_immediately(using: str) -> None:
    """Check foreign keys as each batch lands rather than all at commit.

    Django declares PostgreSQL foreign keys DEFERRABLE INITIALLY DEFERRED; deferred, a million
    rows queue a million checks that run serially at COMMIT, while immediate checks run batch by
    batch on the server as the next batch is being generated.
    """
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def is_unique_violation(error: IntegrityError) -> bool:
    """Recognise a unique violation by the database's own error code, never by its message."""
    cause = error.__cause__
    if getattr(cause, "sqlstate", None) == UNIQUE_VIOLATION_SQLSTATE:
        return True
    return getattr(cause, "sqlite_errorcode", None) in SQLITE_UNIQUE_ERRORCODES


def _batches(rows: Iterable[tuple], encode: Callable) -> Iterator[tuple[int, object]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, BATCH_ROWS)):
        yield len(batch), encode(batch)


def _copy_text(batch: list[tuple]) -> bytes:
    lines = ["\t".join(map(_copy_value, row)) if None in row else "\t".join(map(str, row)) for row in batch]
    lines.append("")
    return "\n".join(lines).encode()


def _copy_value(value: object) -> str:
    return r"\N" if value is None else str(value)


def _copy(dbapi_connection, table: str, columns: Sequence[str], data: bytes) -> None:
    statement = f'COPY "{table}" ({", ".join(columns)}) FROM STDIN'
    with dbapi_connection.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(data)


def _executemany(dbapi_connection, table: str, columns: Sequence[str], batch: list[tuple]) -> None:
    placeholders = ", ".join("?" * len(columns))
    statement = f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({placeholders})'
    cursor = dbapi_connection.cursor()
    try:
        cursor.executemany(statement, batch)
    finally:
        cursor.close()


class _prefetched:
    """Run an iterator on a producer thread, up to BATCHES_AHEAD items ahead of the consumer."""

    _DONE = object()

    def __init__(self, items: Iterator) -> None:
        self._items = items
        self._queue: queue.Queue = queue.Queue(maxsize=BATCHES_AHEAD)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._produce, name="seeding-producer", daemon=True)

    def __enter__(self) -> Iterator:
        self._thread.start()
        return self._consume()

    def __exit__(self, *exc_info) -> None:
        self._stopped.set()
        while self._thread.is_alive():  # unblock a producer waiting on a full queue
            with suppress(queue.Empty):
                self._queue.get(timeout=0.05)
        self._thread.join()

    def _produce(self) -> None:
        try:
            for item in self._items:
                if not self._put(item):
                    return
            self._put(self._DONE)
        except BaseException as exc:  # handed to the consumer, raised there
            self._put(exc)

    def _put(self, item) -> bool:
        while not self._stopped.is_set():
            try:
                self._queue.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def _consume(self) -> Iterator:
        while (item := self._queue.get()) is not self._DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
