"""Generated values that collide with existing rows are regenerated; a violation that persists is an error."""

from dataclasses import replace
from datetime import date
from uuid import uuid4

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from model_bakery import baker

from clinic.models import CheckIn, Profile
from seeding.context import RunContext
from seeding.generators.identity import ProfileIdentity, profile_identity
from seeding.models import SeedRun
from seeding.request import SeedRequest, command_limits
from seeding.service import SeedingConflict, generate
from tests.conftest import database_rows

REQUEST = SeedRequest(patients_count=5, therapists_count=2, checkins_per_user=30, seed=21, end_date=date(2026, 1, 31))
ONE_SYNTHETIC_PROFILE_PER_ROLE = (
    "CREATE UNIQUE INDEX one_synthetic_per_role ON profiles (role) WHERE synthetic_run_id IS NOT NULL"
)


def planned_identity(request: SeedRequest, role: str, index: int) -> ProfileIdentity:
    """The identity the run will give this profile, rebuilt the way generate() builds it."""
    ctx = RunContext.for_request(request, seed=request.seed, run_id=uuid4())
    return profile_identity(ctx, role, index)


def assert_exact_counts() -> None:
    synthetic = Profile.objects.filter(is_test_patient=True)
    assert synthetic.filter(role=Profile.Role.PATIENT).count() == 5
    assert synthetic.filter(role=Profile.Role.THERAPIST).count() == 2
    assert CheckIn.objects.filter(user__is_test_patient=True).count() == 150
    assert all(patient.check_ins.count() == 30 for patient in synthetic.filter(role=Profile.Role.PATIENT))


@pytest.fixture
def one_synthetic_profile_per_role():
    """An index that makes the database itself reject every further synthetic profile of a role."""
    with connection.cursor() as cursor:
        cursor.execute(ONE_SYNTHETIC_PROFILE_PER_ROLE)
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS one_synthetic_per_role")


@pytest.mark.django_db
def test_a_real_profile_holding_a_generated_email_is_left_alone():
    planned = planned_identity(REQUEST, Profile.Role.PATIENT, 0)
    real = baker.make(Profile, role=Profile.Role.PATIENT, email=planned.email, full_name="Real Person")
    before = list(Profile.objects.filter(pk=real.pk).values())

    generate(REQUEST, limits=command_limits(), source="command")

    assert_exact_counts()
    assert list(Profile.objects.filter(pk=real.pk).values()) == before
    assert not real.check_ins.exists()
    assert not Profile.objects.filter(pk=planned.id).exists()  # patient 0 was regenerated as a whole


@pytest.mark.django_db
def test_a_real_profile_holding_a_generated_id_is_left_alone():
    planned = planned_identity(REQUEST, Profile.Role.THERAPIST, 1)
    real = baker.make(Profile, id=planned.id, role=Profile.Role.PATIENT, email="real.patient@clinic.test")
    before = list(Profile.objects.filter(pk=real.pk).values())

    generate(REQUEST, limits=command_limits(), source="command")

    assert_exact_counts()
    assert list(Profile.objects.filter(pk=real.pk).values()) == before
    assert not Profile.objects.filter(email=planned.email).exists()


@pytest.mark.django_db
def test_a_real_login_holding_a_generated_username_is_left_alone():
    request = replace(REQUEST, with_logins=True, password="pw-123")
    planned = planned_identity(request, Profile.Role.PATIENT, 3)
    real = baker.make(get_user_model(), username=planned.email)
    before = list(get_user_model().objects.filter(pk=real.pk).values())

    generate(request, limits=command_limits(), source="command")

    assert_exact_counts()
    assert list(get_user_model().objects.filter(pk=real.pk).values()) == before
    assert get_user_model().objects.filter(profile__is_test_patient=True).count() == 7


@pytest.mark.django_db
def test_the_same_seed_twice_without_clearing_adds_a_second_set_of_rows():
    first = generate(REQUEST, limits=command_limits(), source="command")
    second = generate(REQUEST, limits=command_limits(), source="command")

    assert Profile.objects.filter(synthetic_run_id=first.run_id).count() == 7
    assert Profile.objects.filter(synthetic_run_id=second.run_id).count() == 7
    assert CheckIn.objects.filter(user__synthetic_run_id=second.run_id).count() == 150
    second_ids = Profile.objects.filter(synthetic_run_id=second.run_id).values_list("id", flat=True)
    assert set(first.user_ids).isdisjoint(str(pk) for pk in second_ids)


@pytest.mark.django_db
def test_a_violation_that_persists_fails_after_three_tries_and_writes_nothing(one_synthetic_profile_per_role):
    generate(SeedRequest(patients_count=1, therapists_count=0, seed=1), limits=command_limits(), source="command")
    before = database_rows()

    with pytest.raises(SeedingConflict, match="3 times"):
        generate(SeedRequest(patients_count=1, therapists_count=0, seed=2), limits=command_limits(), source="command")

    assert database_rows() == before
    failed = SeedRun.objects.get(status=SeedRun.Status.FAILED)
    assert "3 times" in failed.error


@pytest.mark.django_db
def test_a_real_licence_number_that_reads_none_does_not_collide_with_patients_who_have_none():
    """Patients have no licence number (NULL), which no stored licence number can collide with."""
    baker.make(Profile, role=Profile.Role.THERAPIST, email="real@clinic.test", licence_number="None")

    generate(REQUEST, limits=command_limits(), source="command")

    assert_exact_counts()
