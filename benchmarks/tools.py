"""One measurement per tool: ours end to end, and the same rows written by each baseline.

Rows per second always means (profiles + check-ins written) / seconds. Ours is timed as a person runs it:
`manage.py seed` in a fresh process, from launch to exit (start-up, validation, ledger, clearing, generation,
writing, commit). A baseline is timed from the start of its transaction to its commit; pre-generating the rows
(and, for the Django tools, turning them into Python values) is excluded, building model instances is included:
that is what those tools cost.
"""

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, closing, contextmanager, nullcontext
from dataclasses import dataclass
from functools import cache
from itertools import groupby
from operator import attrgetter, itemgetter

import factory.django
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from model_bakery import baker

from benchmarks.fresh_process import peak_rss_mb, run_seed_in_fresh_process
from benchmarks.workload import Table, generated_tables, model_fields, seed_arguments
from clinic.models import CheckIn
from seeding.models import SeedRun
from seeding.request import SeedRequest, command_limits
from seeding.service import count_synthetic_data, generate

OURS = "ours"
RESEED = "reseed"  # ours again, replacing an identical earlier run: clearing then deletes as much as it writes
COPY = "copy"
COPY_BULK_FK = "copy_bulk_fk"
COPY_NO_FK = "copy_no_fk"
EXECUTEMANY = "executemany"
DJANGO_TOOLS = ("bulk_create", "bakery", "factory_boy")
POSTGRESQL_ONLY = (COPY_BULK_FK, COPY_NO_FK, COPY)
TOOLS = (OURS, RESEED, *POSTGRESQL_ONLY, EXECUTEMANY, *DJANGO_TOOLS)
DEFAULT_TOOLS = {
    "postgresql": (OURS, *POSTGRESQL_ONLY, *DJANGO_TOOLS),
    "sqlite": (OURS, EXECUTEMANY, *DJANGO_TOOLS),
}
# The best loader a careful engineer could write for the same rows, with the same checks as ours.
REAL_LIMIT = {"postgresql": COPY_BULK_FK, "sqlite": EXECUTEMANY}
TOOL_DESCRIPTIONS = {
    OURS: "`manage.py seed ... --clear` in a fresh process, launch to exit",
    RESEED: "ours again, replacing an identical earlier run (untimed), so clearing deletes as many rows as it writes",
    COPY_BULK_FK: "psycopg COPY of the same pre-generated rows, each table's foreign keys dropped before and added "
    "back after, in the same transaction (the real limit: same rows, same checks)",
    COPY_NO_FK: "the same COPY into the tables without their foreign keys (dropping and restoring them untimed)",
    COPY: "the same COPY with the foreign keys in place, checked row by row",
    EXECUTEMANY: "DB-API executemany of the same pre-generated rows, one transaction (on SQLite, the real limit)",
    "bulk_create": "Model(**fields) per row, then Manager.bulk_create(instances)",
    "bakery": "baker.make(Model, _quantity=n, _bulk_create=True, field=iter(values), ...)",
    "factory_boy": "DjangoModelFactory.build(**fields) per row, then bulk_create (create_batch saves row by row)",
}


@dataclass(frozen=True)
class Measurement:
    tool: str
    rows: int  # profiles + check-ins written
    checkins: int
    seconds: float
    peak_rss_mb: float | None = None  # ours only, when run in a fresh process
    startup_seconds: float | None = None  # ours only, when run in a fresh process: launch to Django ready

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds


class Stopwatch:
    def __init__(self) -> None:
        self.seconds = 0.0

    @contextmanager
    def running(self):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds += time.perf_counter() - start


def unavailable_tools(tools: Iterable[str], vendor: str) -> list[str]:
    """The tools among `tools` this database cannot run (COPY needs PostgreSQL)."""
    return [tool for tool in tools if tool in POSTGRESQL_ONLY and vendor != "postgresql"]


def measure_ours_in_fresh_process(request: SeedRequest, *, using: str = DEFAULT_DB_ALIAS) -> Measurement:
    """Run `manage.py seed` for the request in a process of its own, on the same database; read the rows back."""
    database = connections[using].settings_dict
    run = run_seed_in_fresh_process(seed_arguments(request), using=using, database=database)
    counts = count_synthetic_data(using=using)  # the measurement started from none
    seconds, startup = run.seconds, run.startup_seconds
    return Measurement(OURS, sum(counts.values()), counts["checkins"], seconds, run.peak_rss_mb, startup)


def measure_ours(request: SeedRequest, *, using: str = DEFAULT_DB_ALIAS) -> Measurement:
    """generate() in this process: where a fresh process cannot reach the database (in-memory SQLite)."""
    start = time.perf_counter()
    report = generate(request, limits=command_limits(), source=SeedRun.Source.COMMAND, using=using)
    seconds = time.perf_counter() - start
    return Measurement(OURS, sum(report.rows.values()), report.total_checkins, seconds, peak_rss_mb())


