"""A run exported as fixtures: JSON that loaddata takes back identically, and CSV with one file per table."""

import csv
import json
import tracemalloc
from datetime import date
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from clinic.models import Appointment, CheckIn, Profile
from seeding import service
from seeding.export import CHUNK_ROWS, export_csv, export_json, run_querysets
from seeding.models import SeedRun, SyntheticLogin
from seeding.request import SeedRequest, command_limits
from seeding.scenarios import scenario_request

END_DATE = date(2025, 3, 3)


@pytest.fixture
def run(db):
    request = scenario_request("demo-clinic", seed=6, end_date=END_DATE, checkins_per_user=3)
    return service.generate(request, limits=command_limits(), source="command")


def snapshot(run_id) -> dict[str, list[tuple]]:
    return {qs.model._meta.db_table: list(qs.values_list()) for qs in run_querysets(run_id)}


def test_a_json_export_loads_back_identical_and_owned_by_its_run(run, tmp_path):
    fixture = tmp_path / "run.json"
    before = snapshot(run.run_id)
    call_command("seed_export", str(run.run_id), "--output", str(fixture), stdout=StringIO())

    service.clear_synthetic_data(source="command")
    assert not Profile.objects.exists()
    assert not get_user_model().objects.exists()
    call_command("loaddata", str(fixture), stdout=StringIO())

    assert snapshot(run.run_id) == before
    assert all(before.values())
    assert Appointment.objects.filter(synthetic_run_id=run.run_id).count() == run.rows["appointments"]
    assert CheckIn.objects.filter(synthetic_run_id=run.run_id).count() == 60
    assert SyntheticLogin.objects.filter(run_id=run.run_id).count() == 30
    assert Profile.objects.get(email="admin@seed.local").user.check_password("Password123")
    service.undo_run(run.run_id, source="command")
    assert not any(snapshot(run.run_id)[table] for table in before if table != SeedRun._meta.db_table)
    assert not Profile.objects.exists()
    assert not get_user_model().objects.exists()


def test_a_json_export_loads_into_a_database_without_the_run_and_can_be_undone_there(run, tmp_path):
    fixture = tmp_path / "run.json"
    before = snapshot(run.run_id)
    call_command("seed_export", str(run.run_id), "--output", str(fixture), stdout=StringIO())
    service.undo_run(run.run_id, source="command")
    SeedRun.objects.all().delete()  # a fresh database knows nothing of the run

    call_command("loaddata", str(fixture), stdout=StringIO())

    assert snapshot(run.run_id) == before
    assert SeedRun.objects.get().status == SeedRun.Status.SUCCEEDED
    report = service.undo_run(run.run_id, source="command")
    assert report.deleted["appointments"] == run.rows["appointments"]
    assert not Profile.objects.exists()


def test_the_ledger_entry_is_exported_without_the_person_who_asked(db, tmp_path, admin_user):
    request = scenario_request("demo-clinic", seed=6, end_date=END_DATE, checkins_per_user=1, with_logins=False)
    run = service.generate(request, limits=command_limits(), source="admin", requested_by=admin_user)

    export_json(run.run_id, tmp_path / "run.json")
    export_csv(run.run_id, tmp_path / "csv")

    ledger = [
        record for record in json.loads((tmp_path / "run.json").read_text()) if record["model"] == "seeding.seedrun"
    ]
    assert [(record["pk"], record["fields"]["requested_by"]) for record in ledger] == [(str(run.run_id), None)]
    with (tmp_path / "csv" / "seeding_seedrun.csv").open(newline="") as file:
        (entry,) = csv.DictReader(file)
    assert (entry["id"], entry["requested_by_id"]) == (str(run.run_id), "")


def _export_peak_bytes(tmp_path, patients: int) -> tuple[int, int]:
    """The rows a run of that many patients exports, and the most memory the export held at once."""
    service.clear_synthetic_data(source="command")
    request = SeedRequest(patients_count=patients, therapists_count=1, checkins_per_user=100, seed=1)
    run = service.generate(request, limits=command_limits(), source="command")
    tracemalloc.start()
    try:
        counts = export_json(run.run_id, tmp_path / f"{patients}.json")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return sum(counts.values()), peak


def test_the_export_streams_in_flat_memory(db, tmp_path):
    small_rows, small_peak = _export_peak_bytes(tmp_path, 30)
    large_rows, large_peak = _export_peak_bytes(tmp_path, 300)

    assert large_rows > 9 * small_rows > 9 * CHUNK_ROWS
    assert large_peak < 1.5 * small_peak


def test_a_csv_export_writes_one_file_per_table_with_a_header(run, tmp_path):
    call_command("seed_export", str(run.run_id)[:8], "--format", "csv", "--output", str(tmp_path), stdout=StringIO())

    with (tmp_path / "appointments.csv").open(newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0][:4] == ["id", "therapist_id", "patient_id", "organization_id"]
    assert len(rows) - 1 == run.rows["appointments"]
    assert {path.name for path in tmp_path.iterdir()} >= {"profiles.csv", "check_ins.csv", "auth_user.csv"}


def test_an_unknown_run_is_refused_by_name(db, tmp_path):
    with pytest.raises(CommandError, match="no seed run"):
        call_command("seed_export", "0123abcd", "--output", str(tmp_path / "x.json"))
