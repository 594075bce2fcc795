"""How generated rows reach the database: COPY on PostgreSQL, multi-row INSERT statements on SQLite.

Rows are generated on a producer thread, one batch ahead of the database: while the server
ingests (and checks) one batch on its own core, Python builds the next. At most three batches
exist at once, so memory stays flat whatever the volume.

On PostgreSQL, COPY uses the binary format when every column has a type below (COPY_BINARY_TYPES):
the server then reads dates, timestamps, numbers and ids without parsing text, about a quarter of
its work on check-ins. A batch holding a value the binary encoder does not take exactly as the text
format would (an unusual type, a float for a numeric) goes as text, so every value still reaches the
database as given, and the server checks the same constraints either way.
"""

import re
import sqlite3
import struct
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import chain, islice
from operator import getitem
from uuid import UUID

from django.db import IntegrityError, connections

UNIQUE_VIOLATION_SQLSTATE = "23505"
SQLITE_UNIQUE_ERRORCODES = {sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY}
BATCH_ROWS = 20_000
# A table is written in at least this many batches, when it has the rows: the first batch is generated
# before anything is written and the last is written after everything is generated, so with only one or two
# the two threads barely overlap (40,000 appointments took 1.8 s in batches of 20,000, 1.4 s in batches of 5,000).
BATCHES_PER_TABLE = 8
MIN_BATCH_ROWS = 1_000
# SQLite: rows per INSERT statement, at most (fewer where SQLite's limit on parameters says so). One
# statement of many rows costs the interpreter far less than executemany's step per row, and SQLite
# runs it without the interpreter lock, so the next batch is generated meanwhile: a million check-ins
# took 2.4 s this way, 2.5 s at 1,000 rows per statement, 3.1 s at 250, and 3.7 s row by row.
SQLITE_ROWS_PER_STATEMENT = 4_000
# COPY's text format: these characters in a value are written as escapes, and NULL as \N.
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
COPY_NULL = "\\N"
NUL_MESSAGE = "{table}.{column} cannot store the NUL character (\\x00); remove it from the value {value!r}."
# COPY's binary format: a signature (flags and header extension both empty), then per row its field count and
# each field as a 4-byte length and its bytes; -1 as field count ends the data.
COPY_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
COPY_BINARY_TRAILER = b"\xff\xff"
UTC_SESSION_ZONES = {"UTC", "Etc/UTC"}  # a timestamp written without an offset is read in the session's zone
HANDOVER_SECONDS = 0.0005  # see _prompt_handover
ENCODED_VALUES_KEPT = 2**16  # per column: the encodings remembered (check-ins repeat a few hundred values)


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
    batch_rows: int | None = None,
) -> int:
    """Insert rows into table, each followed by the constant columns, and return how many.

    Every value reaches the database exactly as given on both backends, or the write raises
    UnstorableText naming the column; database errors arrive as Django's own.
    """
    connection = connections[using]
    connection.ensure_connection()
    constants = dict(constants or {})
    is_postgresql = connection.vendor == "postgresql"
    if is_postgresql:  # the constants are encoded once and appended to every row
        text = _copy_encoder(table, columns, constants)
        encode = lambda batch: (False, text(batch))  # noqa: E731
        with connection.wrap_database_errors:
            types = _binary_column_types(connection, table, (*columns, *constants))
        if types:
            encode = _binary_copy_encoder(table, columns, constants, types, fallback=text)
    else:  # SQLite takes parameters as given; a constant text is written once, as a literal of the statement
        literals = {name: value for name, value in constants.items() if type(value) is str and "\x00" not in value}
        constants = {name: value for name, value in constants.items() if name not in literals}
        if constants:
            suffix = tuple(constants.values())
            rows = (row + suffix for row in rows)
        row_values = ", ".join(["?"] * (len(columns) + len(constants)) + [_sqlite_text(v) for v in literals.values()])
        rows_per_statement = _sqlite_rows_per_statement(connection, len(columns) + len(constants))
        encode = _sqlite_encoder(rows_per_statement)
        constants |= literals
    columns = (*columns, *constants)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    written = 0
    batches = _batches(rows, encode, batch_rows or BATCH_ROWS)
    with connection.wrap_database_errors, _prompt_handover(), _prefetch(batches, using) as ready:
        for count, batch in ready:
            if is_postgresql:
                _copy(connection, table, names, batch)
            else:
                _insert_sqlite(connection, table, names, row_values, batch)
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


