"""Imported people's check-ins follow their own mood pattern and their own dates, measured on the stored rows.

A listed patient with dates checks in up to checkins_to (or the end date) and never before checkins_from:
checkins_per_user check-ins as usual when the range holds them, on consecutive days ending on the last day
when spreading them at the run's adherence would begin too early, and once a day over the whole range when
it has fewer days than checkins_per_user.
"""

from dataclasses import replace
from datetime import date, timedelta
from io import StringIO
from uuid import uuid4

import pytest
from django.core.management import call_command

from clinic.models import CheckIn, Profile
from seeding.context import RunContext
from seeding.generators import REGISTRY
from seeding.models import SeedRun
from seeding.report import build_report
from seeding.request import PersonSpec, SeedRequest, command_limits
from seeding.service import generate
from tests.seeding.checkin_histories import END_DATE, Day, classified, mean_autocorrelation


def patient(email: str, **fields) -> PersonSpec:
    return PersonSpec(email=email, full_name="Listed Patient", role="patient", **fields)


def seeded(people: tuple[PersonSpec, ...], **fields) -> dict[str, list[Day]]:
    """Generate a run with these people among its patients; each patient's check-ins by email, oldest first."""
    request = SeedRequest(**({"therapists_count": 0, "seed": 7, "end_date": END_DATE, "people": people} | fields))
    run = generate(request, limits=command_limits(), source="command")
    return stored_histories(run.run_id)


def stored_histories(run_id) -> dict[str, list[Day]]:
    histories: dict[str, list[Day]] = {}
    rows = (
        CheckIn.objects.filter(synthetic_run_id=run_id)
        .order_by("checkin_date")
        .values_list("user__email", "checkin_date", "mood", "energy", "anxiety", "sleep_hours")
    )
    for email, *values in rows:
        histories.setdefault(email, []).append(Day(*values[:4], float(values[4])))
    return histories


def dates(history: list[Day]) -> list[date]:
    return [day.date for day in history]


def consecutive(last: date, count: int) -> list[date]:
    return [last - timedelta(days=count - 1 - k) for k in range(count)]


@pytest.mark.django_db
def test_an_imported_patient_follows_their_own_mood_pattern():
    """12 patients x 365 days of a stable run, four of them listed: two cycling, two random."""
    people = (
        patient("cy.one@clinic.test", mood_pattern="cycling"),
        patient("cy.two@clinic.test", mood_pattern="cycling"),
        patient("ra.one@clinic.test", mood_pattern="random"),
        patient("ra.two@clinic.test", mood_pattern="random"),
    )

    histories = seeded(people, patients_count=12, checkins_per_user=365, mood_pattern="stable")

    patterns = {email: classified(history) for email, history in histories.items()}
    assert {email: patterns.pop(email) for email in [person.email for person in people]} == {
        "cy.one@clinic.test": "cycling",
        "cy.two@clinic.test": "cycling",
        "ra.one@clinic.test": "random",
        "ra.two@clinic.test": "random",
    }
    assert len(patterns) == 8
    assert set(patterns.values()) == {"stable"}  # the generated patients keep the run's pattern


@pytest.mark.django_db
def test_an_imported_patients_check_ins_lie_within_their_own_dates():
    """30 check-ins per patient at full adherence; the run ends on END_DATE (2026-03-01)."""
    people = (
        patient("long.range@clinic.test", checkins_from=date(2025, 10, 1), checkins_to=date(2025, 12, 31)),
        patient("short.range@clinic.test", checkins_from=date(2026, 1, 10), checkins_to=date(2026, 1, 19)),
        patient("until.only@clinic.test", checkins_to=date(2026, 2, 1)),
        patient("from.only@clinic.test", checkins_from=date(2026, 2, 15)),
        patient("no.dates@clinic.test", mood_pattern="cycling"),
    )

    histories = seeded(people, patients_count=7, checkins_per_user=30)

    assert dates(histories["long.range@clinic.test"]) == consecutive(date(2025, 12, 31), 30)
    assert dates(histories["short.range@clinic.test"]) == consecutive(date(2026, 1, 19), 10)  # one a day
    assert dates(histories["until.only@clinic.test"]) == consecutive(date(2026, 2, 1), 30)
    assert dates(histories["from.only@clinic.test"]) == consecutive(END_DATE, 15)  # 2026-02-15 to the end date
    generated = [history for email, history in histories.items() if not email.endswith("@clinic.test")]
    assert len(generated) == 2
    for history in [*generated, histories["no.dates@clinic.test"]]:
        assert dates(history) == consecutive(END_DATE, 30)