def measure_baseline(tool: str, request: SeedRequest, *, using: str = DEFAULT_DB_ALIAS) -> Measurement:
    """Write the request's rows with one baseline tool, in one transaction, and time only the writing."""
    insert, around_table = INSERTERS[tool], AROUND_TABLE.get(tool, _table_as_is)
    tables = generated_tables(request)
    if tool in DJANGO_TOOLS:
        tables = (_as_model_fields(table, is_relation_by_instance=tool == "bakery") for table in tables)
    untimed = Stopwatch()
    rows = checkins = 0
    start = time.perf_counter()
    with transaction.atomic(using=using):
        for name, batches in groupby(_untimed(tables, untimed), key=attrgetter("name")):
            with around_table(name, using, untimed):
                for table in batches:
                    insert(table, using)
                    rows += len(table.rows)
                    checkins += len(table.rows) if table.model is CheckIn else 0
    return Measurement(tool, rows, checkins, time.perf_counter() - start - untimed.seconds)


def _untimed(tables: Iterable[Table], stopwatch: Stopwatch) -> Iterator[Table]:
    """Yield each table, charging the time spent producing it to `stopwatch`."""
    iterator = iter(tables)
    while True:
        with stopwatch.running():
            table = next(iterator, None)
        if table is None:
            return
        yield table


def _as_model_fields(table: Table, *, is_relation_by_instance: bool) -> Table:
    return Table(table.model, table.columns, model_fields(table, is_relation_by_instance=is_relation_by_instance))


def _table_as_is(table: str, using: str, untimed: Stopwatch) -> AbstractContextManager:
    return nullcontext()


def _keys_added_back(table: str, using: str, untimed: Stopwatch) -> AbstractContextManager:
    """Drop the table's foreign keys and add them back, timed: adding one validates every row in one pass."""
    return _foreign_keys_dropped(table, using, charged_to=None)


def _keys_absent(table: str, using: str, untimed: Stopwatch) -> AbstractContextManager:
    """The table without its foreign keys: dropping and restoring them is not timed."""
    return _foreign_keys_dropped(table, using, charged_to=untimed)


@contextmanager
def _foreign_keys_dropped(table: str, using: str, *, charged_to: Stopwatch | None) -> Iterator[None]:
    """Drop the table's foreign keys, then add them back exactly as they were, in the caller's transaction."""
    connection = connections[using]
    quote = connection.ops.quote_name
    with charged_to.running() if charged_to else nullcontext(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype = 'f'",
            [quote(table)],
        )
        keys = cursor.fetchall()
        for name, _ in keys:
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
    yield
    with charged_to.running() if charged_to else nullcontext(), connection.cursor() as cursor:
        for name, definition in keys:
            cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")


def insert_with_copy(table: Table, using: str) -> None:
    connection = connections[using]
    connection.ensure_connection()
    quote = connection.ops.quote_name
    statement = f"COPY {quote(table.name)} ({', '.join(map(quote, table.columns))}) FROM STDIN"
    with closing(connection.connection.cursor()) as cursor, cursor.copy(statement) as copy:
        for row in table.rows:
            copy.write_row(row)


def insert_with_executemany(table: Table, using: str) -> None:
    connection = connections[using]
    connection.ensure_connection()
    quote = connection.ops.quote_name
    placeholders = ", ".join(["%s" if connection.vendor == "postgresql" else "?"] * len(table.columns))
    statement = f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, table.columns))}) VALUES ({placeholders})"
    with closing(connection.connection.cursor()) as cursor:
        cursor.executemany(statement, table.rows)


def insert_with_bulk_create(table: Table, using: str) -> None:
    model = table.model
    model._base_manager.using(using).bulk_create([model(**fields) for fields in table.rows])


def insert_with_bakery(table: Table, using: str) -> None:
    # An iterator per field gives each of the n instances its own value (model-bakery's documented way);
    # foreign keys come as instances, since given only an id model-bakery fetches each related row.
    values = {name: map(itemgetter(name), table.rows) for name in table.rows[0]}
    baker.make(table.model, _quantity=len(table.rows), _bulk_create=True, _using=using, **values)


def insert_with_factory_boy(table: Table, using: str) -> None:
    model_factory = factory_for(table.model)
    instances = [model_factory.build(**fields) for fields in table.rows]
    table.model._base_manager.using(using).bulk_create(instances)


@cache
def factory_for(model: type[models.Model]) -> type[factory.django.DjangoModelFactory]:
    return factory.make_factory(model, FACTORY_CLASS=factory.django.DjangoModelFactory)


INSERTERS: dict[str, Callable[[Table, str], None]] = {
    COPY_BULK_FK: insert_with_copy,
    COPY_NO_FK: insert_with_copy,
    COPY: insert_with_copy,
    EXECUTEMANY: insert_with_executemany,
    "bulk_create": insert_with_bulk_create,
    "bakery": insert_with_bakery,
    "factory_boy": insert_with_factory_boy,
}
AROUND_TABLE: dict[str, Callable[[str, str, Stopwatch], AbstractContextManager]] = {
    COPY_BULK_FK: _keys_added_back,
    COPY_NO_FK: _keys_absent,
}