def batch_rows_for(planned_rows: int) -> int:
    """Rows per batch for a table of about this many rows."""
    return min(BATCH_ROWS, max(MIN_BATCH_ROWS, planned_rows // BATCHES_PER_TABLE))


def _batches(rows: Iterable[tuple], encode: Callable, batch_rows: int) -> Iterator[tuple[int, object]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, batch_rows)):
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


def _binary_column_types(connection, table: str, columns: Sequence[str]) -> list[str] | None:
    """Each column's type if COPY can write all of them in binary (COPY_BINARY_TYPES), else None."""
    with connection.connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, atttypid::regtype::text FROM pg_attribute"
            " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
            [connection.ops.quote_name(table)],
        )
        type_of = dict(cursor.fetchall())
    info = connection.connection.info
    is_utc = info.parameter_status("TimeZone") in UTC_SESSION_ZONES and info.encoding == "utf-8"
    types = [type_of.get(column) for column in columns]
    if not all(kind in COPY_BINARY_TYPES and (is_utc or kind != "timestamp with time zone") for kind in types):
        return None
    return types


def _binary_copy_encoder(
    table: str, columns: Sequence[str], constants: Mapping[str, object], types: Sequence[str], *, fallback: Callable
) -> Callable[[list[tuple]], tuple[bool, bytes]]:
    """Batches in COPY's binary format; a batch holding a value without an exact binary form goes as text."""
    names = (*columns, *constants)
    fields = [COPY_BINARY_TYPES[kind](table, name) for name, kind in zip(names, types, strict=True)]
    try:
        suffix = b"".join(map(getitem, fields[len(columns) :], constants.values()))
    except _NOT_BINARY:
        return lambda batch: (False, fallback(batch))
    fields, head = fields[: len(columns)], struct.pack("!h", len(names))

    def encode(batch: list[tuple]) -> tuple[bool, bytes]:
        try:
            rows = [head + b"".join(map(getitem, fields, row)) + suffix for row in batch]
        except _NOT_BINARY:
            return False, fallback(batch)
        return True, COPY_BINARY_HEADER + b"".join(rows) + COPY_BINARY_TRAILER

    return encode


class _NoBinaryForm(ValueError):
    """A value the binary encoder does not take: its batch goes in the text format."""


_NOT_BINARY = (_NoBinaryForm, ValueError, TypeError, OverflowError, struct.error)


class _EncodedValues(dict):
    """One column's values -> their binary fields, remembered up to ENCODED_VALUES_KEPT of them."""

    __slots__ = ("encode",)

    def __init__(self, encode: Callable[[object], bytes]) -> None:
        super().__init__()
        self.encode = encode

    def __missing__(self, value: object) -> bytes:
        field = self.encode(value)
        if len(self) < ENCODED_VALUES_KEPT:
            self[value] = field
        return field


class _TextValues(_EncodedValues):
    """Text columns: only str values, never NUL (the text format refuses it by name, so does this)."""

    __slots__ = ("column", "table")

    def __init__(self, table: str, column: str) -> None:
        super().__init__(self._encode)
        self.table, self.column = table, column

    def _encode(self, value: object) -> bytes:
        if type(value) is not str:  # str(value) would be written; a non-str key could also equal another's
            raise _NoBinaryForm(value)
        if "\x00" in value:
            raise UnstorableText(NUL_MESSAGE.format(table=self.table, column=self.column, value=value))
        data = value.encode()
        return struct.pack("!i", len(data)) + data


