"""One measurement per tool: ours end to end, and the same rows written by each baseline.

Rows per second always means (profiles + check-ins written) / seconds. Ours is timed end to end
(validation, ledger, clearing, generation, writing, commit). A baseline is timed from the start of its
transaction to its commit; pre-generating the rows (and, for the Django tools, turning them into Python
values) is excluded, building model instances is included: that is what those tools cost.
"""

import resource
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from functools import cache
from operator import itemgetter
from pathlib import Path

import factory.django
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from model_bakery import baker

from benchmarks.workload import Table, generated_tables, model_fields
from clinic.models import CheckIn
from seeding.request import SeedRequest
from seeding.service import generate

OURS = "ours"
RESEED = "reseed"  # ours again, replacing an identical earlier run: clearing then deletes as much as it writes
BASELINES = ("copy", "bulk_create", "bakery", "factory_boy")
TOOLS = (OURS, *BASELINES)  # the default; RESEED is asked for by name
TOOL_DESCRIPTIONS = {
    OURS: "generate(SeedRequest(..., clear_db=True)) end to end",
    RESEED: "ours again, replacing an identical earlier run (untimed), so clearing deletes as many rows as it writes",
    "copy": "psycopg COPY (SQLite: executemany) of the same rows pre-generated in memory: the raw limit",
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


def measure_ours(request: SeedRequest, *, using: str = DEFAULT_DB_ALIAS) -> Measurement:
    start = time.perf_counter()
    report = generate(request, using=using)
    seconds = time.perf_counter() - start
    return Measurement(OURS, sum(report.rows.values()), report.total_checkins, seconds, peak_rss_mb())


def measure_baseline(tool: str, request: SeedRequest, *, using: str = DEFAULT_DB_ALIAS) -> Measurement:
    """Write the request's rows with one baseline tool, in one transaction, and time only the writing."""
    insert = INSERTERS[tool]
    tables = generated_tables(request)
    if tool != "copy":
        tables = (_as_model_fields(table, is_relation_by_instance=tool == "bakery") for table in tables)
    preparing = Stopwatch()
    rows = checkins = 0
    start = time.perf_counter()
    with transaction.atomic(using=using):
        for table in _untimed(tables, preparing):
            insert(table, using)
            rows += len(table.rows)
            checkins += len(table.rows) if table.model is CheckIn else 0
    return Measurement(tool, rows, checkins, time.perf_counter() - start - preparing.seconds)


def peak_rss_mb() -> float:
    """This process's peak resident memory so far.

    On Linux, VmHWM of /proc/self/status: getrusage's ru_maxrss survives exec, so a child spawned by a
    benchmark that had grown large would report the parent's peak as its own.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 2**10  # kB
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes on macOS, KiB on Linux


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


def insert_with_copy(table: Table, using: str) -> None:
    connection = connections[using]
    connection.ensure_connection()
    columns = ", ".join(table.columns)
    with closing(connection.connection.cursor()) as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
                for row in table.rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join("?" * len(table.columns))
            cursor.executemany(f'INSERT INTO "{table.name}" ({columns}) VALUES ({placeholders})', table.rows)


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
    "copy": insert_with_copy,
    "bulk_create": insert_with_bulk_create,
    "bakery": insert_with_bakery,
    "factory_boy": insert_with_factory_boy,
}
