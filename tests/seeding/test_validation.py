"""Every invalid field is named in the error and nothing is written; a disabled environment refuses everything."""

from dataclasses import replace
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from faker.providers.person.pt_BR import Provider as BrazilianNames

from clinic.models import CheckIn, Profile
from seeding.models import SeedRun
from seeding.pools import NOTE_PHRASES
from seeding.request import API_LIMITS, SeedRequest, command_limits
from seeding.service import SeedingDisabled, clear_synthetic_data, generate, undo_run

VALID = SeedRequest(patients_count=2, therapists_count=1, checkins_per_user=5, seed=1)
DISABLED_MESSAGE = "Seeding is only allowed in development environment"


def assert_invalid(request: SeedRequest, field: str, **kwargs) -> None:
    """generate() names the field, mentions every field the request got wrong, and writes nothing."""
    with pytest.raises(ValidationError) as excinfo:
        generate(request, **({"limits": command_limits()} | kwargs), source="command")
    messages = " ".join(excinfo.value.message_dict[field])
    wrong = {name for name, value in request.__dict__.items() if value != getattr(VALID, name)}
    assert all(name in messages for name in wrong), messages
    assert not SeedRun.objects.exists()
    assert not Profile.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"patients_count": -1}, "patients_count"),
        ({"therapists_count": -1}, "therapists_count"),
        ({"admins_count": -1}, "admins_count"),
        ({"checkins_per_user": 0}, "checkins_per_user"),
        ({"checkins_per_user": 366}, "checkins_per_user"),
        ({"mood_pattern": "gloomy"}, "mood_pattern"),
        ({"locale": "xx_XX"}, "locale"),
        ({"with_logins": True}, "password"),
        ({"password": "pw-123"}, "password"),
        ({"patients_count": 0, "therapists_count": 0}, "non_field_errors"),
        ({"seed": -1}, "seed"),
        ({"patients_count": "5"}, "patients_count"),
        ({"clear_db": "yes"}, "clear_db"),
    ],
)
def test_an_invalid_field_is_named_and_nothing_is_written(overrides, field):
    assert_invalid(replace(VALID, **overrides), field)


@pytest.mark.django_db
def test_a_future_end_date_is_refused():
    assert_invalid(replace(VALID, end_date=timezone.localdate() + timedelta(days=1)), "end_date")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"patients_count": 101}, "patients_count"),
        ({"therapists_count": 51}, "therapists_count"),
        ({"admins_count": 11}, "admins_count"),
    ],
)
def test_the_endpoint_limits_are_enforced(overrides, field):
    assert_invalid(replace(VALID, **overrides), field, limits=API_LIMITS)


def test_the_endpoint_limits_themselves_are_allowed():
    request = replace(VALID, patients_count=100, therapists_count=50, admins_count=10, checkins_per_user=365)

    assert request.validated(API_LIMITS) is request


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["patients_count", "therapists_count", "admins_count"])
def test_the_command_limits_follow_the_setting(settings, field):
    settings.SEEDING_MAX_PATIENTS = 20

    assert replace(VALID, **{field: 20}).validated(command_limits())
    assert_invalid(replace(VALID, **{field: 21}), field)


@pytest.mark.django_db
def test_a_disabled_environment_refuses_to_generate(settings):
    settings.SEEDING_ENABLED = False

    with pytest.raises(SeedingDisabled, match=DISABLED_MESSAGE):
        generate(VALID, limits=command_limits(), source="command")
    assert not SeedRun.objects.exists()
    assert not Profile.objects.exists()


@pytest.mark.django_db
def test_a_disabled_environment_refuses_to_clear_or_undo(settings):
    report = generate(VALID, limits=command_limits(), source="command")
    settings.SEEDING_ENABLED = False

    with pytest.raises(SeedingDisabled, match=DISABLED_MESSAGE):
        clear_synthetic_data(source="command")
    with pytest.raises(SeedingDisabled, match=DISABLED_MESSAGE):
        undo_run(report.run_id, source="command")
    assert Profile.objects.count() == 3
    assert CheckIn.objects.count() == 10
    assert SeedRun.objects.get().status == SeedRun.Status.SUCCEEDED


@pytest.mark.django_db
def test_pt_br_gives_portuguese_names_and_notes_with_ascii_emails():
    generate(
        SeedRequest(patients_count=20, therapists_count=2, checkins_per_user=30, seed=3, locale="pt_BR"),
        limits=command_limits(),
        source="command",
    )

    profiles = Profile.objects.all()
    for profile in profiles:
        assert any(
            profile.full_name.startswith(f"{first} ")
            and profile.full_name[len(first) + 1 :] in BrazilianNames.last_names
            for first in BrazilianNames.first_names
        ), profile.full_name
        assert profile.email.isascii()
    # Some names carry accents, so the ASCII emails above show they were folded.
    assert not all(profile.full_name.isascii() for profile in profiles)
    notes = set(CheckIn.objects.exclude(notes="").values_list("notes", flat=True))
    assert notes
    assert notes <= set(NOTE_PHRASES["pt"])
