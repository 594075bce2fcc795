"""How generated rows reach the database: COPY on PostgreSQL, large executemany batches on SQLite.

Rows are generated on a producer thread, one batch ahead of the database: while the server
ingests (and checks) one batch on its own core, Python builds the next. At most three batches
exist at once, so memory stays flat whatever the volume.
"""

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from itertools import islice

from django.db import IntegrityError, connections

UNIQUE_VIOLATION_SQLSTATE = "23505"
SQLITE_UNIQUE_ERRORCODES = {sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY}
BATCH_ROWS = 20_000
# COPY's text format: these characters in a value are written as escapes, and NULL as \N.
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
COPY_NULL = "\\N"
NUL_MESSAGE = "{table}.{column} cannot store the NUL character (\\x00); remove it from the value {value!r}."


class UnstorableText(ValueError):
    """A text value the database cannot store as given (PostgreSQL refuses NUL)."""


class QueryOnProducerThread(RuntimeError):
    """A generator queried the database from the producer thread, outside the run's transaction."""


def write_rows(
    using: str,
    table: str,
    columns: Sequence[str],
    rows: Iterable[tuple],
    *,
    constants: Mapping[str, object] | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Insert rows into table, each followed by the constant columns, and return how many.

    Every value reaches the database exactly as given on both backends, or the write raises
    UnstorableText naming the column; database errors arrive as Django's own.
    """
    connection = connections[using]
    connection.ensure_connection()
    constants = dict(constants or {})
    is_postgresql = connection.vendor == "postgresql"
    if is_postgresql:  # the constants' text is written once and appended to every line
        encode = _copy_encoder(table, columns, constants)
    else:  # SQLite takes parameters as given
        encode = list
        if constants:
            suffix = tuple(constants.values())
            rows = (row + suffix for row in rows)
    columns = (*columns, *constants)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    written = 0
    with connection.wrap_database_errors, _prefetch(_batches(rows, encode), using) as ready:
        for count, batch in ready:
            if is_postgresql:
                _copy(connection, table, names, batch)
            else:
                _executemany(connection, table, names, len(columns), batch)
            written += count
            if on_batch:
                on_batch(count)
    return written


def is_unique_violation(error: IntegrityError) -> bool:
    """Recognise a unique violation by the database's own error code, never by its message."""
    cause = error.__cause__
    if getattr(cause, "sqlstate", None) == UNIQUE_VIOLATION_SQLSTATE:
        return True
    return getattr(cause, "sqlite_errorcode", None) in SQLITE_UNIQUE_ERRORCODES


def copy_text(table: str, columns: Sequence[str], rows: Iterable[tuple]) -> bytes:
    """Rows in COPY's text format, every value escaped; the one place that knows the format."""
    return _copy_encoder(table, columns)(list(rows))


def _batches(rows: Iterable[tuple], encode: Callable) -> Iterator[tuple[int, object]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, BATCH_ROWS)):
        yield len(batch), encode(batch)


def _copy_encoder(
    table: str, columns: Sequence[str], constants: Mapping[str, object] | None = None
) -> Callable[[list[tuple]], bytes]:
    tabs_per_line = len(columns) - 1
    constant_names = (*columns, *(constants or {}))
    suffix = "".join(
        "\t" + _copy_value(table, constant_names, len(columns) + i, value)
        for i, value in enumerate((constants or {}).values())
    )
    line_end = suffix + "\n"

    def encode(batch: list[tuple]) -> bytes:
        text = "\n".join(["\t".join(map(str, row)) for row in batch])
        # Fast path: numbers, dates and plain text need no escapes; anything else is escaped value by value.
        # str(None) is "None", so a batch whose text never says "None" holds no NULL.
        plain = (
            text.count("\t") == tabs_per_line * len(batch)
            and text.count("\n") == len(batch) - 1
            and not any(ch in text for ch in "\\\r\x00")
            and "None" not in text
        )
        if not plain:
            text = "\n".join(
                ["\t".join([_copy_value(table, columns, i, v) for i, v in enumerate(row)]) for row in batch]
            )
        return (text + "\n").replace("\n", line_end).encode()

    return encode


def _copy_value(table: str, columns: Sequence[str], index: int, value: object) -> str:
    if value is None:
        return COPY_NULL
    text = str(value)
    if "\x00" in text:
        raise UnstorableText(NUL_MESSAGE.format(table=table, column=columns[index], value=text))
    return text.translate(COPY_ESCAPES)


def _copy(connection, table: str, names: str, data: bytes) -> None:
    statement = f"COPY {connection.ops.quote_name(table)} ({names}) FROM STDIN"
    with connection.connection.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(data)


def _executemany(connection, table: str, names: str, width: int, batch: list[tuple]) -> None:
    placeholders = ", ".join("?" * width)
    statement = f"INSERT INTO {connection.ops.quote_name(table)} ({names}) VALUES ({placeholders})"
    cursor = connection.connection.cursor()
    try:
        cursor.executemany(statement, batch)
    finally:
        cursor.close()


@contextmanager
def _prefetch(items: Iterator, using: str) -> Iterator[Iterator]:
    """Produce items on one worker thread, one ahead of the consumer; its exceptions reach the consumer."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="seeding-producer") as producer:

        def ready() -> Iterator:
            pending = producer.submit(_next_without_queries, items, using)
            while (item := pending.result()) is not None:
                pending = producer.submit(_next_without_queries, items, using)
                yield item

        consumer = ready()
        try:
            yield consumer
        finally:
            consumer.close()  # the pending item finishes; the executor then shuts its thread down


def _next_without_queries(items: Iterator, using: str):
    # Django connections are per thread: a query here would open a second connection outside the run's
    # transaction, so one raises instead.
    with connections[using].execute_wrapper(_refuse_query):
        return next(items, None)


def _refuse_query(execute, sql, params, many, context):
    raise QueryOnProducerThread(f"A generator queried the database while producing rows: {sql[:80]}")
