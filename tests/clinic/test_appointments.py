"""An appointment's clean() applies the clinic's scheduling rule; a profile's admin page lists its appointments."""

from datetime import UTC, date, datetime, time

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from model_bakery import baker

from clinic.models import (
    APPOINTMENT_ENROLLMENT_MESSAGE,
    APPOINTMENT_PROBLEM_MESSAGES,
    APPOINTMENT_SAME_DAY_MESSAGE,
    Appointment,
    AvailabilityException,
    Enrollment,
    Organization,
    Profile,
    WeeklyAvailability,
)
from clinic.scheduling import (
    DURING_UNAVAILABILITY,
    OUTSIDE_AVAILABILITY,
    PATIENT_ALREADY_BOOKED,
    TOO_CLOSE_TO_THERAPISTS_APPOINTMENT,
    WRONG_DURATION,
    appointment_conflicts,
)

MONDAY = date(2025, 3, 3)


def at(hour: int, minute: int = 0, day: date = MONDAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


@pytest.fixture
def clinic(db):
    """A therapist available on Mondays 9:00-12:00 in one clinic, and their enrolled patient."""
    organization = baker.make(Organization, slug="clinic")
    therapist = baker.make(Profile, role=Profile.Role.THERAPIST, email="t@clinic.test")
    patient = baker.make(Profile, role=Profile.Role.PATIENT, email="p@clinic.test")
    baker.make(Enrollment, patient=patient, therapist=therapist, organization=organization)
    baker.make(
        WeeklyAvailability,
        therapist=therapist,
        organization=organization,
        weekday=0,
        start_time=time(9),
        end_time=time(12),
    )
    return {"therapist": therapist, "patient": patient, "organization": organization}


def appointment(clinic, start: datetime, end: datetime, **fields) -> Appointment:
    return Appointment(**clinic, starts_at=start, ends_at=end, **fields)


def messages(problem: str) -> list[str]:
    return [APPOINTMENT_PROBLEM_MESSAGES[problem]]


def test_an_appointment_inside_the_availability_is_valid(clinic):
    appointment(clinic, at(9), at(9, 45)).full_clean()


@pytest.mark.parametrize(
    ("start", "end", "problem"),
    [
        (at(9), at(9, 50), WRONG_DURATION),
        (at(11, 30), at(12, 15), OUTSIDE_AVAILABILITY),
        (at(9, 0, date(2025, 3, 4)), at(9, 30, date(2025, 3, 4)), OUTSIDE_AVAILABILITY),
    ],
)
def test_an_appointment_of_the_wrong_length_or_outside_the_availability_is_invalid(clinic, start, end, problem):
    with pytest.raises(ValidationError) as caught:
        appointment(clinic, start, end).full_clean()

    assert caught.value.messages == messages(problem)


@pytest.mark.parametrize(("start", "end"), [(None, None), (time(10), time(11))], ids=["full-day", "partial"])
def test_an_appointment_during_an_unavailable_exception_is_invalid(clinic, start, end):
    baker.make(
        AvailabilityException,
        therapist=clinic["therapist"],
        organization=clinic["organization"],
        date=MONDAY,
        start_time=start,
        end_time=end,
        is_available=False,
    )

    with pytest.raises(ValidationError) as caught:
        appointment(clinic, at(10, 30), at(11)).full_clean()

    assert caught.value.messages == messages(DURING_UNAVAILABILITY)


def test_an_appointment_closer_than_the_gap_to_the_therapists_other_one_is_invalid(clinic):
    other = baker.make(Profile, role=Profile.Role.PATIENT, email="o@clinic.test")
    appointment({**clinic, "patient": other}, at(9), at(9, 30)).save()

    with pytest.raises(ValidationError) as caught:
        appointment(clinic, at(9, 40), at(10, 10)).full_clean()
    appointment(clinic, at(9, 45), at(10, 15)).full_clean()  # exactly the gap is fine

    assert caught.value.messages == messages(TOO_CLOSE_TO_THERAPISTS_APPOINTMENT)


def test_a_cancelled_appointment_frees_its_slot(clinic):
    appointment(clinic, at(9), at(9, 30), status=Appointment.Status.CANCELLED).save()

    appointment(clinic, at(9), at(9, 30)).full_clean()


def test_an_appointment_with_another_therapist_or_clinic_than_the_patients_is_invalid(clinic):
    elsewhere = baker.make(Organization, slug="elsewhere")

    with pytest.raises(ValidationError) as caught:
        appointment({**clinic, "organization": elsewhere}, at(9), at(9, 30)).full_clean()

    enrollment = Enrollment.objects.get()
    expected = APPOINTMENT_ENROLLMENT_MESSAGE.format(
        organization=enrollment.organization, therapist=enrollment.therapist
    )
    assert caught.value.messages == [expected]


def test_an_appointment_over_midnight_is_invalid(clinic):
    with pytest.raises(ValidationError) as caught:
        appointment(clinic, at(23, 45), at(0, 15, date(2025, 3, 4))).full_clean()

    assert caught.value.messages == [APPOINTMENT_SAME_DAY_MESSAGE]


def test_the_rule_refuses_a_patients_second_appointment_at_once():
    calendar = {"windows": [(time(9), time(12))], "unavailable": [], "therapist_appointments": []}

    assert appointment_conflicts(
        time(9), time(9, 30), patient_appointments=[(time(9, 15), time(9, 45))], **calendar
    ) == [PATIENT_ALREADY_BOOKED]
    assert appointment_conflicts(time(9), time(9, 30), patient_appointments=[(time(9, 30), time(10))], **calendar) == []


def test_a_therapists_page_lists_their_appointments_and_a_patients_page_theirs(admin_client, clinic):
    booked = appointment(clinic, at(9), at(9, 45), notes="First visit")
    booked.save()

    for profile in (clinic["therapist"], clinic["patient"]):
        response = admin_client.get(reverse("admin:clinic_profile_change", args=[profile.pk]))
        assert response.status_code == 200
        assert "First visit" in response.content.decode()


def test_the_appointment_changelist_lists_appointments(admin_client, clinic):
    booked = appointment(clinic, at(9), at(9, 45))
    booked.save()

    response = admin_client.get(reverse("admin:clinic_appointment_changelist"))

    assert list(response.context["cl"].result_list) == [booked]