@pytest.mark.django_db
def test_below_full_adherence_an_imported_range_keeps_its_check_ins_inside_it():
    """60 check-ins per patient at adherence 0.5: a range of 214 days holds them spread out, one of 80 does not."""
    wide = patient("wide.range@clinic.test", checkins_from=date(2025, 6, 1), checkins_to=date(2025, 12, 31))
    narrow = patient("narrow.range@clinic.test", checkins_from=date(2025, 10, 1), checkins_to=date(2025, 12, 19))

    histories = seeded((wide, narrow), patients_count=4, checkins_per_user=60, checkin_adherence=0.5)

    spread = dates(histories["wide.range@clinic.test"])
    assert len(spread) == 60
    assert spread[-1] == date(2025, 12, 31)
    assert spread[0] >= date(2025, 6, 1)
    assert (spread[-1] - spread[0]).days + 1 > 90  # spread over more days than it has check-ins
    # Spreading 60 check-ins at half the days would need about 120 days: consecutive days end the range instead.
    assert dates(histories["narrow.range@clinic.test"]) == consecutive(date(2025, 12, 19), 60)


def test_an_imported_patients_check_ins_generate_alone_exactly_as_in_the_whole_run():
    people = (
        patient(
            "ranged@clinic.test", mood_pattern="cycling", checkins_from=date(2025, 9, 1), checkins_to=date(2026, 1, 5)
        ),
        patient("random@clinic.test", mood_pattern="random"),
    )
    request = SeedRequest(
        patients_count=5, therapists_count=0, checkins_per_user=50, checkin_adherence=0.6, people=people, seed=3
    )
    request = replace(request, end_date=END_DATE)
    checkins = REGISTRY["checkins"]
    whole = RunContext.for_request(request, seed=3, run_id=uuid4())
    rows = [list(checkins.rows(whole, unit)) for unit in range(5)]

    for unit in (1, 0, 4):
        alone = RunContext.for_request(request, seed=3, run_id=uuid4())
        assert list(checkins.rows(alone, unit)) == rows[unit]
    assert len(rows[0]) == 50
    assert all("2025-09-01" <= row[1] <= "2026-01-05" for row in rows[0])


@pytest.mark.django_db
def test_seed_with_a_people_file_stores_their_pattern_and_dates_and_the_report_passes(tmp_path):
    """A random run of 40 patients x 120 days, 15 of them listed as cycling and one with its own dates."""
    lines = ["email,full_name,role,mood_pattern,checkins_from,checkins_to"]
    lines += [f"cycling.{k}@clinic.test,Cycling Patient{k},patient,cycling,," for k in range(15)]
    lines += ["ranged@clinic.test,Ranged Patient,patient,stable,2025-11-01,2025-11-30"]
    people = tmp_path / "people.csv"
    people.write_text("\n".join(lines) + "\n")

    call_command(
        "seed",
        "--patients=24",
        "--therapists=0",
        "--checkins-per-user=120",
        "--mood-pattern=random",
        f"--people={people}",
        "--seed=7",
        f"--end-date={END_DATE}",
        "--no-input",
        stdout=StringIO(),
        stderr=StringIO(),
    )

    run = SeedRun.objects.get(kind=SeedRun.Kind.GENERATE)
    histories = stored_histories(run.id)
    assert Profile.objects.filter(role="patient").count() == 40
    assert dates(histories["ranged@clinic.test"]) == consecutive(date(2025, 11, 30), 30)
    listed_cycling = [histories[f"cycling.{k}@clinic.test"] for k in range(15)]
    generated = [history for email, history in histories.items() if not email.endswith("@clinic.test")]
    assert mean_autocorrelation(listed_cycling, 1) > 0.6  # episodes carry over from day to day
    assert abs(mean_autocorrelation(generated, 1)) < 0.1  # the run's own random patients do not
    report = build_report(run.id)
    names = {check.name for check in report.checks}
    assert report.failed == []
    # The report measures the listed patients under their own pattern: had it counted them as random,
    # random's lag-1 autocorrelation would leave its range.
    assert {"cycling: lag-1 autocorrelation", "listed patients whose check-ins miss their own dates or count"} <= names
