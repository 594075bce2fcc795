"""The benchmark's figures as a plain-text table (for the README) and as JSON."""

import os
import platform
import sqlite3
from dataclasses import asdict
from importlib.metadata import version
from pathlib import Path

import django
from django.db import connections

from benchmarks.runners import BenchmarkResult, SizeResult
from benchmarks.tools import OURS, REAL_LIMIT, TOOL_DESCRIPTIONS, Measurement
from seeding.request import count_noun

PACKAGES = ("psycopg", "model-bakery", "factory-boy", "faker")
DEFINITIONS = (
    "rows = profiles + check-ins written; rows/s = rows / seconds; 'ours is' = our rows/s divided by its rows/s.",
    "ours: the whole `manage.py seed` process, launch to exit (start-up, system checks, validation, SeedRun",
    "  ledger, clearing, generation, writing, commit); its start-up (launch to Django ready) is shown apart.",
    "baselines: the same rows into the same tables, one transaction each, timed from its start to its commit;",
    "  pre-generating the rows is not timed, building model instances is. Every measurement starts with no",
    "  synthetic rows (cleared, and vacuumed on PostgreSQL, untimed).",
)


def environment(using: str) -> dict:
    connection = connections[using]
    return {
        "database": f"{connection.display_name} {_database_version(using)}",
        "vendor": connection.vendor,
        "database_name": str(connection.settings_dict["NAME"]),
        "python": platform.python_version(),
        "django": django.get_version(),
        "packages": {package: version(package) for package in PACKAGES},
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "platform": platform.platform(),
    }


def format_report(result: BenchmarkResult, env: dict) -> str:
    lines = [
        f"Database: {env['database']}, database {env['database_name']!r}",
        f"Machine: {env['cpu_count']} CPUs, {env['cpu_model']}; {env['platform']}",
        *_load_lines(result),
        f"Software: Python {env['python']}, Django {env['django']}, "
        + ", ".join(f"{name} {number}" for name, number in env["packages"].items()),
        *DEFINITIONS,
        *(f"  {tool}: {TOOL_DESCRIPTIONS.get(tool, '')}" for tool in result.plan.tools),
    ]
    for size in result.sizes:
        lines += ["", *_size_table(size, result.plan.baseline_max_rows, env["vendor"])]
    lines += _peak_memory_lines(result)
    lines += _scenario_lines(result)
    return "\n".join(lines)


def _load_lines(result: BenchmarkResult) -> list[str]:
    if not result.load_averages:
        return []
    start, end = (", ".join(f"{load:.2f}" for load in loads) for loads in result.load_averages)
    return [f"Load average (1, 5, 15 min): {start} at the start; {end} at the end"]


def report_as_json(result: BenchmarkResult, env: dict) -> dict:
    plan = result.plan
    return {
        "environment": env,
        "definitions": " ".join(line.strip() for line in DEFINITIONS),
        "plan": {
            "sizes": list(plan.sizes),
            "tools": list(plan.tools),
            "baseline_max_rows": plan.baseline_max_rows,
            "seed": plan.seed,
        },
        "sizes": [
            {
                "size": size.size,
                "patients": size.request.patients_count,
                "checkins_per_user": size.request.checkins_per_user,
                "results": {tool: _measurement_json(size, tool) for tool in size.measurements},
                "real_limit": REAL_LIMIT[env["vendor"]],
            }
            for size in result.sizes
        ],
        "ours_peak_rss_mb": {
            str(size.size): _measurement_json(size, OURS)["peak_rss_mb"] for size in result.sizes if _ours(size)
        },
        "scenario": asdict(result.scenario) if result.scenario else None,
        "profile": [str(path) for path in result.profile_paths],
        "load_averages": [list(loads) for loads in result.load_averages],  # at the start, at the end
    }


