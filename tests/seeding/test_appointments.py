"""Appointments of a clinic-scenario run, checked rule by rule with queries over the tables it leaves behind."""

import logging
import re
from collections import Counter
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import DurationField, Exists, ExpressionWrapper, F, OuterRef, Q
from django.db.models.functions import ExtractIsoWeekDay, TruncDate, TruncTime

from clinic.models import Appointment, AvailabilityException, Enrollment, Organization, Profile, WeeklyAvailability
from seeding import service
from seeding.generators import appointments
from seeding.generators.appointments import NOTES
from seeding.request import (
    API_LIMITS,
    APPOINTMENTS_WITHOUT_ORGANIZATIONS_MESSAGE,
    OrganizationSpec,
    SeedRequest,
    command_limits,
)
from seeding.scenarios import scenario_request
from seeding.serializers import GenerateDataResponseSerializer

END_DATE = date(2025, 3, 3)
GAP = timedelta(minutes=15)  # restated on purpose: these tests check the rows, not the rule's own code
SMALL = {"with_logins": False, "checkins_per_user": 1}


def generate(request: SeedRequest):
    return service.generate(request, limits=command_limits(), source="command")


def clear_synthetic_data():
    return service.clear_synthetic_data(source="command")


def undo_run(run_id):
    return service.undo_run(run_id, source="command")


@pytest.fixture
def clinic_run(db):
    """demo-clinic with a busy calendar: eight appointments per patient."""
    return generate(scenario_request("demo-clinic", seed=2024, end_date=END_DATE, appointments_per_patient=8, **SMALL))


def _with_clock():
    """Appointments with their weekday (Monday 0), local date and start and end times."""
    return Appointment.objects.annotate(
        weekday=ExtractIsoWeekDay("starts_at") - 1,
        day=TruncDate("starts_at"),
        start_clock=TruncTime("starts_at"),
        end_clock=TruncTime("ends_at"),
    )


def test_the_scenario_books_every_appointment_it_asks_for(clinic_run):
    assert clinic_run.rows["appointments"] == Appointment.objects.count() == 20 * 8
    per_patient = Appointment.objects.values("patient").distinct().count()
    assert per_patient == 20


def test_every_appointment_lies_inside_a_weekly_window_of_its_therapist_in_its_clinic(clinic_run):
    window = WeeklyAvailability.objects.filter(
        therapist=OuterRef("therapist"),
        organization=OuterRef("organization"),
        weekday=OuterRef("weekday"),
        start_time__lte=OuterRef("start_clock"),
        end_time__gte=OuterRef("end_clock"),
    )

    assert not _with_clock().filter(~Exists(window)).exists()


def test_no_appointment_falls_on_a_full_day_unavailable_exception(clinic_run):
    full_day_off = AvailabilityException.objects.filter(
        therapist=OuterRef("therapist"),
        organization=OuterRef("organization"),
        date=OuterRef("day"),
        is_available=False,
        start_time__isnull=True,
    )

    assert AvailabilityException.objects.filter(is_available=False, start_time__isnull=True).exists()
    assert not _with_clock().filter(Exists(full_day_off)).exists()


def test_no_appointment_overlaps_a_partial_unavailable_exception(clinic_run):
    partial_off = AvailabilityException.objects.filter(
        therapist=OuterRef("therapist"),
        organization=OuterRef("organization"),
        date=OuterRef("day"),
        is_available=False,
        start_time__lt=OuterRef("end_clock"),
        end_time__gt=OuterRef("start_clock"),
    )

    assert not _with_clock().filter(Exists(partial_off)).exists()


def test_a_therapists_appointments_lie_at_least_the_gap_apart(clinic_run):
    too_close = Appointment.objects.filter(
        therapist=OuterRef("therapist"),
        starts_at__lt=OuterRef("ends_at") + GAP,
        ends_at__gt=OuterRef("starts_at") - GAP,
    ).exclude(pk=OuterRef("pk"))

    assert not Appointment.objects.filter(Exists(too_close)).exists()


def test_a_patient_never_has_two_appointments_at_once(clinic_run):
    overlapping = Appointment.objects.filter(
        patient=OuterRef("patient"), starts_at__lt=OuterRef("ends_at"), ends_at__gt=OuterRef("starts_at")
    ).exclude(pk=OuterRef("pk"))

    assert not Appointment.objects.filter(Exists(overlapping)).exists()


