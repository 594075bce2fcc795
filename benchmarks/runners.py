"""The benchmark: ours against the best loader for the same rows (COPY, executemany) and Django's tools.

Every measurement starts from the same state: no synthetic rows (cleared, then vacuumed on PostgreSQL;
untimed). Ours runs as `manage.py seed` in a fresh process, so its start-up counts and its peak memory is its
own; the baselines run here.
"""

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from benchmarks.tools import (
    COPY,
    COPY_BULK_FK,
    COPY_NO_FK,
    EXECUTEMANY,
    OURS,
    RESEED,
    Measurement,
    measure_baseline,
    measure_ours,
    measure_ours_in_fresh_process,
)
from benchmarks.workload import checkin_request, clinic_scenario_request
from seeding.generators import generation_order
from seeding.models import SeedRun
from seeding.request import SeedRequest, command_limits
from seeding.service import clear_synthetic_data, ensure_seeding_enabled, generate

DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
TEN_MILLION = 10_000_000
DEFAULT_BASELINE_MAX_ROWS = 100_000
DEFAULT_SCENARIO_SIZE = 10_000
DEFAULT_SEED = 2024
UNCAPPED_TOOLS = (OURS, RESEED, COPY_BULK_FK, COPY_NO_FK, COPY, EXECUTEMANY)  # the rest: at most baseline_max_rows
PROFILE_DIR = Path(settings.BASE_DIR) / "artifacts"


@dataclass(frozen=True)
class BenchmarkPlan:
    tools: tuple[str, ...]
    sizes: tuple[int, ...] = DEFAULT_SIZES
    baseline_max_rows: int = DEFAULT_BASELINE_MAX_ROWS
    scenario_size: int = DEFAULT_SCENARIO_SIZE  # 0 skips the clinic scenario's measurement
    seed: int = DEFAULT_SEED
    using: str = DEFAULT_DB_ALIAS
    with_profile: bool = False


@dataclass(frozen=True)
class SizeResult:
    size: int  # check-ins asked for
    request: SeedRequest
    measurements: dict[str, Measurement]  # by tool; a slow baseline may have been measured at fewer rows


@dataclass(frozen=True)
class ScenarioResult:
    size: int
    rows: dict[str, int]
    seconds: dict[str, float]  # per table: from the previous table's last write to this one's
    total_seconds: float


@dataclass(frozen=True)
class BenchmarkResult:
    plan: BenchmarkPlan
    is_isolated: bool  # ours ran in fresh processes, so its start-up and peak memory were measured
    sizes: list[SizeResult]
    scenario: ScenarioResult | None = None
    profile_paths: list[Path] = field(default_factory=list)
    # The machine's load average (1, 5, 15 minutes) when the run began and ended: other work skews the figures.
    load_averages: tuple[tuple[float, ...], ...] = ()


Notify = Callable[[str], None]


def run_benchmark(plan: BenchmarkPlan, *, notify: Notify = lambda line: None) -> BenchmarkResult:
    """Measure every tool at every size on plan.using; clears synthetic rows there (real rows stay)."""
    ensure_seeding_enabled(plan.using)
    load_at_start = os.getloadavg()
    end_date = timezone.localdate()
    is_isolated = not _is_in_memory(plan.using)
    measured: dict[tuple[str, int], Measurement] = {}
    sizes = []
    for size in plan.sizes:
        measurements = {}
        for tool in plan.tools:
            tool_size = size if tool in UNCAPPED_TOOLS else min(size, plan.baseline_max_rows)
            if (tool, tool_size) not in measured:
                request = checkin_request(tool_size, seed=plan.seed, end_date=end_date)
                measured[tool, tool_size] = _measure(tool, request, plan.using, is_isolated)
                notify(f"{tool} at {tool_size:,}: {_summary(measured[tool, tool_size])}")
            measurements[tool] = measured[tool, tool_size]
        sizes.append(SizeResult(size, checkin_request(size, seed=plan.seed, end_date=end_date), measurements))
    scenario = _measure_scenario(plan, end_date, notify) if plan.scenario_size else None
    profile_paths = _profile_ours(plan, end_date, notify) if plan.with_profile else []
    _clear(plan.using)
    return BenchmarkResult(plan, is_isolated, sizes, scenario, profile_paths, (load_at_start, os.getloadavg()))


def prepare_database(using: str) -> None:
    """The starting state of every measurement: no synthetic rows, and on PostgreSQL no dead ones either."""
    _clear(using)
    connection = connections[using]
    if connection.vendor == "postgresql":
        tables = sorted({generator.model._meta.db_table for generator in generation_order()})
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {', '.join(connection.ops.quote_name(table) for table in tables)}")


def _measure(tool: str, request: SeedRequest, using: str, is_isolated: bool) -> Measurement:
    prepare_database(using)
    if tool == RESEED:
        _generate(request, using)  # untimed: the rows the timed run replaces
    if tool not in (OURS, RESEED):
        return measure_baseline(tool, request, using=using)
    if not is_isolated:
        return replace(measure_ours(request, using=using), tool=tool, peak_rss_mb=None)
    return replace(measure_ours_in_fresh_process(request, using=using), tool=tool)


def _measure_scenario(plan: BenchmarkPlan, end_date: date, notify: Notify) -> ScenarioResult:
    prepare_database(plan.using)
    last_write: dict[str, float] = {}
    start = time.perf_counter()
    report = _generate(
        clinic_scenario_request(plan.scenario_size, seed=plan.seed, end_date=end_date),
        plan.using,
        progress=lambda update: last_write.__setitem__(update.entity, time.perf_counter()),
    )
    total = time.perf_counter() - start
    result = ScenarioResult(plan.scenario_size, dict(report.rows), _seconds_per_table(start, last_write), total)
    notify(f"demo-clinic scenario at {plan.scenario_size:,} per table: {total:.2f} s")
    return result


def _seconds_per_table(start: float, last_write: dict[str, float]) -> dict[str, float]:
    seconds, previous = {}, start
    for entity, moment in last_write.items():  # in write order
        seconds[entity], previous = moment - previous, moment
    return seconds


def _profile_ours(plan: BenchmarkPlan, end_date: date, notify: Notify) -> list[Path]:
    from pyinstrument import Profiler

    size = max(plan.sizes)
    prepare_database(plan.using)
    with Profiler() as profiler:
        measure_ours(checkin_request(size, seed=plan.seed, end_date=end_date), using=plan.using)
    PROFILE_DIR.mkdir(exist_ok=True)
    html, text = PROFILE_DIR / f"seed_profile_{size}.html", PROFILE_DIR / f"seed_profile_{size}.txt"
    html.write_text(profiler.output_html())
    text.write_text(profiler.output_text(unicode=True, show_all=False))
    notify(f"profile of ours at {size:,}: {html} and {text}")
    return [html, text]


def _generate(request: SeedRequest, using: str, **options):
    return generate(request, limits=command_limits(), source=SeedRun.Source.COMMAND, using=using, **options)


def _clear(using: str) -> None:
    clear_synthetic_data(source=SeedRun.Source.COMMAND, using=using)


def _is_in_memory(using: str) -> bool:
    """An in-memory SQLite database (the test suite's) cannot be reached from another process."""
    connection = connections[using]
    return connection.vendor == "sqlite" and connection.is_in_memory_db()


def _summary(measurement: Measurement) -> str:
    return f"{measurement.rows:,} rows in {measurement.seconds:.2f} s ({measurement.rows_per_second:,.0f} rows/s)"
