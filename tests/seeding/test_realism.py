"""The weekly rhythm, sleep, adherence and treatment response of generated check-ins, measured on stored rows."""

import re
import statistics
from dataclasses import replace
from datetime import timedelta
from io import StringIO
from itertools import groupby, pairwise
from uuid import uuid4

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Max, Min
from django.urls import reverse

from clinic.models import CheckIn, TreatmentPlan
from seeding.context import RunContext
from seeding.generators import REGISTRY
from seeding.request import CHECKIN_ADHERENCE_MESSAGE, OrganizationSpec, SeedRequest
from seeding.scenarios import scenario_request
from seeding.serializers import NUMBER_MESSAGE
from tests.seeding.checkin_histories import END_DATE, correlation, histories, lagged_pairs

CLINIC = (OrganizationSpec(name="Harbour Physio", slug="harbour-physio"),)


def weekend_lift(history) -> float:
    """Mean mood Friday to Sunday minus mean mood Monday to Thursday."""
    weekend = [day.mood for day in history if day.date.weekday() >= 4]
    weekdays = [day.mood for day in history if day.date.weekday() < 4]
    return statistics.mean(weekend) - statistics.mean(weekdays)


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", ["stable", "cycling"])
def test_mood_lifts_a_little_from_friday_to_sunday(pattern):
    """60 patients x 182 days (26 weeks), within each patient."""
    patients = list(histories(mood_pattern=pattern, patients_count=60, checkins_per_user=182).values())

    assert 0.1 <= statistics.mean(weekend_lift(history) for history in patients) <= 0.5
    by_weekday = [
        statistics.mean(day.mood for history in patients for day in history if day.date.weekday() == weekday)
        for weekday in range(7)
    ]
    assert min(by_weekday[4:]) > max(by_weekday[:4]) - 0.05


@pytest.mark.django_db
def test_random_mood_has_no_weekly_rhythm():
    """60 patients x 182 days."""
    patients = list(histories(mood_pattern="random", patients_count=60, checkins_per_user=182).values())

    assert abs(statistics.mean(weekend_lift(history) for history in patients)) < 0.15


@pytest.mark.django_db
def test_sleep_carries_into_the_days_mood_more_than_mood_into_the_next_nights_sleep():
    """40 stable patients x 365 days; a check-in's sleep is the night before it."""
    patients = list(histories(mood_pattern="stable", patients_count=40, checkins_per_user=365).values())

    sleep_to_mood = statistics.mean(correlation(lagged_pairs(h, 0, "sleep", "mood")) for h in patients)
    mood_to_sleep = statistics.mean(correlation(lagged_pairs(h, 1, "mood", "sleep")) for h in patients)
    assert 0.1 <= sleep_to_mood <= 0.45
    assert sleep_to_mood > mood_to_sleep + 0.1


@pytest.mark.django_db
def test_full_adherence_checks_in_on_consecutive_days():
    """3 patients x 30 days."""
    patients = histories(patients_count=3, checkins_per_user=30).values()

    for history in patients:
        assert [day.date for day in history] == [END_DATE - timedelta(days=29 - k) for k in range(30)]


@pytest.mark.django_db
@pytest.mark.parametrize("adherence", [0.3, 0.6, 0.9])
def test_adherence_spreads_the_same_check_ins_over_more_days_with_clustered_gaps(adherence):
    """30 patients x 120 check-ins."""
    patients = list(
        histories(patients_count=30, checkins_per_user=120, checkin_adherence=adherence, mood_pattern="random").values()
    )

    assert all(len(history) == 120 and history[-1].date == END_DATE for history in patients)
    spans = [(history[-1].date - history[0].date).days + 1 for history in patients]
    assert abs(statistics.mean(120 / span for span in spans) - adherence) <= 0.05
    missed, after_missed, weekend_missed, days = 0, 0, 0, 0
    for history in patients:
        dates = {day.date for day in history}
        calendar = [history[0].date + timedelta(days=k) for k in range((history[-1].date - history[0].date).days)]
        is_missed = [day not in dates for day in calendar]
        days += len(calendar)
        missed += sum(is_missed)
        weekend_missed += sum(gap for day, gap in zip(calendar, is_missed, strict=True) if day.weekday() >= 5)
        after_missed += sum(a and b for a, b in pairwise(is_missed))
    # Gaps cluster: a missed day is followed by another missed day more often than days are missed at all.
    assert after_missed / missed > missed / days + 0.1
    assert weekend_missed / missed > 2 / 7 + 0.03  # weekends are missed more often


