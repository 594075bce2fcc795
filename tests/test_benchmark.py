"""The benchmark at a tiny size: its wiring and its output, never its timings."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from clinic.models import Profile
from seeding.service import count_synthetic_data

TOOLS = ("ours", "bulk_create", "bakery", "factory_boy", "copy")
TINY = ("--sizes", "300", "--tools", ",".join(TOOLS), "--scenario-size", "20")


def run_benchmark(tmp_path) -> tuple[str, dict]:
    out, path = StringIO(), tmp_path / "benchmark.json"
    call_command("seed_benchmark", *TINY, "--json", str(path), stdout=out, stderr=StringIO())
    return out.getvalue(), json.loads(path.read_text())


@pytest.mark.django_db(transaction=True)  # ours runs in a child process, which sees only committed rows
def test_benchmark_reports_every_tool_writing_the_same_rows_and_keeps_real_ones(tmp_path, real_patient):
    table, figures = run_benchmark(tmp_path)

    results = figures["sizes"][0]["results"]
    assert set(results) == set(TOOLS)
    assert {result["rows"] for result in results.values()} == {302}  # 1 patient x 300 days + 2 profiles
    assert all(result["rows_per_second"] > 0 and result["ours_ratio"] > 0 for result in results.values())
    assert results["ours"]["ours_ratio"] == 1
    assert {"database", "python", "django", "cpu_count", "cpu_model"} <= set(figures["environment"])
    assert figures["scenario"]["rows"]["profiles"] == 40
    assert all(line in table for line in ("300 check-ins: 1 patients x 300 days", "Demo-clinic scenario"))
    assert all(any(line.startswith(f"{tool} ") for line in table.splitlines()) for tool in TOOLS)
    assert not any(count_synthetic_data().values())
    assert Profile.objects.filter(pk=real_patient.pk, check_ins__isnull=False).exists()


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_benchmark_measures_our_peak_memory_in_a_fresh_process(tmp_path):
    table, figures = run_benchmark(tmp_path)

    assert figures["ours_peak_rss_mb"]["300"] > 0
    assert "Peak memory of ours (max RSS of its own process)" in table


def test_benchmark_refuses_when_seeding_is_disabled(settings):
    settings.SEEDING_ENABLED = False

    with pytest.raises(CommandError, match="SEEDING_ENABLED"):
        call_command("seed_benchmark", *TINY, stdout=StringIO(), stderr=StringIO())


def test_benchmark_rejects_an_unknown_tool():
    with pytest.raises(CommandError, match="tools must be among"):
        call_command("seed_benchmark", "--tools", "ours,sqlalchemy", stdout=StringIO(), stderr=StringIO())