def _size_table(size: SizeResult, baseline_max_rows: int, vendor: str) -> list[str]:
    request = size.request
    lines = [
        f"{size.size:,} check-ins: {count_noun(request.patients_count, 'patient')} x {request.checkins_per_user} days, "
        "1 therapist",
        f"{'tool':<13} {'rows':>11} {'seconds':>9} {'rows/s':>11}  ours is",
    ]
    is_capped = False
    for tool, measurement in size.measurements.items():
        mark = "*" if _is_capped(size, measurement) else " "
        is_capped = is_capped or mark == "*"
        lines.append(
            f"{tool:<13} {measurement.rows:>10,}{mark} {measurement.seconds:>9.2f} "
            f"{measurement.rows_per_second:>11,.0f}  {_ratio_text(size, tool, vendor)}"
        )
    ours = _ours(size)
    if ours and ours.startup_seconds is not None:
        lines.append(
            f"(ours: {ours.startup_seconds:.2f} s of its {ours.seconds:.2f} s were start-up{_run_alone(size, vendor)})"
        )
    if is_capped:
        lines.append(f"* measured at {baseline_max_rows:,} check-ins (--baseline-max-rows); its rows/s gives the ratio")
    return lines


def _ratio_text(size: SizeResult, tool: str, vendor: str) -> str:
    ratio = _ratio(size, tool)
    if tool == OURS or ratio is None:
        return "-"
    if tool == REAL_LIMIT[vendor]:
        return f"{ratio:.2f} x (ours runs at {ratio:.0%} of the real limit)"
    return f"{ratio:.2f} x"


def _run_alone(size: SizeResult, vendor: str) -> str:
    """Ours without its start-up against the real limit: what a run costs once Django is ready."""
    limit = size.measurements.get(REAL_LIMIT[vendor])
    if limit is None:
        return ""
    ours = _ours(size)
    run_seconds = ours.seconds - ours.startup_seconds
    ratio = (ours.rows / run_seconds) / limit.rows_per_second
    return f"; the run alone, {run_seconds:.2f} s, is {ratio:.2f} x {limit.tool}"


def _peak_memory_lines(result: BenchmarkResult) -> list[str]:
    peaks = [(size.size, _ours(size).peak_rss_mb) for size in result.sizes if _ours(size)]
    if not peaks:
        return []
    if not result.is_isolated:
        return ["", "Peak memory of ours: not measured (an in-memory SQLite database cannot be shared with a child)."]
    smallest = peaks[0][1]
    lines = [
        "",
        "Peak memory of ours (max RSS of its own process)",
        f"{'check-ins':>12} {'peak MB':>9} {'vs first':>9}",
    ]
    lines += [f"{size:>12,} {peak:>9.1f} {peak - smallest:>+9.1f}" for size, peak in peaks]
    return lines


def _scenario_lines(result: BenchmarkResult) -> list[str]:
    scenario = result.scenario
    if scenario is None:
        return []
    lines = [
        "",
        f"Clinic scenario (seeding.scenarios 'demo-clinic'): {scenario.size:,} patients, therapists and "
        f"check-ins, {scenario.total_seconds:.2f} s end to end",
        f"{'table':<24} {'rows':>9} {'seconds':>9}",
    ]
    lines += [
        f"{entity:<24} {scenario.rows.get(entity, 0):>9,} {seconds:>9.2f}"
        for entity, seconds in scenario.seconds.items()
    ]
    lines.append("(a table's seconds run from the previous table's last write; the first includes set-up and clearing)")
    return lines


def _measurement_json(size: SizeResult, tool: str) -> dict:
    measurement = size.measurements[tool]
    return {
        "rows": measurement.rows,
        "checkins": measurement.checkins,
        "seconds": round(measurement.seconds, 4),
        "rows_per_second": round(measurement.rows_per_second, 1),
        "ours_ratio": _ratio(size, tool) and round(_ratio(size, tool), 4),
        "measured_below_size": _is_capped(size, measurement),
        "peak_rss_mb": measurement.peak_rss_mb and round(measurement.peak_rss_mb, 1),
        "startup_seconds": measurement.startup_seconds and round(measurement.startup_seconds, 4),
    }


def _ours(size: SizeResult) -> Measurement | None:
    return size.measurements.get(OURS)


def _ratio(size: SizeResult, tool: str) -> float | None:
    """How many times faster ours wrote rows than `tool` did."""
    ours = _ours(size)
    return ours.rows_per_second / size.measurements[tool].rows_per_second if ours else None


def _is_capped(size: SizeResult, measurement: Measurement) -> bool:
    return measurement.checkins < size.request.patients_count * size.request.checkins_per_user


def _database_version(using: str) -> str:
    connection = connections[using]
    if connection.vendor != "postgresql":
        return sqlite3.sqlite_version
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    return platform.processor() or "unknown"
