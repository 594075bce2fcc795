"""A run exported as fixtures: JSON that loaddata takes back identically, and CSV with one file per table."""

import csv
from datetime import date
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from clinic.models import Appointment, CheckIn, Profile
from seeding import service
from seeding.export import run_querysets
from seeding.models import SyntheticLogin
from seeding.request import command_limits
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
    service.clear_synthetic_data(source="command")
    assert not Profile.objects.exists()


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