def clinic_histories(**request):
    fields = {"therapists_count": 3, "organizations": CLINIC, "mood_pattern": "stable"} | request
    return histories(**fields)


def slope_per_twelve_weeks(history, start, end, measure: str = "mood") -> float | None:
    days = [day for day in history if start <= day.date <= end]
    if len(days) < 28:
        return None
    offsets = [(day.date - start).days for day in days]
    return statistics.linear_regression(offsets, [getattr(day, measure) for day in days]).slope * 84


@pytest.mark.django_db
def test_an_ongoing_plan_lifts_mood_and_eases_anxiety_over_twelve_weeks():
    """80 stable patients x 365 days in a clinic, three plans each."""
    patients = clinic_histories(patients_count=80, checkins_per_user=365)

    ongoing = {plan.patient_id.hex: plan for plan in TreatmentPlan.objects.filter(status="ongoing")}
    slopes = [
        slope
        for patient, history in patients.items()
        if (slope := slope_per_twelve_weeks(history, ongoing[patient].start_date, END_DATE)) is not None
    ]
    assert len(slopes) >= 60
    assert 0.5 <= statistics.mean(slopes) <= 2.0  # about 1 to 2 points over twelve weeks, non-responders included
    assert sum(slope < 0.3 for slope in slopes) >= 3  # some do not respond
    eased = [
        slope_per_twelve_weeks(history, ongoing[patient].start_date, END_DATE, measure="anxiety")
        for patient, history in patients.items()
    ]
    assert statistics.mean(slope for slope in eased if slope is not None) < -0.3  # and anxiety eases
    during = [
        day for patient, history in patients.items() for day in history if day.date >= ongoing[patient].start_date
    ]
    assert statistics.correlation([d.mood for d in during], [d.anxiety for d in during]) < -0.3


@pytest.mark.django_db
def test_completed_plans_end_better_than_they_began_and_held_ones_show_no_trend():
    """80 stable patients x 365 days in a clinic, five plans each (every status)."""
    patients = clinic_histories(patients_count=80, checkins_per_user=365, plans_per_patient=5)

    gains, held = [], {"cancelled": [], "paused": []}
    plans = TreatmentPlan.objects.order_by("patient_id", "start_date")
    for patient, group in groupby(plans, key=lambda plan: plan.patient_id):
        history = patients[patient.hex]
        group = list(group)
        for plan, following in zip(group, [*group[1:], None], strict=True):
            if plan.status in ("ongoing", "planned"):
                continue
            # A paused plan has no end date: it holds until the next plan begins.
            end = plan.end_date or following.start_date - timedelta(days=1)
            if plan.status == "completed":
                first = [d.mood for d in history if plan.start_date <= d.date < plan.start_date + timedelta(days=14)]
                last = [d.mood for d in history if end - timedelta(days=14) < d.date <= end]
                if len(first) == len(last) == 14 and (end - plan.start_date).days >= 42:
                    gains.append(statistics.mean(last) - statistics.mean(first))
            elif (slope := slope_per_twelve_weeks(history, plan.start_date, end)) is not None:
                held[plan.status].append(slope)
    assert len(gains) >= 15
    assert statistics.mean(gains) > 0.4
    for status, slopes in held.items():  # per-plan slopes vary by about a point: 50 plans keep the mean within 0.3
        assert len(slopes) >= 50, status
        assert abs(statistics.mean(slopes)) < 0.3, status


@pytest.mark.parametrize(
    "request_",
    [
        SeedRequest(patients_count=6, checkins_per_user=40, checkin_adherence=0.5, mood_pattern="mixed", seed=3),
        SeedRequest(
            patients_count=6,
            therapists_count=2,
            checkins_per_user=40,
            organizations=CLINIC,
            mood_pattern="mixed",
            seed=3,
        ),
    ],
    ids=["adherence", "clinic"],
)
def test_any_slice_of_patients_generates_alone_exactly_as_in_the_whole_run(request_):
    request_ = replace(request_, end_date=END_DATE)
    checkins = REGISTRY["checkins"]
    whole = RunContext.for_request(request_, seed=3, run_id=uuid4())
    rows = [list(checkins.rows(whole, patient)) for patient in range(6)]

    for patient in (5, 2):
        alone = RunContext.for_request(request_, seed=3, run_id=uuid4())
        assert list(checkins.rows(alone, patient)) == rows[patient]
    assert len({row[1] for row in rows[0]}) == 40