def test_every_appointment_is_with_the_patients_own_therapist_in_the_patients_clinic(clinic_run):
    own = Enrollment.objects.filter(
        patient=OuterRef("patient"), therapist=OuterRef("therapist"), organization=OuterRef("organization")
    )

    assert not Appointment.objects.filter(~Exists(own)).exists()
    assert set(Appointment.objects.values_list("therapist__role", "patient__role").distinct()) == {
        ("therapist", "patient")
    }


def test_appointments_last_30_45_or_60_minutes(clinic_run):
    durations = Appointment.objects.annotate(
        minutes=ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField())
    ).values_list("minutes", flat=True)

    assert set(durations) == {timedelta(minutes=m) for m in (30, 45, 60)}


def test_past_appointments_are_mostly_completed_and_future_ones_scheduled(clinic_run):
    days = _with_clock()
    past, future = days.filter(day__lte=END_DATE), days.filter(day__gt=END_DATE)
    Status = Appointment.Status

    assert not future.exclude(status=Status.SCHEDULED).exists()
    assert not past.filter(status=Status.SCHEDULED).exists()
    assert past.filter(status=Status.COMPLETED).count() > past.count() / 2
    assert past.filter(status=Status.CANCELLED).exists()
    assert past.filter(status=Status.NO_SHOW).exists()
    assert not days.exclude(day__range=(END_DATE - timedelta(days=27), END_DATE + timedelta(days=28))).exists()
    assert future.exists()


def test_demo_clinic_books_four_appointments_per_patient_by_default(db):
    report = generate(scenario_request("demo-clinic", seed=8, end_date=END_DATE, **SMALL))

    per_patient = Counter(Appointment.objects.values_list("patient", flat=True))
    assert report.rows["appointments"] == 20 * 4
    assert set(per_patient.values()) == {4}
    assert len(per_patient) == Profile.objects.filter(role=Profile.Role.PATIENT).count() == 20


def test_notes_are_short_and_in_the_runs_language(db):
    generate(scenario_request("demo-clinic", seed=3, end_date=END_DATE, locale="pt_BR", **SMALL))
    portuguese = {note for notes in NOTES["pt"].values() for note in notes}

    notes = set(Appointment.objects.values_list("notes", flat=True))
    assert notes <= portuguese
    assert len(notes) > 3


def test_outside_a_clinic_scenario_no_appointments_are_written(db):
    report = generate(SeedRequest(patients_count=2, therapists_count=1, checkins_per_user=1))

    assert report.rows["appointments"] == Appointment.objects.count() == 0


# One therapist with one weekly window and twelve patients asking for twenty appointments each: it cannot fit.
FULL_CALENDAR = SeedRequest(
    patients_count=12,
    therapists_count=1,
    checkins_per_user=1,
    organizations=(OrganizationSpec(name="Tiny", slug="tiny"),),
    templates_per_therapist=(1, 1),
    exceptions_per_therapist=(0, 0),
    appointments_per_patient=20,
    seed=7,
    end_date=END_DATE,
)
FULL_CALENDAR_SCENARIO = """
patients_count = 12
therapists_count = 1
checkins_per_user = 1
templates_per_therapist = [1, 1]
exceptions_per_therapist = [0, 0]
appointments_per_patient = 20

[[organizations]]
name = "Tiny"
slug = "tiny"
"""


def test_a_full_calendar_books_fewer_appointments_and_says_so_rather_than_breaking_a_rule(db, caplog):
    with caplog.at_level(logging.WARNING, logger=appointments.logger.name):
        report = generate(FULL_CALENDAR)

    booked = Appointment.objects.count()
    assert 0 < booked == report.rows["appointments"] < 12 * 20
    assert report.unplaced_appointments == 12 * 20 - booked
    assert report.message.endswith(
        f"; {12 * 20 - booked} appointments did not fit: the therapists' calendars were full, so fewer were booked"
    )
    assert f"{12 * 20 - booked} appointments did not fit" in caplog.text
    too_close = Appointment.objects.filter(
        therapist=OuterRef("therapist"),
        starts_at__lt=OuterRef("ends_at") + GAP,
        ends_at__gt=OuterRef("starts_at") - GAP,
    ).exclude(pk=OuterRef("pk"))
    assert not Appointment.objects.filter(Exists(too_close)).exists()


