import re
from datetime import date, time

import pytest
from django.core.exceptions import ValidationError
from model_bakery import baker

from clinic.models import SLOT_CONFLICT_MESSAGE, AvailabilityException, Organization, Profile, WeeklyAvailability


@pytest.fixture
def therapist(db):
    return baker.make(Profile, role=Profile.Role.THERAPIST)


@pytest.fixture
def organization(db):
    return baker.make(Organization)


@pytest.fixture
def monday_nine_to_ten(therapist, organization):
    return baker.make(
        WeeklyAvailability,
        therapist=therapist,
        organization=organization,
        weekday=WeeklyAvailability.Weekday.MONDAY,
        start_time=time(9),
        end_time=time(10),
    )


def test_weekly_slot_ten_minutes_after_a_sibling_is_invalid(monday_nine_to_ten):
    slot = baker.prepare(
        WeeklyAvailability,
        therapist=monday_nine_to_ten.therapist,
        organization=monday_nine_to_ten.organization,
        weekday=WeeklyAvailability.Weekday.MONDAY,
        start_time=time(10, 10),
        end_time=time(11),
    )

    with pytest.raises(ValidationError, match=re.escape(SLOT_CONFLICT_MESSAGE)):
        slot.full_clean()
    with pytest.raises(ValidationError, match=re.escape(SLOT_CONFLICT_MESSAGE)):
        slot.clean()


# Each case changes one thing about the clashing slot above, which makes it valid.
VALID_NEIGHBOURS = {
    "fifteen minutes after": {"start_time": time(10, 15)},
    "on another weekday": {"weekday": WeeklyAvailability.Weekday.TUESDAY},
    "in another organization": {"organization": lambda: baker.make(Organization)},
    "of another therapist": {"therapist": lambda: baker.make(Profile, role=Profile.Role.THERAPIST)},
}


@pytest.mark.parametrize("change", VALID_NEIGHBOURS.values(), ids=VALID_NEIGHBOURS.keys())
def test_a_weekly_slot_that_differs_from_its_clashing_sibling_in_one_way_is_valid(monday_nine_to_ten, change):
    fields = {
        "therapist": monday_nine_to_ten.therapist,
        "organization": monday_nine_to_ten.organization,
        "weekday": WeeklyAvailability.Weekday.MONDAY,
        "start_time": time(10, 10),
        "end_time": time(11),
    }
    fields.update({name: value() if callable(value) else value for name, value in change.items()})

    baker.prepare(WeeklyAvailability, **fields).full_clean()


def test_saved_weekly_slot_does_not_conflict_with_itself(monday_nine_to_ten):
    monday_nine_to_ten.full_clean()


def test_full_day_exception_conflicts_with_a_partial_one_on_the_same_date(therapist, organization):
    baker.make(
        AvailabilityException,
        therapist=therapist,
        organization=organization,
        date=date(2024, 3, 4),
        start_time=time(9),
        end_time=time(10),
    )
    full_day = baker.prepare(
        AvailabilityException, therapist=therapist, organization=organization, date=date(2024, 3, 4)
    )

    with pytest.raises(ValidationError, match=re.escape(SLOT_CONFLICT_MESSAGE)):
        full_day.full_clean()


def test_partial_exception_conflicts_with_a_full_day_one_on_the_same_date(therapist, organization):
    baker.make(AvailabilityException, therapist=therapist, organization=organization, date=date(2024, 3, 4))
    partial = baker.prepare(
        AvailabilityException,
        therapist=therapist,
        organization=organization,
        date=date(2024, 3, 4),
        start_time=time(9),
        end_time=time(10),
    )

    with pytest.raises(ValidationError, match=re.escape(SLOT_CONFLICT_MESSAGE)):
        partial.full_clean()


def test_full_day_exception_on_another_date_is_valid(therapist, organization):
    baker.make(
        AvailabilityException,
        therapist=therapist,
        organization=organization,
        date=date(2024, 3, 4),
        start_time=time(9),
        end_time=time(10),
    )
    full_day = baker.prepare(
        AvailabilityException, therapist=therapist, organization=organization, date=date(2024, 3, 5)
    )

    full_day.full_clean()


def test_saved_full_day_exception_does_not_conflict_with_itself(therapist, organization):
    full_day = baker.make(AvailabilityException, therapist=therapist, organization=organization, date=date(2024, 3, 4))

    full_day.full_clean()