class _Timestamps:
    """timestamptz, in a UTC session: "YYYY-MM-DD HH:MM:SS" text (read as UTC) or an aware datetime."""

    __slots__ = ("days", "seconds")

    def __init__(self, table: str, column: str) -> None:
        self.days = _EncodedValues(_days_microseconds)
        self.seconds = _EncodedValues(_time_microseconds)

    def __getitem__(self, value: object) -> bytes:
        if type(value) is str and len(value) == 19 and value[10] == " ":  # the day and the time remembered apart
            return _TIMESTAMP(8, self.days[value[:10]] + self.seconds[value[11:]])
        if type(value) is datetime and value.utcoffset() is not None:
            return _TIMESTAMP(8, (value - PG_EPOCH_UTC) // timedelta(microseconds=1))
        raise _NoBinaryForm(value)


PG_EPOCH = date(2000, 1, 1)
PG_EPOCH_UTC = datetime(2000, 1, 1, tzinfo=UTC)
_TIMESTAMP = struct.Struct("!iq").pack
_DATE = struct.Struct("!ii").pack


# The text forms taken in binary: exactly these, in ASCII digits; PostgreSQL reads each the same way.
DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
TIME_TEXT = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9])\Z")
UUID_TEXT = re.compile(
    r"[0-9a-fA-F]{32}\Z|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z"
)
NUMERIC_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?\Z")


def _days_microseconds(value: str) -> int:
    return (_date_of(value) - PG_EPOCH).days * 86_400_000_000


def _time_microseconds(value: str) -> int:
    if not (match := TIME_TEXT.match(value)):
        raise _NoBinaryForm(value)
    hours, minutes, seconds = map(int, match.groups())
    return (hours * 3600 + minutes * 60 + seconds) * 1_000_000


def _date_of(value: object) -> date:
    if type(value) is str and DATE_TEXT.match(value):
        return date.fromisoformat(value)
    if type(value) is not date:
        raise _NoBinaryForm(value)
    return value


def _uuid(value: object) -> bytes:
    if type(value) is str and UUID_TEXT.match(value):
        value = UUID(value)
    if type(value) is not UUID:
        raise _NoBinaryForm(value)
    return b"\x00\x00\x00\x10" + value.bytes


def _date(value: object) -> bytes:
    return _DATE(4, (_date_of(value) - PG_EPOCH).days)


def _integer(width: int) -> Callable[[object], bytes]:
    layout = struct.Struct({2: "!ih", 4: "!ii", 8: "!iq"}[width])

    def encode(value: object) -> bytes:
        # A bool equals 1 or 0 as a key, so once those are remembered True is written as 1, as Django's
        # IntegerField writes it; text COPY would refuse "True".
        if type(value) is not int:
            raise _NoBinaryForm(value)
        return layout.pack(width, value)

    return encode