def test_the_command_summary_and_the_api_statistics_say_how_many_did_not_fit(db, tmp_path):
    scenario = tmp_path / "full.toml"
    scenario.write_text(FULL_CALENDAR_SCENARIO)
    out = StringIO()
    call_command("seed", f"--scenario={scenario}", "--seed=7", "--end-date=2025-03-03", stdout=out, stderr=StringIO())

    unplaced = 12 * 20 - Appointment.objects.count()
    assert unplaced > 0
    assert f"{unplaced} appointments did not fit" in out.getvalue().splitlines()[0]
    assert f"not booked         {unplaced} appointments (full calendars)" in out.getvalue()
    service.clear_synthetic_data(source="command")
    report = generate(FULL_CALENDAR)
    body = GenerateDataResponseSerializer({"status": "success", "message": report.message, "statistics": report}).data
    assert body["statistics"]["unplaced_appointments"] == unplaced
    assert "did not fit" in body["message"]


def test_a_calendar_with_room_reports_nothing_unplaced(clinic_run):
    assert clinic_run.unplaced_appointments == 0
    assert "did not fit" not in clinic_run.message


def test_the_generator_calls_the_clinics_own_appointment_rule(db, monkeypatch):
    calls = []
    rule = appointments.appointment_conflicts

    def spy(*slot, **calendar):
        calls.append(slot)
        return rule(*slot, **calendar)

    monkeypatch.setattr(appointments, "appointment_conflicts", spy)
    generate(scenario_request("demo-clinic", seed=1, end_date=END_DATE, **SMALL))

    assert calls


def test_same_seed_and_end_date_give_the_same_appointments(db):
    request = scenario_request("demo-clinic", seed=99, end_date=END_DATE, **SMALL)

    def snapshot():
        return set(Appointment.objects.values_list("therapist", "patient", "starts_at", "ends_at", "status", "notes"))

    generate(request)
    first = snapshot()
    clear_synthetic_data()
    generate(request)

    assert snapshot() == first


def test_clearing_and_undo_remove_a_runs_appointments_and_keep_real_ones(clinic_run):
    real = Appointment.objects.create(
        therapist=Profile.objects.create(email="real.t@clinic.test", role=Profile.Role.THERAPIST),
        patient=Profile.objects.create(email="real.p@clinic.test", role=Profile.Role.PATIENT),
        organization=Organization.objects.create(name="Real", slug="real"),
        starts_at="2025-03-03 09:00:00+00:00",
        ends_at="2025-03-03 10:00:00+00:00",
    )
    second = generate(scenario_request("demo-clinic", seed=5, end_date=END_DATE, **SMALL))

    undo_run(clinic_run.run_id)
    assert set(Appointment.objects.values_list("synthetic_run_id", flat=True)) == {second.run_id, None}
    clear_synthetic_data()
    assert list(Appointment.objects.all()) == [real]


@pytest.mark.parametrize("value", [-1, 21, "4"])
def test_appointments_per_patient_out_of_range_is_refused(value):
    request = scenario_request("demo-clinic", appointments_per_patient=value)
    with pytest.raises(ValidationError) as caught:
        request.validated(API_LIMITS)

    assert "appointments_per_patient" in caught.value.message_dict


def test_appointments_without_organizations_are_refused_with_a_message_naming_the_field():
    with pytest.raises(ValidationError) as caught:
        SeedRequest(appointments_per_patient=2).validated(API_LIMITS)

    assert caught.value.message_dict["appointments_per_patient"] == [APPOINTMENTS_WITHOUT_ORGANIZATIONS_MESSAGE]


def test_the_seed_command_takes_appointments_per_patient(db):
    call_command(
        "seed",
        "--scenario=demo-clinic",
        "--appointments-per-patient=2",
        "--no-with-logins",
        "--checkins-per-user=1",
        "--end-date=2025-03-03",
        "--seed=4",
        stdout=StringIO(),
        stderr=StringIO(),
    )

    assert Appointment.objects.count() == 40


