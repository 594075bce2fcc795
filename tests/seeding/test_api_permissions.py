"""One rule for who may seed: the same table of users through the API and the admin."""

import json
import uuid

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from model_bakery import baker
from rest_framework.test import APIClient

from clinic.models import Profile
from seeding.models import SeedRun, SyntheticLogin
from seeding.permissions import CLEAR_REFUSED_MESSAGE, GENERATE_REFUSED_MESSAGE
from seeding.request import API_LIMITS, SeedRequest
from seeding.service import generate
from tests.seeding.conftest import make_user

SMALL = {"patients_count": 1, "therapists_count": 0, "checkins_per_user": 1}
OPERATIONS = (
    "read runs",
    "admin generate page",
    "admin delete page",
    "generate",
    "undo",
    "generate with clear_db",
    "clear",
)
LOGIN_PAGE = 302  # the admin sends whoever is not active staff to its login page
# Each user's answer to each operation, in OPERATIONS order. The report's auth matrix is this table.
MATRIX = {
    "anonymous": (401, LOGIN_PAGE, LOGIN_PAGE, 401, 401, 401, 401),
    "staff without permissions": (403, 403, 403, 403, 403, 403, 403),
    "staff with add_profile": (200, 200, 403, 200, 403, 403, 403),
    "staff with delete_profile": (200, 403, 200, 403, 200, 403, 200),
    "staff with both": (200, 200, 200, 200, 200, 200, 200),
    "superuser": (200, 200, 200, 200, 200, 200, 200),
    "staff with a real admin profile": (200, 200, 200, 200, 200, 200, 200),
    "real admin profile, not staff": (200, LOGIN_PAGE, LOGIN_PAGE, 200, 200, 200, 200),
    "real patient, not staff": (403, LOGIN_PAGE, LOGIN_PAGE, 403, 403, 403, 403),
    "staff with a synthetic admin profile": (403, 403, 403, 403, 403, 403, 403),
    "synthetic login, even superuser": (403, 403, 403, 403, 403, 403, 403),
    "inactive superuser": (401, LOGIN_PAGE, LOGIN_PAGE, 401, 401, 401, 401),
}


def with_permissions(user, *codenames: str):
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="clinic", codename__in=codenames))
    return user


def admin_profile(user, *, synthetic: bool = False):
    run_id = uuid.uuid4() if synthetic else None
    baker.make(
        Profile, user=user, role=Profile.Role.ADMIN, email=f"{user.username}@clinic.test", synthetic_run_id=run_id
    )
    return user


def make_matrix_user(name: str):
    match name:
        case "anonymous":
            return None
        case "staff without permissions":
            return make_user("staff", is_staff=True)
        case "staff with add_profile":
            return with_permissions(make_user("adder", is_staff=True), "add_profile")
        case "staff with delete_profile":
            return with_permissions(make_user("deleter", is_staff=True), "delete_profile")
        case "staff with both":
            return with_permissions(make_user("both", is_staff=True), "add_profile", "delete_profile")
        case "superuser":
            return make_user("root", is_staff=True, is_superuser=True)
        case "staff with a real admin profile":
            return admin_profile(make_user("clinic.admin", is_staff=True))
        case "real admin profile, not staff":
            return admin_profile(make_user("clinic.admin"))
        case "real patient, not staff":
            user = make_user("patient")
            baker.make(Profile, user=user, role=Profile.Role.PATIENT, email="patient@clinic.test")
            return user
        case "staff with a synthetic admin profile":
            return admin_profile(make_user("seeded.admin", is_staff=True), synthetic=True)
        case "synthetic login, even superuser":
            user = admin_profile(make_user("seeded.root", is_staff=True, is_superuser=True), synthetic=True)
            SyntheticLogin.objects.create(user=user, run_id=uuid.uuid4())
            return user
        case "inactive superuser":
            return make_user("gone", is_staff=True, is_superuser=True, is_active=False)


def answers(user) -> tuple[int, ...]:
    api, admin = APIClient(), Client()
    if user is not None:
        api.force_login(user)
        admin.force_login(user)
    run = generate(SeedRequest(**SMALL), limits=API_LIMITS, source=SeedRun.Source.COMMAND)

    def post(url: str, body: dict) -> int:
        return api.post(url, json.dumps(body), content_type="application/json").status_code

    return (
        api.get("/api/admin/seed-runs/").status_code,
        admin.get("/admin/clinic/profile/generate-test-data/").status_code,
        admin.get("/admin/clinic/profile/delete-test-data/").status_code,
        post("/api/admin/generate-data", SMALL),
        api.delete(f"/api/admin/seed-runs/{run.run_id}/").status_code,
        post("/api/admin/generate-data", {**SMALL, "clear_db": True}),
        post("/api/admin/clear-data", {}),
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("empty_cache")
@pytest.mark.parametrize("name", list(MATRIX))
def test_the_api_and_the_admin_apply_one_rule(name):
    assert dict(zip(OPERATIONS, answers(make_matrix_user(name)), strict=True)) == dict(
        zip(OPERATIONS, MATRIX[name], strict=True)
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("empty_cache")
@pytest.mark.parametrize(
    ("codename", "url", "body", "message"),
    [
        ("delete_profile", "/api/admin/generate-data", SMALL, GENERATE_REFUSED_MESSAGE),
        ("add_profile", "/api/admin/clear-data", {}, CLEAR_REFUSED_MESSAGE),
        ("add_profile", "/api/admin/generate-data", {**SMALL, "clear_db": True}, CLEAR_REFUSED_MESSAGE),
    ],
)
def test_a_refusal_says_which_permission_is_missing_and_writes_nothing(codename, url, body, message):
    client = APIClient()
    client.force_login(with_permissions(make_user("half", is_staff=True), codename))

    response = client.post(url, json.dumps(body), content_type="application/json")

    assert response.status_code == 403
    assert response.json() == {"detail": message}
    assert not SeedRun.objects.exists()
