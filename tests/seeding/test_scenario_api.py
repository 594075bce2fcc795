"""POST /api/db/seed (002): development only; clears the synthetic data and seeds demo-clinic."""

import pytest
from model_bakery import baker
from rest_framework.test import APIClient

from clinic.models import AvailabilityException, Organization, Profile, WeeklyAvailability
from seeding import dev_api
from seeding.models import SeedRun
from seeding.service import SEEDING_DISABLED_MESSAGE, SeedingError

URL = "/api/db/seed"


@pytest.fixture
def development(settings):
    settings.DEBUG = True
    settings.SEEDING_ENABLED = True
    return settings


@pytest.mark.django_db
def test_post_seeds_demo_clinic_and_answers_with_002s_counts(development):
    response = APIClient().post(URL)

    assert response.status_code == 200
    body = response.json()
    assert body["errors"] == []
    success = body["success"]
    assert set(success) == {
        "users",
        "organizations",
        "memberships",
        "patients",
        "treatmentPlans",
        "weeklyTemplates",
        "availabilityExceptions",
    }
    fixed = {key: success[key] for key in ("users", "organizations", "memberships", "patients", "treatmentPlans")}
    assert fixed == {"users": 30, "organizations": 3, "memberships": 10, "patients": 20, "treatmentPlans": 60}
    assert 30 <= success["weeklyTemplates"] == WeeklyAvailability.objects.count() <= 50
    assert 20 <= success["availabilityExceptions"] == AvailabilityException.objects.count() <= 40
    assert SeedRun.objects.get().source == SeedRun.Source.API


@pytest.mark.django_db
def test_post_replaces_the_synthetic_data_and_keeps_real_rows(development):
    real = baker.make(Organization, slug="kine-clinic-real")
    client = APIClient()

    client.post(URL)
    response = client.post(URL)

    assert response.status_code == 200
    assert set(Organization.objects.values_list("slug", flat=True)) == {
        "kine-clinic-a",
        "kine-clinic-b",
        "kine-clinic-c",
        real.slug,
    }
    assert Profile.objects.filter(is_test_patient=True).count() == 30


@pytest.mark.django_db
@pytest.mark.parametrize(("debug", "seeding_enabled"), [(False, True), (True, False), (False, False)])
def test_post_is_refused_outside_development_and_changes_nothing(settings, debug, seeding_enabled):
    settings.DEBUG, settings.SEEDING_ENABLED = debug, seeding_enabled
    real = baker.make(Organization, slug="real-clinic", synthetic_run_id=None)

    response = APIClient().post(URL)

    assert response.status_code == 403
    assert response.json() == {"detail": SEEDING_DISABLED_MESSAGE}
    assert list(Organization.objects.all()) == [real]
    assert not Profile.objects.exists()
    assert not SeedRun.objects.exists()


@pytest.mark.django_db
def test_only_post_is_allowed(development):
    assert APIClient().get(URL).status_code == 405
    assert not SeedRun.objects.exists()


@pytest.mark.django_db
def test_a_failed_run_answers_500_with_the_error_and_zero_counts(development, monkeypatch):
    def fail(*args, **kwargs):
        raise SeedingError("The run failed and wrote nothing: boom")

    monkeypatch.setattr(dev_api, "generate", fail)

    response = APIClient().post(URL)

    assert response.status_code == 500
    assert response.json()["errors"] == ["The run failed and wrote nothing: boom"]
    assert set(response.json()["success"].values()) == {0}


@pytest.mark.django_db
def test_the_development_endpoint_stays_out_of_the_api_schema():
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert "/api/db/seed" not in response.json()["paths"]
