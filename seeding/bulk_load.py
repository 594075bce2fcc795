"""The bulk-load plan: which tables are large enough to have their foreign keys checked in one pass.

Checked row by row, a foreign key costs the server about as much as the insert itself. Inside the
run's transaction, a large table's keys are dropped before its load and added back after it, exactly
as they were; adding a key validates every row in one join (PostgreSQL's advice for populating a
database). An orphan row still fails the run, and a failed run restores the keys with everything else.

Dropping a key locks the table and the tables it references. Taken midway, after the run has written
rows, those locks could deadlock with a concurrent run; so the plan takes them all at once, first.
If it cannot, the plan is empty and every table keeps its row-by-row checks.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import DatabaseError, connections, transaction

# Checked in one pass, the keys of 10,000 rows already cost less than row by row (measured: the clinic scenario's
# 30,000 to 40,000-row tables load a quarter to a third faster). Below this size a run keeps its row-by-row
# checks anyway, so that it locks no table for its whole length and concurrent small runs go side by side.
BULK_CHECK_MIN_ROWS = 20_000


@dataclass(frozen=True)
class BulkLoadPlan:
    """The tables whose foreign keys this run checks in bulk; decided once, before anything is written."""

    tables: frozenset[str] = frozenset()


def plan_bulk_loads(using: str, rows_by_table: Mapping[str, int]) -> BulkLoadPlan:
    """Lock the large tables (and what they reference) for the run; the plan names them, or is empty."""
    connection = connections[using]
    large = sorted(table for table, rows in rows_by_table.items() if rows >= BULK_CHECK_MIN_ROWS)
    if connection.vendor != "postgresql" or not large:
        return BulkLoadPlan()
    quote = connection.ops.quote_name
    try:
        with transaction.atomic(using=using), connection.cursor() as cursor:
            cursor.execute(
                "SELECT DISTINCT confrelid::regclass::text FROM pg_constraint"
                " WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])",
                [[quote(table) for table in large]],
            )
            referenced = {row[0].strip('"') for row in cursor.fetchall()}
            names = ", ".join(quote(table) for table in sorted({*large, *referenced}))
            cursor.execute(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE")
    except DatabaseError:  # not allowed to lock these tables: keep every check row by row
        return BulkLoadPlan()
    return BulkLoadPlan(frozenset(large))


@contextmanager
def foreign_keys_checked_in_bulk(using: str, table: str, plan: BulkLoadPlan) -> Iterator[None]:
    """Around one table's load: drop its foreign keys if the plan says so, and add them back after."""
    if table not in plan.tables:
        yield
        return
    connection = connections[using]
    quoted = connection.ops.quote_name(table)
    keys = _foreign_keys(connection, quoted)
    with connection.cursor() as cursor:
        for name, _ in keys:
            cursor.execute(f"ALTER TABLE {quoted} DROP CONSTRAINT {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        for name, definition in keys:
            cursor.execute(f"ALTER TABLE {quoted} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}")


@contextmanager
def constants_as_column_defaults(
    using: str, table: str, plan: BulkLoadPlan, constants: Mapping[str, object]
) -> Iterator[dict[str, object]]:
    """Around a planned table's load: its constant columns (the run id) become column defaults for the load.

    The server then fills them instead of parsing the same value on every line; yields the constants the
    writer must still send (none for a planned table), and restores the table's own defaults after.
    """
    if table not in plan.tables or not constants:
        yield dict(constants)
        return
    from psycopg import sql  # here, so that runs on SQLite do not import psycopg (a tenth of their start-up)

    connection = connections[using]
    quoted = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        for column, value in constants.items():
            literal = sql.Literal(str(value)).as_string(connection.connection)
            cursor.execute(
                f"ALTER TABLE {quoted} ALTER COLUMN {connection.ops.quote_name(column)} SET DEFAULT {literal}"
            )
    yield {}
    with connection.cursor() as cursor:
        for column in constants:
            cursor.execute(f"ALTER TABLE {quoted} ALTER COLUMN {connection.ops.quote_name(column)} DROP DEFAULT")


def _foreign_keys(connection, quoted_table: str) -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
            [quoted_table],
        )
        return cursor.fetchall()


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
