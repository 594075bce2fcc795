"""POST /api/db/seed: development only; clears the synthetic data and seeds demo-clinic."""

import pytest
from django.db import connection
from model_bakery import baker
from rest_framework.test import APIClient

from clinic.models import AvailabilityException, Organization, Profile, WeeklyAvailability
from seeding import dev_api
from seeding.models import SeedRun
from seeding.service import SEEDING_DISABLED_MESSAGE

URL = "/api/db/seed"


@pytest.fixture
def development(settings):
    settings.DEBUG = True
    settings.SEEDING_ENABLED = True
    return settings


@pytest.mark.django_db
def test_post_seeds_demo_clinic_and_answers_with_its_counts(development):
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
    # Nine therapists (the tenth staff member is the admin), 3-5 templates and 2-4 exceptions each.
    assert 27 <= success["weeklyTemplates"] == WeeklyAvailability.objects.count() <= 45
    assert 18 <= success["availabilityExceptions"] == AvailabilityException.objects.count() <= 36
    run = SeedRun.objects.get(kind=SeedRun.Kind.GENERATE)
    assert run.source == SeedRun.Source.API
    assert body["runId"] == str(run.id)


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
def test_a_database_failure_answers_500_naming_the_run_not_the_database(development):
    # Every generated check-in has a mood from 1 to 10, so a unique index on it refuses the run's rows.
    with connection.cursor() as cursor:
        cursor.execute("CREATE UNIQUE INDEX test_refuses_checkins ON check_ins (mood)")

    response = APIClient().post(URL)

    assert response.status_code == 500
    body = response.json()
    run = SeedRun.objects.get(kind=SeedRun.Kind.GENERATE)
    assert run.status == SeedRun.Status.FAILED
    assert set(body["success"].values()) == {0}
    assert str(run.id) in body["errors"][0]
    assert "test_refuses_checkins" not in response.content.decode()
    assert "check_ins.mood" not in response.content.decode()
    assert run.error
    assert not Profile.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"HTTP_ORIGIN": "https://evil.example"}, id="foreign-origin"),
        pytest.param({"HTTP_ORIGIN": "null"}, id="opaque-origin"),
        pytest.param({"HTTP_REFERER": "https://evil.example/page.html"}, id="foreign-referer"),
    ],
)
def test_a_cross_site_request_is_refused_and_changes_nothing(development, headers):
    response = APIClient().post(URL, **headers)

    assert response.status_code == 403
    assert response.json() == {"detail": dev_api.CROSS_SITE_MESSAGE}
    assert not SeedRun.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
)
def test_a_body_a_web_page_could_send_is_refused(development, content_type):
    response = APIClient().post(URL, "anything", content_type=content_type)

    assert response.status_code == 403
    assert not SeedRun.objects.exists()


@pytest.mark.django_db
def test_own_and_trusted_origins_may_call_it(development):
    development.CSRF_TRUSTED_ORIGINS = ["https://clinic-frontend.example"]

    assert APIClient().post(URL, HTTP_ORIGIN="http://testserver").status_code == 200
    assert APIClient().post(URL, HTTP_ORIGIN="https://clinic-frontend.example").status_code == 200


@pytest.mark.django_db
@pytest.mark.usefixtures("empty_cache")
def test_it_is_throttled_per_address_at_seeding_api_rate(development):
    development.SEEDING_API_RATE = "1/min"

    assert APIClient().post(URL).status_code == 200
    assert APIClient().post(URL).status_code == 429


@pytest.mark.django_db
def test_the_schema_lists_it_as_development_only(development):
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    operation = response.json()["paths"]["/api/db/seed"]["post"]
    assert operation["summary"].startswith("Development only")
    assert "runId" in response.json()["components"]["schemas"]["DevelopmentSeed"]["properties"]
