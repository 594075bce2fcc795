"""The benchmark of issue 7: ours against Django bulk_create, model-bakery, factory_boy and raw COPY.

Every measurement starts from the same state: no synthetic rows (cleared, then vacuumed on PostgreSQL;
untimed). Ours runs in a fresh process so its peak memory is its own; the baselines run here.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from benchmarks.isolated import measure_ours_in_fresh_process
from benchmarks.tools import OURS, RESEED, TOOLS, Measurement, measure_baseline, measure_ours
from benchmarks.workload import checkin_request, clinic_scenario_request
from seeding.generators import generation_order
from seeding.request import SeedRequest
from seeding.service import clear_synthetic_data, ensure_seeding_enabled, generate

DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
TEN_MILLION = 10_000_000
DEFAULT_BASELINE_MAX_ROWS = 100_000
DEFAULT_SCENARIO_SIZE = 10_000
DEFAULT_SEED = 2024
UNCAPPED_TOOLS = (OURS, RESEED, "copy")  # the slow baselines are measured at most at baseline_max_rows
PROFILE_DIR = Path(settings.BASE_DIR) / "artifacts"


@dataclass(frozen=True)
class BenchmarkPlan:
    sizes: tuple[int, ...] = DEFAULT_SIZES
    tools: tuple[str, ...] = TOOLS
    baseline_max_rows: int = DEFAULT_BASELINE_MAX_ROWS
    scenario_size: int = DEFAULT_SCENARIO_SIZE  # 0 skips 003's demo-clinic measurement
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
    is_isolated: bool  # ours ran in fresh processes, so its peak memory was measured
    sizes: list[SizeResult]
    scenario: ScenarioResult | None = None
    profile_paths: list[Path] = field(default_factory=list)


Notify = Callable[[str], None]


def run_benchmark(plan: BenchmarkPlan, *, notify: Notify = lambda line: None) -> BenchmarkResult:
    """Measure every tool at every size on plan.using; clears synthetic rows there (real rows stay)."""
    ensure_seeding_enabled()
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
    clear_synthetic_data(using=plan.using)
    return BenchmarkResult(plan, is_isolated, sizes, scenario, profile_paths)


def prepare_database(using: str) -> None:
    """The starting state of every measurement: no synthetic rows, and on PostgreSQL no dead ones either."""
    clear_synthetic_data(using=using)
    connection = connections[using]
    if connection.vendor == "postgresql":
        tables = sorted({generator.model._meta.db_table for generator in generation_order()})
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {', '.join(connection.ops.quote_name(table) for table in tables)}")


def _measure(tool: str, request: SeedRequest, using: str, is_isolated: bool) -> Measurement:
    prepare_database(using)
    if tool == RESEED:
        generate(request, using=using)  # untimed: the rows the timed run replaces
    if tool not in (OURS, RESEED):
        return measure_baseline(tool, request, using=using)
    if not is_isolated:
        return replace(measure_ours(request, using=using), tool=tool, peak_rss_mb=None)
    database = connections[using].settings_dict
    return replace(measure_ours_in_fresh_process(request, using=using, database=database), tool=tool)


def _measure_scenario(plan: BenchmarkPlan, end_date: date, notify: Notify) -> ScenarioResult:
    prepare_database(plan.using)
    last_write: dict[str, float] = {}
    start = time.perf_counter()
    report = generate(
        clinic_scenario_request(plan.scenario_size, seed=plan.seed, end_date=end_date),
        using=plan.using,
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


def _is_in_memory(using: str) -> bool:
    """An in-memory SQLite database (the test suite's) cannot be reached from another process."""
    connection = connections[using]
    return connection.vendor == "sqlite" and connection.is_in_memory_db()


def _summary(measurement: Measurement) -> str:
    return f"{measurement.rows:,} rows in {measurement.seconds:.2f} s ({measurement.rows_per_second:,.0f} rows/s)"
