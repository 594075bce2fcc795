"""The validation report: it passes on fresh runs, fails on damaged data exactly where the damage is, and
reaches people through the command (text, JSON, exit status, SVG) and the admin."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from clinic.models import Appointment, CheckIn, Membership, TreatmentPlan, WeeklyAvailability
from seeding.report import NO_RUN_MESSAGE, build_report
from seeding.request import OrganizationSpec, SeedRequest, command_limits
from seeding.scenarios import scenario_request
from seeding.service import SeedReport, generate, undo_run
from tests.seeding.checkin_histories import END_DATE

CLINIC = (OrganizationSpec(name="Harbour Physio", slug="harbour-physio"),)


def seeded(**fields) -> SeedReport:
    request = SeedRequest(**({"seed": 7, "end_date": END_DATE, "therapists_count": 0} | fields))
    return generate(request, limits=command_limits(), source="command")


def clinic_run(**fields) -> SeedReport:
    return seeded(**({"patients_count": 6, "therapists_count": 3, "organizations": CLINIC} | fields))


def measured(report) -> set[str]:
    return {check.name for check in report.checks}


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", ["stable", "cycling", "random", "mixed"])
def test_the_report_passes_on_a_fresh_run_of_each_pattern(pattern):
    """40 patients x 150 days: enough to measure every statistic of a single pattern."""
    run = seeded(patients_count=40, checkins_per_user=150, mood_pattern=pattern)

    report = build_report(run.run_id)

    assert report.failed == []
    if pattern != "mixed":
        assert f"{pattern}: lag-1 autocorrelation" in measured(report)
        assert f"{pattern}: Friday to Sunday lift (points)" in measured(report)
    assert "constraint check_ins_one_per_day" in measured(report)


@pytest.mark.django_db
def test_the_report_passes_on_the_clinic_scenario():
    run = generate(
        scenario_request("demo-clinic", seed=7, end_date=END_DATE), limits=command_limits(), source="command"
    )

    report = build_report(run.run_id)

    assert report.failed == []
    assert {"weekly availability slots that clash", "patients with 3 plans, exactly one ongoing"} <= measured(report)


@pytest.mark.django_db
def test_the_report_measures_treatment_response_in_a_large_clinic_run():
    """60 stable patients x 365 days, five plans each."""
    run = clinic_run(patients_count=60, checkins_per_user=365, plans_per_patient=5, mood_pattern="stable")

    report = build_report(run.run_id)

    assert report.failed == []
    assert {name for name in measured(report) if name.startswith("treatment:")} == {
        "treatment: mood drift in ongoing plans (points per 12 weeks)",
        "treatment: anxiety drift in ongoing plans (points per 12 weeks)",
        "treatment: completed plans, last two weeks minus first two (points)",
        "treatment: mood drift in cancelled or paused plans (points per 12 weeks)",
    }


@pytest.mark.django_db
def test_the_report_passes_with_sparse_adherence():
    run = seeded(patients_count=20, checkins_per_user=120, checkin_adherence=0.4, mood_pattern="mixed")

    assert build_report(run.run_id).failed == []


@pytest.mark.django_db
def test_an_overlapping_weekly_slot_fails_exactly_the_clash_check():
    run = clinic_run(therapists_count=6, templates_per_therapist=(1, 4))
    slot = next(  # a therapist with room for one more template, so that no count check fails too
        slot
        for slot in WeeklyAvailability.objects.filter(synthetic_run_id=run.run_id)
        if WeeklyAvailability.objects.filter(therapist_id=slot.therapist_id).count() < 4
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO weekly_availability"
            " (therapist_id, organization_id, weekday, start_time, end_time, synthetic_run_id)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            [
                slot.therapist_id.hex,
                slot.organization_id,
                slot.weekday,
                "00:30:00",
                slot.end_time.isoformat(),
                run.run_id.hex,
            ],
        )

    report = build_report(run.run_id)

    assert [check.name for check in report.failed] == ["weekly availability slots that clash"]
    assert report.failed[0].value == 1


@pytest.mark.django_db
def test_an_appointment_moved_outside_availability_fails_exactly_the_scheduling_check():
    run = clinic_run(appointments_per_patient=2)
    appointment = Appointment.objects.filter(synthetic_run_id=run.run_id).exclude(status="cancelled").first()
    night = appointment.starts_at.replace(hour=2, minute=0)  # no therapist's window opens at night
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE appointments SET starts_at = %s, ends_at = %s WHERE id = %s",
            [night, night + (appointment.ends_at - appointment.starts_at), appointment.pk],
        )

    failed = [check.name for check in build_report(run.run_id).failed]

    assert failed == ["appointments that break the scheduling rule"]


@pytest.mark.django_db
def test_a_plan_handed_to_another_therapist_fails_exactly_the_plan_check():
    run = clinic_run()
    plan = TreatmentPlan.objects.filter(synthetic_run_id=run.run_id).first()
    other = Membership.objects.filter(synthetic_run_id=run.run_id, role="therapist").exclude(profile=plan.therapist)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE treatment_plans SET therapist_id = %s WHERE id = %s", [other.first().profile_id.hex, plan.pk]
        )

    failed = [check.name for check in build_report(run.run_id).failed]

    assert failed == ["plans not led by the patient's own therapist in the patient's clinic"]


@pytest.mark.django_db
def test_flattened_moods_fail_the_realism_checks_and_nothing_else():
    """30 stable patients x 120 days whose moods were all overwritten with a 5."""
    run = seeded(patients_count=30, checkins_per_user=120, mood_pattern="stable")
    CheckIn.objects.filter(synthetic_run_id=run.run_id).update(mood=5)

    failed = {check.name for check in build_report(run.run_id).failed}

    assert {"stable: within-person spread (points)", "stable: lag-1 autocorrelation"} <= failed
    assert all(name.startswith("stable: ") for name in failed)


@pytest.mark.django_db
def test_the_command_reports_the_latest_run_and_exits_non_zero_on_a_failure():
    seeded(patients_count=3, checkins_per_user=10)
    latest = clinic_run()
    out = StringIO()
    call_command("seed_report", stdout=out)
    assert f"Run {latest.run_id}" in out.getvalue()

    CheckIn.objects.filter(synthetic_run_id=latest.run_id).order_by("checkin_date").first().delete()
    out = StringIO()
    with pytest.raises(CommandError, match=r"1 of \d+ checks failed: patients with 30 check-ins"):
        call_command("seed_report", str(latest.run_id)[:8], stdout=out)
    assert "FAIL  patients with 30 check-ins, the latest on 2026-03-01: 5 (expected = 6)" in out.getvalue()


@pytest.mark.django_db
def test_the_command_prints_json_and_writes_the_pictures(tmp_path):
    run = seeded(patients_count=12, checkins_per_user=60, mood_pattern="mixed")
    out = StringIO()

    pictures = tmp_path / "pictures"
    call_command("seed_report", str(run.run_id), "--json", "--svg-dir", str(pictures), stdout=out, stderr=StringIO())

    data = json.loads(out.getvalue())
    assert data["run_id"] == str(run.run_id)
    assert data["checks"]
    assert all(set(check) == {"name", "passed", "value", "expected"} for check in data["checks"])
    assert all(check["passed"] for check in data["checks"])
    files = sorted(path.name for path in pictures.iterdir())
    assert files == ["autocorrelation.svg", "example-patients.svg", "mood-distribution.svg", "weekday-means.svg"]
    for path in pictures.iterdir():
        svg = path.read_text()
        assert svg.startswith("<?xml")
        assert svg.count('class="report-chart') == 1
        assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")  # nothing fetched from elsewhere
    examples = (pictures / "example-patients.svg").read_text()
    assert examples.count("<polyline") == 3  # one patient of each of the mixed run's three patterns


@pytest.mark.django_db
def test_the_command_names_a_run_it_cannot_report():
    with pytest.raises(CommandError, match=NO_RUN_MESSAGE):
        call_command("seed_report", stdout=StringIO())
    run = seeded(patients_count=2, checkins_per_user=5)
    undo_run(run.run_id, source="command")
    with pytest.raises(CommandError, match="only the rows of a succeeded generating run remain"):
        call_command("seed_report", str(run.run_id), stdout=StringIO())
    with pytest.raises(CommandError, match="There is no seed run with id ffffffff"):
        call_command("seed_report", "ffffffff", stdout=StringIO())


@pytest.mark.django_db
def test_the_admin_shows_a_runs_report_with_its_pictures(admin_client):
    run = seeded(patients_count=6, checkins_per_user=60, mood_pattern="mixed")
    change = admin_client.get(reverse("admin:seeding_seedrun_change", args=[run.run_id]))
    page = reverse("admin:seeding_seedrun_report", args=[run.run_id])
    assert page in change.content.decode()

    response = admin_client.get(page)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-passed="true"' in html
    for chart in ("distribution", "autocorrelation", "weekdays", "examples"):
        assert f'class="report-chart {chart}"' in html
    assert "constraint check_ins_one_per_day" in html


@pytest.mark.django_db
def test_the_admin_report_shows_a_failed_check(admin_client):
    run = clinic_run()
    CheckIn.objects.filter(synthetic_run_id=run.run_id).order_by("checkin_date").first().delete()

    html = admin_client.get(reverse("admin:seeding_seedrun_report", args=[run.run_id])).content.decode()

    assert 'data-passed="false"' in html
    assert '<tr class="failed">' in html
