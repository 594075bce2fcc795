import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from rest_framework.test import APIClient
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from config.wsgi import application
from seeding.request import API_LIMITS, CHECKINS_PER_USER_RANGE, MOOD_PATTERNS, SEED_RANGE, SeedRequest
from seeding.shards import MAX_SHARDS
from tests.seeding.conftest import jwt_for
from tests.seeding.test_hardening import HOSTILE_BODIES

DEFAULTS = SeedRequest()
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
# Bounded, and the same examples on every run, so CI stays fast and a failure can be replayed.
FUZZING = settings(
    max_examples=30, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)


@pytest.fixture
def openapi(db, admin_api) -> dict:
    response = admin_api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_schema_is_openapi_3(openapi):
    assert openapi["openapi"].startswith("3.")
    assert {"/api/admin/generate-data", "/api/admin/clear-data", "/api/auth/token/"} <= set(openapi["paths"])
    assert "/api/admin/generate-data/" not in openapi["paths"]


def test_schema_states_every_field_range_and_default(openapi):
    fields = openapi["components"]["schemas"]["GenerateDataOrQueueRequest"]["properties"]

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
    assert fields["background"] == {**fields["background"], "type": "boolean", "default": False}
    assert bounds("shards") == (1, MAX_SHARDS, 1)
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
def test_swagger_ui_is_served(staff_user):
    client = APIClient()
    client.force_login(staff_user)

    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert b"swagger-ui" in response.content
    assert b"/api/schema/" in response.content


@pytest.fixture
def headers(transactional_db, empty_cache, settings, staff_user) -> dict:
    # Fuzzing sends far more than a person would; throttling has its own tests.
    settings.SEEDING_API_RATE = settings.SEEDING_LOGIN_RATE = "100000/min"
    return {"Authorization": f"Bearer {jwt_for(staff_user)}"}


# transaction=True: Django's WSGI handler closes the connection after each request, ending any test transaction.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_input_causes_a_server_error_and_responses_match_the_schema(headers, mode):
    api_schema = schemathesis.openapi.from_wsgi("/api/schema/", application, headers=headers)
    for result in api_schema.get_all_operations():
        operation = result.ok()
        takes_input = any(operation.iter_parameters()) or operation.get_request_payload_content_types()
        if mode is GenerationMode.NEGATIVE and not takes_input:
            continue  # nothing to make invalid (the development endpoint takes no input)

        @given(case=operation.as_strategy(mode))
        @settings(FUZZING)
        def call(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        call()


@pytest.mark.django_db
@pytest.mark.parametrize("body", [param.values[0] for param in HOSTILE_BODIES], ids=[p.id for p in HOSTILE_BODIES])
def test_every_operation_that_takes_json_answers_hostile_bodies_with_a_400(openapi, admin_api, body):
    operations = [
        (path, method)
        for path, methods in openapi["paths"].items()
        for method, operation in methods.items()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    ]
    assert len(operations) >= 4

    statuses = {
        (path, method): getattr(admin_api, method)(path, body, content_type="application/json").status_code
        for path, method in operations
    }

    assert set(statuses.values()) == {400}, statuses