@pytest.mark.postgresql
def test_the_database_refuses_an_overlapping_appointment_of_one_therapist(clinic_run):
    booked = Appointment.objects.exclude(status=Appointment.Status.CANCELLED).first()
    other_patient = Enrollment.objects.filter(therapist=booked.therapist).exclude(patient=booked.patient).first()
    patient = other_patient.patient if other_patient else booked.patient

    insert = (
        "INSERT INTO appointments (therapist_id, patient_id, organization_id, starts_at, ends_at, status, notes)"
        " VALUES (%s, %s, %s, %s, %s, 'scheduled', '')"
    )
    moved = (booked.starts_at + timedelta(minutes=10), booked.ends_at + timedelta(minutes=10))
    with (
        pytest.raises(IntegrityError, match="appointments_therapist_no_overlap"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(insert, [booked.therapist_id, patient.pk, booked.organization_id, *moved])


@pytest.mark.postgresql
def test_the_database_refuses_an_overlapping_appointment_of_one_patient(clinic_run):
    booked = Appointment.objects.exclude(status=Appointment.Status.CANCELLED).first()
    other_therapist = Profile.objects.filter(role=Profile.Role.THERAPIST).exclude(pk=booked.therapist_id).first()

    with pytest.raises(IntegrityError, match="appointments_patient_no_overlap"), transaction.atomic():
        Appointment.objects.create(
            therapist=other_therapist,
            patient=booked.patient,
            organization=booked.organization,
            starts_at=booked.starts_at,
            ends_at=booked.ends_at,
        )


@pytest.mark.postgresql
def test_a_cancelled_appointment_frees_its_slot_in_the_database(clinic_run):
    cancelled = Appointment.objects.filter(status=Appointment.Status.CANCELLED).first()

    Appointment.objects.create(
        therapist=cancelled.therapist,
        patient=cancelled.patient,
        organization=cancelled.organization,
        starts_at=cancelled.starts_at,
        ends_at=cancelled.ends_at,
        status=Appointment.Status.COMPLETED,
    )

    assert Appointment.objects.filter(starts_at=cancelled.starts_at, therapist=cancelled.therapist).count() == 2


def test_the_database_refuses_an_appointment_that_ends_before_it_starts_or_has_an_unknown_status(clinic_run):
    booked = Appointment.objects.first()
    fields = {"therapist": booked.therapist, "patient": booked.patient, "organization": booked.organization}

    with pytest.raises(IntegrityError, match="appointments_ends_after_start"), transaction.atomic():
        Appointment.objects.create(**fields, starts_at=booked.ends_at, ends_at=booked.starts_at)
    with pytest.raises(IntegrityError, match="appointments_status_check"), transaction.atomic():
        Appointment.objects.create(**fields, starts_at=booked.starts_at, ends_at=booked.ends_at, status="maybe")
    assert not Appointment.objects.filter(Q(status="maybe") | Q(ends_at__lte=F("starts_at"))).exists()


# The same rules as plain SQL over the tables, as a reviewer would write them. Each query counts the
# appointments breaking one rule. TIME_ZONE is UTC, so a stored time is the clinic's wall-clock time.
SQL_CLOCK = {
    "postgresql": {
        "weekday": "(EXTRACT(ISODOW FROM {t} AT TIME ZONE 'UTC')::int - 1)",
        "day": "({t} AT TIME ZONE 'UTC')::date",
        "clock": "({t} AT TIME ZONE 'UTC')::time",
        "stamp": "{t}",
        "plus_gap": "{t} + INTERVAL '15 minutes'",
        "minutes": "(EXTRACT(EPOCH FROM a.ends_at - a.starts_at) / 60)",
    },
    "sqlite": {
        "weekday": "((CAST(strftime('%%w', {t}) AS INTEGER) + 6) %% 7)",
        "day": "date({t})",
        "clock": "time({t})",
        "stamp": "datetime({t})",
        "plus_gap": "datetime({t}, '+15 minutes')",
        "minutes": "ROUND((julianday(a.ends_at) - julianday(a.starts_at)) * 1440)",
    },
}
RULES_AS_SQL = {
    "outside a weekly window of its therapist in its clinic on that weekday": """
        SELECT COUNT(*) FROM appointments a WHERE NOT EXISTS (
            SELECT 1 FROM weekly_availability w
            WHERE w.therapist_id = a.therapist_id AND w.organization_id = a.organization_id
              AND w.weekday = {weekday:a.starts_at}
              AND w.start_time <= {clock:a.starts_at} AND w.end_time >= {clock:a.ends_at})""",
    "on a full-day unavailable exception": """
        SELECT COUNT(*) FROM appointments a JOIN availability_exceptions e
          ON e.therapist_id = a.therapist_id AND e.organization_id = a.organization_id
         AND e.date = {day:a.starts_at} AND NOT e.is_available AND e.start_time IS NULL""",
    "across a partial unavailable exception": """
        SELECT COUNT(*) FROM appointments a JOIN availability_exceptions e
          ON e.therapist_id = a.therapist_id AND e.organization_id = a.organization_id
         AND e.date = {day:a.starts_at} AND NOT e.is_available
         AND e.start_time < {clock:a.ends_at} AND e.end_time > {clock:a.starts_at}""",
    "less than the gap from another of the therapist's": """
        SELECT COUNT(*) FROM appointments a JOIN appointments b
          ON a.therapist_id = b.therapist_id AND a.id <> b.id
         AND {stamp:a.starts_at} < {plus_gap:b.ends_at} AND {stamp:b.starts_at} < {plus_gap:a.ends_at}""",
    "at the same time as another of the patient's": """
        SELECT COUNT(*) FROM appointments a JOIN appointments b
          ON a.patient_id = b.patient_id AND a.id <> b.id
         AND {stamp:a.starts_at} < {stamp:b.ends_at} AND {stamp:b.starts_at} < {stamp:a.ends_at}""",
    "not with the patient's own therapist in the patient's clinic": """
        SELECT COUNT(*) FROM appointments a WHERE NOT EXISTS (
            SELECT 1 FROM enrollments e
            WHERE e.patient_id = a.patient_id AND e.therapist_id = a.therapist_id
              AND e.organization_id = a.organization_id)""",
    "not 30, 45 or 60 minutes long": "SELECT COUNT(*) FROM appointments a WHERE {minutes} NOT IN (30, 45, 60)",
    "scheduled in the past, or anything but scheduled in the future": """
        SELECT COUNT(*) FROM appointments a
        WHERE ({day:a.starts_at} <= %s AND a.status = 'scheduled')
           OR ({day:a.starts_at} > %s AND a.status <> 'scheduled')""",
}


def _sql(rule: str) -> str:
    clock = SQL_CLOCK[connection.vendor]
    return re.sub(r"\{(\w+)(?::([\w.]+))?\}", lambda match: clock[match[1]].format(t=match[2]), RULES_AS_SQL[rule])


@pytest.mark.parametrize("rule", RULES_AS_SQL)
def test_no_appointment_of_a_clinic_run_breaks_a_rule_by_sql(clinic_run, rule):
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM appointments", [])
        assert cursor.fetchone()[0] == 20 * 8
        cursor.execute(_sql(rule), [END_DATE, END_DATE] if "%s" in RULES_AS_SQL[rule] else [])
        assert cursor.fetchone()[0] == 0


def test_past_appointments_by_sql_are_mostly_completed_with_some_cancelled_and_no_shows(clinic_run):
    day = SQL_CLOCK[connection.vendor]["day"].format(t="starts_at")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT status, COUNT(*) FROM appointments WHERE {day} <= %s GROUP BY status", [END_DATE])
        past = dict(cursor.fetchall())
        cursor.execute(f"SELECT COUNT(*) FROM appointments WHERE {day} > %s", [END_DATE])
        future = cursor.fetchone()[0]

    assert set(past) == {"completed", "cancelled", "no_show"}
    assert past["completed"] > past["cancelled"] + past["no_show"]
    assert future > 0


def test_the_sql_checks_catch_a_broken_row(clinic_run):
    """The queries above can fail: an appointment moved onto another's, and made two hours long, is counted."""
    booked = Appointment.objects.exclude(status=Appointment.Status.CANCELLED).order_by("pk")
    first, second = booked[0], booked.filter(therapist=booked[0].therapist)[1]
    # Cancelled, so that PostgreSQL's exclusion constraints let it in; the gap rule counts it all the same.
    Appointment.objects.filter(pk=second.pk).update(
        starts_at=first.starts_at, ends_at=first.starts_at + GAP * 8, status=Appointment.Status.CANCELLED
    )
    counts = {}
    with connection.cursor() as cursor:
        for rule in RULES_AS_SQL:
            cursor.execute(_sql(rule), [END_DATE, END_DATE] if "%s" in RULES_AS_SQL[rule] else [])
            counts[rule] = cursor.fetchone()[0]

    assert counts["less than the gap from another of the therapist's"] >= 2
    assert counts["not 30, 45 or 60 minutes long"] == 1