def run_spans() -> dict[str, int]:
    """Days from each patient's first check-in to their last."""
    rows = CheckIn.objects.values("user_id").annotate(first=Min("checkin_date"), last=Max("checkin_date"))
    return {row["user_id"]: (row["last"] - row["first"]).days + 1 for row in rows}


@pytest.mark.django_db
def test_the_command_takes_checkin_adherence():
    call_command(
        "seed",
        "--patients",
        "2",
        "--checkins-per-user",
        "30",
        "--checkin-adherence",
        "0.5",
        "--seed",
        "7",
        stdout=StringIO(),
    )

    assert CheckIn.objects.count() == 60
    assert all(span > 30 for span in run_spans().values())


@pytest.mark.django_db
def test_the_command_names_checkin_adherence_out_of_range():
    with pytest.raises(CommandError, match=re.escape("--checkin-adherence must be a number from 0.3 to 1.0")):
        call_command("seed", "--patients", "2", "--checkin-adherence", "0.2", stdout=StringIO())
    assert not CheckIn.objects.exists()


@pytest.mark.django_db
def test_the_api_takes_checkin_adherence_and_refuses_text(admin_api):
    body = {"patients_count": 2, "therapists_count": 0, "checkins_per_user": 30, "checkin_adherence": 0.5, "seed": 7}
    assert admin_api.post("/api/admin/generate-data", body, format="json").status_code == 200
    assert all(span > 30 for span in run_spans().values())

    text = admin_api.post("/api/admin/generate-data", {**body, "checkin_adherence": "0.5"}, format="json")
    too_low = admin_api.post("/api/admin/generate-data", {**body, "checkin_adherence": 0.1}, format="json")
    assert text.status_code == too_low.status_code == 400
    assert text.json()["checkin_adherence"] == [NUMBER_MESSAGE]
    assert too_low.json()["checkin_adherence"] == [CHECKIN_ADHERENCE_MESSAGE.format(value=0.1)]


@pytest.mark.django_db
def test_the_admin_form_takes_checkin_adherence_and_shows_its_error(admin_client):
    form = reverse("admin:clinic_profile_generate_test_data")
    fields = {"patients_count": "2", "therapists_count": "0", "admins_count": "0", "checkins_per_user": "30"}
    fields |= {"mood_pattern": "stable", "locale": "en_US", "seed": "7"}

    refused = admin_client.post(form, {**fields, "checkin_adherence": "1.5"})
    assert CHECKIN_ADHERENCE_MESSAGE.format(value=1.5) in refused.content.decode()
    assert not CheckIn.objects.exists()
    admin_client.post(form, {**fields, "checkin_adherence": "0.5"})
    assert all(span > 30 for span in run_spans().values())


@pytest.mark.django_db
def test_a_scenario_file_may_set_checkin_adherence(tmp_path):
    scenario = tmp_path / "sparse.toml"
    scenario.write_text("patients_count = 3\ncheckins_per_user = 30\ncheckin_adherence = 0.7\nseed = 7\n")

    assert scenario_request(str(scenario)).checkin_adherence == 0.7
    assert scenario_request(str(scenario), checkin_adherence=0.4).checkin_adherence == 0.4
    call_command("seed", "--scenario", str(scenario), "--no-input", stdout=StringIO())
    assert CheckIn.objects.count() == 90
    assert all(span > 30 for span in run_spans().values())


@pytest.mark.django_db
def test_the_same_seed_stores_the_same_check_ins_with_gaps_and_treatment():
    def stored() -> list[tuple]:
        rows = CheckIn.objects.values_list("user__email", "checkin_date", "mood", "energy", "anxiety", "sleep_hours")
        return sorted(rows)

    fields = {"patients_count": 5, "checkins_per_user": 60, "checkin_adherence": 0.5, "mood_pattern": "mixed"}
    clinic_histories(**fields)
    first = stored()
    clinic_histories(**fields, clear_db=True)

    assert stored() == first
    assert len(first) == 300
