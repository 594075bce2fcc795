"""Each invariant is enforced by the database itself: rows are written without model validation."""

from datetime import date, time
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from model_bakery import baker

from clinic.models import AvailabilityException, CheckIn, Profile, TreatmentPlan, WeeklyAvailability


@pytest.mark.django_db
def test_invalid_role_is_rejected_naming_profiles_role_check():
    with pytest.raises(IntegrityError, match="profiles_role_check"), transaction.atomic():
        Profile.objects.create(email="someone@example.com", role="user")

    assert not Profile.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", Profile.Role.values)
def test_each_allowed_role_is_accepted(role):
    Profile.objects.create(email=f"{role}@example.com", role=role)

    assert Profile.objects.get().role == role


@pytest.mark.django_db
def test_duplicate_email_is_rejected():
    baker.make(Profile, email="twin@example.com")

    with pytest.raises(IntegrityError, match="email"), transaction.atomic():
        baker.make(Profile, email="twin@example.com")

    assert Profile.objects.count() == 1


@pytest.mark.django_db
def test_second_ongoing_plan_for_a_patient_is_rejected():
    patient = baker.make(Profile, role=Profile.Role.PATIENT)
    baker.make(TreatmentPlan, patient=patient, status=TreatmentPlan.Status.ONGOING)

    with pytest.raises(IntegrityError), transaction.atomic():
        baker.make(TreatmentPlan, patient=patient, status=TreatmentPlan.Status.ONGOING)

    assert patient.treatment_plans.count() == 1


@pytest.mark.django_db
def test_second_non_ongoing_plan_for_a_patient_is_accepted():
    patient = baker.make(Profile, role=Profile.Role.PATIENT)
    baker.make(TreatmentPlan, patient=patient, status=TreatmentPlan.Status.ONGOING)

    baker.make(TreatmentPlan, patient=patient, status=TreatmentPlan.Status.COMPLETED)
    baker.make(TreatmentPlan, patient=patient, status=TreatmentPlan.Status.COMPLETED)

    assert patient.treatment_plans.count() == 3


@pytest.mark.django_db
def test_ongoing_plans_of_different_patients_are_accepted():
    baker.make(TreatmentPlan, status=TreatmentPlan.Status.ONGOING, _quantity=2)

    assert TreatmentPlan.objects.filter(status=TreatmentPlan.Status.ONGOING).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("mood", 0),
        ("mood", 11),
        ("energy", 0),
        ("energy", 11),
        ("anxiety", 0),
        ("anxiety", 11),
        ("sleep_hours", Decimal("-0.5")),
        ("sleep_hours", Decimal("24.5")),
    ],
)
def test_check_in_score_out_of_range_is_rejected(make_check_in, field, value):
    with pytest.raises(IntegrityError, match=f"check_ins_{field}_range"), transaction.atomic():
        make_check_in(**{field: value})

    assert not CheckIn.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [("mood", 1), ("mood", 10), ("sleep_hours", Decimal("0")), ("sleep_hours", Decimal("24"))],
)
def test_check_in_score_at_range_bound_is_accepted(make_check_in, field, value):
    make_check_in(**{field: value})

    assert getattr(CheckIn.objects.get(), field) == value


@pytest.mark.django_db
def test_second_check_in_on_the_same_day_is_rejected(make_check_in):
    patient = baker.make(Profile, role=Profile.Role.PATIENT)
    make_check_in(user=patient, checkin_date=date(2024, 1, 15))

    with pytest.raises(IntegrityError), transaction.atomic():
        make_check_in(user=patient, checkin_date=date(2024, 1, 15))

    assert patient.check_ins.count() == 1


@pytest.mark.django_db
def test_check_in_on_another_day_is_accepted(make_check_in):
    patient = baker.make(Profile, role=Profile.Role.PATIENT)
    make_check_in(user=patient, checkin_date=date(2024, 1, 15))

    make_check_in(user=patient, checkin_date=date(2024, 1, 16))

    assert patient.check_ins.count() == 2


@pytest.mark.django_db
def test_check_ins_of_different_patients_on_the_same_day_are_accepted(make_check_in):
    make_check_in(checkin_date=date(2024, 1, 15))
    make_check_in(checkin_date=date(2024, 1, 15))

    assert CheckIn.objects.filter(checkin_date=date(2024, 1, 15)).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(("start", "end"), [(time(10), time(9)), (time(10), time(10))])
def test_weekly_availability_not_starting_before_its_end_is_rejected(start, end):
    with pytest.raises(IntegrityError, match="weekly_availability_starts_before_end"), transaction.atomic():
        baker.make(WeeklyAvailability, start_time=start, end_time=end)

    assert not WeeklyAvailability.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "end"),
    [
        (time(10), None),
        (None, time(10)),
        (time(10), time(9)),
    ],
)
def test_availability_exception_with_half_a_time_range_is_rejected(start, end):
    with (
        pytest.raises(IntegrityError, match="availability_exceptions_full_day_or_ordered_times"),
        transaction.atomic(),
    ):
        baker.make(AvailabilityException, start_time=start, end_time=end)

    assert not AvailabilityException.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("start", "end"), [(None, None), (time(9), time(10))])
def test_availability_exception_full_day_or_ordered_times_is_accepted(start, end):
    baker.make(AvailabilityException, start_time=start, end_time=end)

    assert AvailabilityException.objects.count() == 1
