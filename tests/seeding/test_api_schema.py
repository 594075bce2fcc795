import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from rest_framework.test import APIClient
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from config.wsgi import application
from seeding.api import SeedingRateThrottle
from seeding.request import API_LIMITS, CHECKINS_PER_USER_RANGE, MOOD_PATTERNS, SEED_RANGE, SeedRequest
from tests.seeding.conftest import jwt_for

DEFAULTS = SeedRequest()
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
# Bounded, and the same examples on every run, so CI stays fast and a failure can be replayed.
FUZZING = settings(
    max_examples=30, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)


@pytest.fixture
def openapi(db) -> dict:
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_schema_is_public_openapi_3(openapi):
    assert openapi["openapi"].startswith("3.")
    assert {"/api/admin/generate-data", "/api/admin/clear-data", "/api/auth/token/"} <= set(openapi["paths"])
    assert "/api/admin/generate-data/" not in openapi["paths"]


def test_schema_states_every_field_range_and_default(openapi):
    fields = openapi["components"]["schemas"]["GenerateDataRequest"]["properties"]

    def bounds(name):
        return fields[name]["minimum"], fields[name]["maximum"], fields[name].get("default")

    assert bounds("patients_count") == (0, API_LIMITS.max_patients, DEFAULTS.patients_count)
    assert bounds("therapists_count") == (0, API_LIMITS.max_therapists, DEFAULTS.therapists_count)
    assert bounds("admins_count") == (0, API_LIMITS.max_admins, DEFAULTS.admins_count)
    assert bounds("checkins_per_user") == (*CHECKINS_PER_USER_RANGE, DEFAULTS.checkins_per_user)
    assert bounds("seed")[:2] == SEED_RANGE
    assert bounds("num_users") == (1, API_LIMITS.max_patients, None)
    assert fields["mood_pattern"]["default"] == "stable"
    assert openapi["components"]["schemas"]["MoodPatternEnum"]["enum"] == list(MOOD_PATTERNS)
    assert fields["clear_db"] == {**fields["clear_db"], "type": "boolean", "default": False}
    assert fields["end_date"]["format"] == "date"
    assert all(field.get("description") for field in fields.values())


def test_schema_documents_the_error_responses(openapi):
    generate = openapi["paths"]["/api/admin/generate-data"]["post"]

    assert {"200", "400", "401", "403", "429"} <= set(generate["responses"])
    assert list(generate["requestBody"]["content"]) == ["application/json"]
    assert {"jwtAuth": []} in generate["security"]
    statistics = openapi["components"]["schemas"]["GenerateDataStatistics"]
    assert "admins_created" not in statistics["required"]
    assert {"users_created", "user_ids", "generated_at", "seed", "run_id", "elapsed_seconds"} <= set(
        statistics["required"]
    )


@pytest.mark.django_db
def test_swagger_ui_is_served():
    response = APIClient().get("/api/docs/")

    assert response.status_code == 200
    assert b"swagger-ui" in response.content
    assert b"/api/schema/" in response.content


@pytest.fixture
def api_schema(transactional_db, empty_cache, monkeypatch):
    # Fuzzing sends far more than a person would; throttling has its own tests.
    monkeypatch.setattr(SeedingRateThrottle, "THROTTLE_RATES", {"seeding": "100000/min"})
    return schemathesis.openapi.from_wsgi("/api/schema/", application)


# transaction=True: Django's WSGI handler closes the connection after each request, ending any test transaction.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_input_causes_a_server_error_and_responses_match_the_schema(api_schema, staff_user, mode):
    headers = {"Authorization": f"Bearer {jwt_for(staff_user)}"}
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy(mode))
        @settings(FUZZING)
        def call(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        call()
