import json

import pytest
from rest_framework.test import APIClient

from clinic.models import Profile
from seeding.models import SeedRun
from seeding.permissions import CLEAR_REFUSED_MESSAGE, GENERATE_REFUSED_MESSAGE, NOT_SEEDING_ADMIN_MESSAGE
from tests.seeding.conftest import PASSWORD, jwt_for, make_user

GENERATE = "/api/admin/generate-data"
BODY = {"patients_count": 1, "therapists_count": 1, "checkins_per_user": 2}
SOME_RUN = "/api/admin/seed-runs/00000000-0000-4000-8000-000000000000/"
ADMIN_ENDPOINTS = [
    ("post", GENERATE),
    ("post", "/api/admin/clear-data"),
    ("get", "/api/admin/seed-runs/"),
    ("get", SOME_RUN),
    ("delete", SOME_RUN),
]
REFUSALS = {NOT_SEEDING_ADMIN_MESSAGE, GENERATE_REFUSED_MESSAGE, CLEAR_REFUSED_MESSAGE}
WRITE_ENDPOINTS = [("post", GENERATE), ("post", "/api/admin/clear-data"), ("delete", SOME_RUN)]

pytestmark = pytest.mark.usefixtures("empty_cache")


def call(client: APIClient, method: str, url: str):
    if method == "post":
        return client.post(url, json.dumps(BODY), content_type="application/json")
    return getattr(client, method)(url)


def generate(client: APIClient):
    return call(client, "post", GENERATE)


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "url"), ADMIN_ENDPOINTS)
def test_no_credentials_is_a_401_asking_for_a_bearer_token(method, url):
    response = call(APIClient(), method, url)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not SeedRun.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "url"), ADMIN_ENDPOINTS)
def test_invalid_token_is_a_401(method, url):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-jwt")

    assert call(client, method, url).status_code == 401


@pytest.mark.django_db
def test_refresh_token_is_no_access_token(staff_user):
    refresh = APIClient().post("/api/auth/token/", {"username": "staff", "password": PASSWORD}).json()["refresh"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {refresh}")

    assert generate(client).status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize("role_user", ["patient_user", "therapist_user"])
@pytest.mark.parametrize(("method", "url"), ADMIN_ENDPOINTS)
def test_patients_and_therapists_are_refused_with_403(client_for, request, role_user, method, url):
    client = client_for(request.getfixturevalue(role_user))

    response = call(client, method, url)

    assert response.status_code == 403
    assert response.json()["detail"] in REFUSALS
    assert not SeedRun.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("admin", ["staff_user", "admin_role_user"])
def test_staff_and_admin_role_users_may_generate(client_for, request, admin):
    response = generate(client_for(request.getfixturevalue(admin)))

    assert response.status_code == 200


@pytest.mark.django_db
def test_session_authentication_serves_the_browsable_api(staff_user, patient_user):
    admin, patient = APIClient(), APIClient()
    admin.force_login(staff_user)
    patient.force_login(patient_user)

    assert generate(admin).status_code == 200
    assert generate(patient).status_code == 403
    assert "text/html" in admin.get("/api/admin/seed-runs/", HTTP_ACCEPT="text/html")["Content-Type"]


@pytest.mark.django_db
def test_wrong_password_gets_no_token(staff_user):
    response = APIClient().post("/api/auth/token/", {"username": "staff", "password": "wrong"}, format="json")

    assert response.status_code == 401
    assert "access" not in response.json()


@pytest.mark.django_db
def test_inactive_user_gets_no_token(db):
    make_user("gone", is_staff=True, is_active=False)

    response = APIClient().post("/api/auth/token/", {"username": "gone", "password": PASSWORD}, format="json")

    assert response.status_code == 401


@pytest.mark.django_db
def test_refreshed_access_token_works(staff_user):
    tokens = APIClient().post("/api/auth/token/", {"username": "staff", "password": PASSWORD}, format="json").json()
    refreshed = APIClient().post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {refreshed.json()['access']}")

    assert refreshed.status_code == 200
    assert generate(client).status_code == 200


@pytest.mark.django_db
def test_generated_admin_logins_are_never_admins_of_the_api(admin_api):
    body = {"patients_count": 0, "therapists_count": 1, "admins_count": 1, "with_logins": True, "password": PASSWORD}
    admin_api.post(GENERATE, json.dumps(body), content_type="application/json")
    synthetic_admin = Profile.objects.get(role=Profile.Role.ADMIN).user
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {jwt_for(synthetic_admin)}")

    assert client.get("/api/admin/seed-runs/").status_code == 403
    assert generate(client).status_code == 403
    assert client.post("/api/admin/clear-data").status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "url"), WRITE_ENDPOINTS)
def test_seeding_disabled_is_a_403_with_the_disabled_message_and_writes_nothing(admin_api, settings, method, url):
    settings.SEEDING_ENABLED = False

    response = call(admin_api, method, url)

    assert response.status_code == 403
    assert response.json() == {"detail": "Seeding is only allowed in development environment"}
    assert not SeedRun.objects.exists()


@pytest.mark.django_db
def test_seeding_disabled_is_checked_before_the_body(admin_api, settings):
    settings.SEEDING_ENABLED = False

    response = admin_api.post(GENERATE, "{not json", content_type="application/json")

    assert response.status_code == 403


@pytest.mark.django_db
def test_seeding_disabled_still_answers_401_and_non_admin_403_first(client_for, patient_user, settings):
    settings.SEEDING_ENABLED = False

    assert generate(APIClient()).status_code == 401
    assert generate(client_for(patient_user)).json() == {"detail": GENERATE_REFUSED_MESSAGE}


@pytest.mark.django_db
def test_run_history_stays_readable_when_seeding_is_disabled(admin_api, settings):
    settings.SEEDING_ENABLED = False

    assert admin_api.get("/api/admin/seed-runs/").status_code == 200


@pytest.fixture
def two_per_minute(settings):
    settings.SEEDING_API_RATE = "2/min"


@pytest.mark.django_db
@pytest.mark.usefixtures("two_per_minute")
def test_writes_past_seeding_api_rate_are_a_429_per_user(client_for, staff_user, admin_role_user):
    staff = client_for(staff_user)

    assert [generate(staff).status_code for _ in range(2)] == [200, 200]
    throttled = generate(staff)
    assert throttled.status_code == 429
    assert "Retry-After" in throttled
    assert staff.post("/api/admin/clear-data").status_code == 429
    assert staff.delete(SOME_RUN).status_code == 429
    assert SeedRun.objects.count() == 2
    assert generate(client_for(admin_role_user)).status_code == 200


@pytest.mark.django_db
@pytest.mark.usefixtures("two_per_minute")
def test_reading_the_history_is_not_throttled(admin_api):
    assert [admin_api.get("/api/admin/seed-runs/").status_code for _ in range(4)] == [200] * 4


@pytest.mark.django_db
def test_browsable_api_has_a_login_page():
    assert APIClient().get("/api/auth/login/").status_code == 200


@pytest.mark.django_db
def test_password_guessing_at_the_token_endpoint_is_throttled_at_seeding_login_rate(settings, staff_user):
    settings.SEEDING_LOGIN_RATE = "3/min"
    client = APIClient()
    wrong = {"username": staff_user.username, "password": "wrong"}

    statuses = [client.post("/api/auth/token/", wrong, format="json").status_code for _ in range(3)]
    assert statuses == [401, 401, 401]
    right = {"username": staff_user.username, "password": PASSWORD}
    assert client.post("/api/auth/token/", right, format="json").status_code == 429
