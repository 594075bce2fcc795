"""The benchmark at a tiny size: its wiring and its output, never its timings."""

import ast
import json
import os
import re
import subprocess
import sys
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command, get_commands
from django.db import connection

from benchmarks.workload import clinic_scenario_request
from clinic.models import Profile
from seeding.service import count_synthetic_data

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DJANGO_TOOLS = ("bulk_create", "bakery", "factory_boy")
TOOLS = {
    "sqlite": ("ours", "executemany", *DJANGO_TOOLS),
    "postgresql": ("ours", "copy_bulk_fk", "copy_no_fk", "copy", "executemany", *DJANGO_TOOLS),
}[connection.vendor]
TINY = ("--sizes", "300", "--scenario-size", "20")


def run_benchmark(tmp_path, *options: str) -> tuple[str, dict]:
    out, path = StringIO(), tmp_path / "benchmark.json"
    call_command("seed_benchmark", *TINY, *options, "--json", str(path), stdout=out, stderr=StringIO())
    return out.getvalue(), json.loads(path.read_text())


@pytest.mark.django_db(transaction=True)  # ours runs in a child process, which sees only committed rows
def test_benchmark_reports_every_tool_writing_the_same_rows_and_keeps_real_ones(tmp_path, real_patient):
    table, figures = run_benchmark(tmp_path, "--tools", ",".join(TOOLS))

    results = figures["sizes"][0]["results"]
    assert set(results) == set(TOOLS)
    assert {result["rows"] for result in results.values()} == {302}  # 1 patient x 300 days + 2 profiles
    assert all(result["rows_per_second"] > 0 and result["ours_ratio"] > 0 for result in results.values())
    assert results["ours"]["ours_ratio"] == 1
    assert {"database", "python", "django", "cpu_count", "cpu_model"} <= set(figures["environment"])
    scenario = clinic_scenario_request(20, seed=1, end_date=date.today())
    assert figures["scenario"]["rows"]["profiles"] == 40 + scenario.admins_count  # 20 patients, 20 therapists
    assert all(line in table for line in ("300 check-ins: 1 patient x 300 days", "Clinic scenario"))
    assert all(any(line.startswith(f"{tool} ") for line in table.splitlines()) for tool in TOOLS)
    assert "of the real limit" in next(line for line in table.splitlines() if line.startswith(TOOLS[1]))
    assert not any(count_synthetic_data().values())
    assert Profile.objects.filter(pk=real_patient.pk, check_ins__isnull=False).exists()


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_benchmark_times_our_whole_process_and_measures_its_peak_memory(tmp_path):
    table, figures = run_benchmark(tmp_path, "--tools", "ours,copy_bulk_fk")

    results = figures["sizes"][0]["results"]
    ours, limit = results["ours"], results["copy_bulk_fk"]
    assert 0 < ours["startup_seconds"] < ours["seconds"]
    assert figures["ours_peak_rss_mb"]["300"] > 0
    assert "Peak memory of ours (max RSS of its own process)" in table
    run_seconds = ours["seconds"] - ours["startup_seconds"]
    run_ratio = ours["rows"] / run_seconds / limit["rows_per_second"]
    shown = re.search(r"s were start-up; the run alone, ([\d.]+) s, is ([\d.]+) x copy_bulk_fk\)", table)
    assert shown, table
    assert float(shown[1]) == pytest.approx(run_seconds, abs=0.006)
    assert float(shown[2]) == pytest.approx(run_ratio, rel=0.02, abs=0.006)


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_benchmark_leaves_the_foreign_keys_as_they_were(tmp_path):
    before = foreign_keys()

    run_benchmark(tmp_path, "--tools", "copy_bulk_fk,copy_no_fk", "--scenario-size", "0")

    assert foreign_keys() == before
    assert ("check_ins", "FOREIGN KEY (user_id) REFERENCES profiles(id) DEFERRABLE INITIALLY DEFERRED") in before


def foreign_keys() -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE contype = 'f' AND connamespace = 'public'::regnamespace"
        )
        return set(cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "sqlite", reason="on PostgreSQL every tool is available")
def test_benchmark_refuses_copy_on_sqlite():
    with pytest.raises(CommandError, match=r"--tools: copy_bulk_fk,copy need PostgreSQL; on sqlite, choose among"):
        call_command("seed_benchmark", "--tools", "ours,copy_bulk_fk,copy", stdout=StringIO(), stderr=StringIO())


def test_benchmark_refuses_when_seeding_is_disabled(settings):
    settings.SEEDING_ENABLED = False

    with pytest.raises(CommandError, match="SEEDING_ENABLED"):
        call_command("seed_benchmark", *TINY, stdout=StringIO(), stderr=StringIO())


def test_benchmark_rejects_an_unknown_tool():
    with pytest.raises(CommandError, match="tools must be among"):
        call_command("seed_benchmark", "--tools", "ours,sqlalchemy", stdout=StringIO(), stderr=StringIO())


# The benchmark is its own app: seeding never imports it, and it is loaded only where its packages are.


def test_seeding_never_imports_the_benchmark():
    importers = [
        str(path.relative_to(PROJECT_ROOT))
        for path in (PROJECT_ROOT / "seeding").rglob("*.py")
        if _imports_benchmarks(ast.parse(path.read_text()))
    ]

    assert importers == []


def test_the_benchmark_command_belongs_to_the_benchmark_app():
    assert get_commands()["seed_benchmark"] == "benchmarks"


def test_without_its_packages_the_benchmark_app_is_not_loaded_and_seeding_still_starts():
    # A None entry in sys.modules makes the import fail, as if the package were not installed.
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_BENCHMARK_PACKAGES],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "true"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["benchmarks-installed=False", "seed-command=seeding", "seed_benchmark=None"]


WITHOUT_BENCHMARK_PACKAGES = """
import sys
sys.modules["factory"] = sys.modules["model_bakery"] = None
import django
django.setup()
from django.apps import apps
from django.core.management import get_commands
commands = get_commands()
print(f"benchmarks-installed={apps.is_installed('benchmarks')}")
print(f"seed-command={commands['seed']}")
print(f"seed_benchmark={commands.get('seed_benchmark')}")
"""


def _imports_benchmarks(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(alias.name.split(".")[0] == "benchmarks" for alias in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "benchmarks":
            return True
    return False