def _numeric(value: object) -> bytes:
    """PostgreSQL's numeric: base-10000 digits around the decimal point, weight, sign and display scale."""
    # Text only: 7, 7.0 and Decimal("7.00") are equal keys of the remembered values, but not the same numeric.
    if type(value) is not str or not NUMERIC_TEXT.match(value):
        raise _NoBinaryForm(value)
    value = Decimal(value)
    sign, digits, exponent = value.as_tuple()
    scale = max(0, -exponent)
    text = "".join(map(str, digits)) + "0" * max(0, exponent)
    text = text.rjust(scale + 1, "0")
    whole, fraction = text[: len(text) - scale].lstrip("0"), text[len(text) - scale :]
    whole = whole.rjust(-(-len(whole) // 4) * 4, "0")
    fraction = fraction.ljust(-(-len(fraction) // 4) * 4, "0")
    groups = [int(whole[i : i + 4]) for i in range(0, len(whole), 4)]
    weight = len(groups) - 1
    groups += [int(fraction[i : i + 4]) for i in range(0, len(fraction), 4)]
    while groups and groups[0] == 0:
        groups.pop(0)
        weight -= 1
    while groups and groups[-1] == 0:
        groups.pop()
    if not groups:
        weight, sign = 0, 0
    data = struct.pack(f"!hhHH{len(groups)}H", len(groups), weight, 0x4000 if sign else 0, scale, *groups)
    return struct.pack("!i", len(data)) + data


def _boolean(value: object) -> bytes:
    if type(value) is not bool:
        raise _NoBinaryForm(value)
    return b"\x00\x00\x00\x01\x01" if value else b"\x00\x00\x00\x01\x00"


def _remembered(encode: Callable[[object], bytes]) -> Callable[[str, str], _EncodedValues]:
    return lambda table, column: _EncodedValues(encode)


# The column types COPY writes in binary: (table, column) -> that column's value -> field lookup.
COPY_BINARY_TYPES: dict[str, Callable[[str, str], object]] = {
    "uuid": _remembered(_uuid),
    "date": _remembered(_date),
    "timestamp with time zone": _Timestamps,
    "smallint": _remembered(_integer(2)),
    "integer": _remembered(_integer(4)),
    "bigint": _remembered(_integer(8)),
    "numeric": _remembered(_numeric),
    "boolean": _remembered(_boolean),
    "text": _TextValues,
    "character varying": _TextValues,
}


def _copy_value(table: str, columns: Sequence[str], index: int, value: object) -> str:
    if value is None:
        return COPY_NULL
    text = str(value)
    if "\x00" in text:
        raise UnstorableText(NUL_MESSAGE.format(table=table, column=columns[index], value=text))
    return text.translate(COPY_ESCAPES)


def _copy(connection, table: str, names: str, encoded: tuple[bool, bytes]) -> None:
    is_binary, data = encoded
    statement = f"COPY {connection.ops.quote_name(table)} ({names}) FROM STDIN{' (FORMAT BINARY)' * is_binary}"
    with connection.connection.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(data)


def _sqlite_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sqlite_rows_per_statement(connection, parameters_per_row: int) -> int:
    limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return max(1, min(SQLITE_ROWS_PER_STATEMENT, limit // max(1, parameters_per_row)))


def _sqlite_encoder(rows_per_statement: int) -> Callable[[list[tuple]], list[tuple[int, list[tuple]]]]:
    """A batch as multi-row INSERTs: (rows per statement, each statement's parameters), then the rows left over."""

    def encode(batch: list[tuple]) -> list[tuple[int, list[tuple]]]:
        whole = len(batch) - len(batch) % rows_per_statement
        statements = [
            tuple(chain.from_iterable(batch[start : start + rows_per_statement]))
            for start in range(0, whole, rows_per_statement)
        ]
        rest = [tuple(chain.from_iterable(batch[whole:]))] if whole < len(batch) else []
        return [(rows_per_statement, statements), (len(batch) - whole, rest)]

    return encode


def _insert_sqlite(connection, table: str, names: str, row_values: str, encoded: list[tuple[int, list]]) -> None:
    cursor = connection.connection.cursor()
    try:
        for rows_per_statement, statements in encoded:
            if statements:
                cursor.executemany(_sqlite_insert(connection, table, names, row_values, rows_per_statement), statements)
    finally:
        cursor.close()


def _sqlite_insert(connection, table: str, names: str, row_values: str, rows: int) -> str:
    values = ", ".join([f"({row_values})"] * rows)
    return f"INSERT INTO {connection.ops.quote_name(table)} ({names}) VALUES {values}"


@contextmanager
def _prompt_handover() -> Iterator[None]:
    """While rows are written, a thread waiting for the interpreter lock gets it within HANDOVER_SECONDS.

    The writer thread waits on the socket (PostgreSQL) or on SQLite's insert and then needs the lock for a
    moment to send more; by default the producer keeps the lock up to 5 ms, while the database sits idle.
    Process-wide: set by the first concurrent write and restored by the last.
    """
    global _writes, _usual_interval
    with _handover_lock:
        if not _writes:
            _usual_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(_usual_interval, HANDOVER_SECONDS))
        _writes += 1
    try:
        yield
    finally:
        with _handover_lock:
            _writes -= 1
            if not _writes:
                sys.setswitchinterval(_usual_interval)


_handover_lock = threading.Lock()
_writes, _usual_interval = 0, sys.getswitchinterval()


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
