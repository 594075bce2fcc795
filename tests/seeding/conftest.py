import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.cache import cache
from model_bakery import baker
from rest_framework.test import APIClient

from clinic.models import Profile

PASSWORD = "correct horse battery staple"


def make_user(username: str, **fields):
    user = baker.make(get_user_model(), username=username, **fields)
    user.set_password(PASSWORD)
    user.save()
    return user


def make_profile_user(username: str, role: str):
    user = make_user(username)
    # A real (non-synthetic) email, so the specification's `LIKE '%@example.%'` queries never count these people.
    baker.make(Profile, user=user, role=role, email=f"{username}@clinic.test")
    return user


@pytest.fixture
def empty_cache():
    """Throttling counts requests in the cache: start every API test from none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff_user(db):
    """Staff who may seed: clinic.add_profile and clinic.delete_profile (seeding/permissions.py)."""
    user = make_user("staff", is_staff=True)
    seeding = Permission.objects.filter(
        content_type__app_label="clinic", codename__in=["add_profile", "delete_profile"]
    )
    user.user_permissions.add(*seeding)
    return user


@pytest.fixture
def admin_role_user(db):
    """An admin by profile role, not staff."""
    return make_profile_user("clinic.admin", Profile.Role.ADMIN)


@pytest.fixture
def patient_user(db):
    return make_profile_user("patient", Profile.Role.PATIENT)


@pytest.fixture
def therapist_user(db):
    return make_profile_user("therapist", Profile.Role.THERAPIST)


def jwt_for(user, password: str = PASSWORD) -> str:
    """A real access token, from the token endpoint."""
    response = APIClient().post("/api/auth/token/", {"username": user.username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["access"]


@pytest.fixture
def client_for(empty_cache):
    """An APIClient that sends a real JWT of the given user."""

    def make(user) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {jwt_for(user)}")
        return client

    return make


@pytest.fixture
def admin_api(client_for, staff_user) -> APIClient:
    return client_for(staff_user)
