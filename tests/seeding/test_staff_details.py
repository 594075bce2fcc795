"""Staff details: therapists' names, licences, specializations and phones; the demo-clinic admin admin@seed.local."""

import re
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from clinic.models import Membership, Profile
from seeding import service
from seeding.generators.profiles import SPECIALIZATIONS
from seeding.permissions import may_clear, may_generate
from seeding.request import command_limits
from seeding.scenarios import scenario_request

END_DATE = date(2025, 3, 3)


def generate(request):
    return service.generate(request, limits=command_limits(), source="command")


@pytest.fixture
def demo_clinic(db):
    return generate(scenario_request("demo-clinic", seed=8, end_date=END_DATE, checkins_per_user=1))


def test_therapists_carry_names_a_unique_licence_a_specialization_and_phone_numbers(demo_clinic):
    therapists = Profile.objects.filter(role=Profile.Role.THERAPIST)

    assert therapists.count() == 9
    for therapist in therapists:
        assert therapist.first_name
        assert therapist.last_name
        assert therapist.full_name == f"{therapist.first_name} {therapist.last_name}"
        assert re.fullmatch(r"PT\d{6,}", therapist.licence_number)
        assert therapist.specialization in SPECIALIZATIONS["en"]
        assert 1 <= len(therapist.phone_numbers) <= 2
        assert all(sum(ch.isdigit() for ch in phone) >= 7 for phone in therapist.phone_numbers)
    assert len(set(therapists.values_list("licence_number", flat=True))) == 9


def test_patients_and_admins_have_names_and_no_licence(demo_clinic):
    others = Profile.objects.exclude(role=Profile.Role.THERAPIST)

    assert not others.filter(licence_number__isnull=False).exists()
    assert not others.filter(first_name="").exists()
    assert all(phones == [] for phones in others.values_list("phone_numbers", flat=True))


def test_staff_details_follow_the_runs_locale(db):
    generate(scenario_request("demo-clinic", seed=8, end_date=END_DATE, checkins_per_user=1, locale="pt_BR"))
    therapists = Profile.objects.filter(role=Profile.Role.THERAPIST)

    assert all(t.licence_number.startswith("CREFITO-") for t in therapists)
    assert set(therapists.values_list("specialization", flat=True)) <= set(SPECIALIZATIONS["pt"])


def test_licences_stay_unique_across_runs(db):
    for seed in (1, 2, 3):
        generate(scenario_request("demo-clinic", seed=seed, end_date=END_DATE, checkins_per_user=1, with_logins=False))

    licences = list(Profile.objects.filter(role=Profile.Role.THERAPIST).values_list("licence_number", flat=True))
    assert len(licences) == len(set(licences)) == 27


def test_the_demo_clinic_admin_is_admin_at_seed_local_in_the_first_clinic_with_a_login(demo_clinic):
    admin = Profile.objects.get(email="admin@seed.local")

    assert (admin.role, admin.first_name, admin.last_name, admin.is_test_patient) == ("admin", "Seed", "Admin", True)
    membership = Membership.objects.get(profile=admin)
    assert (membership.role, membership.organization.slug) == ("admin", "kine-clinic-a")
    assert admin.user.username == "admin@seed.local"
    assert admin.user.check_password("Password123")


def test_the_demo_clinic_admin_grants_no_seeding_rights(demo_clinic, empty_cache):
    user = get_user_model().objects.get(username="admin@seed.local")
    client = APIClient()
    client.force_authenticate(user)

    response = client.post("/api/admin/generate-data", {"patients_count": 1}, format="json")

    assert not may_generate(user)
    assert not may_clear(user)
    assert response.status_code == 403


def test_a_second_demo_clinic_run_gives_its_admin_a_tagged_address(demo_clinic):
    generate(scenario_request("demo-clinic", seed=9, end_date=END_DATE, checkins_per_user=1, with_logins=False))

    emails = set(Profile.objects.filter(role=Profile.Role.ADMIN).values_list("email", flat=True))
    assert "admin@seed.local" in emails
    (tagged,) = emails - {"admin@seed.local"}
    assert re.fullmatch(r"admin\+[0-9a-f]{6}@seed\.local", tagged)
