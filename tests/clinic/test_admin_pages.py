from datetime import time

import pytest
from django.urls import reverse
from model_bakery import baker

from clinic.models import (
    AvailabilityException,
    CheckIn,
    Enrollment,
    Membership,
    Organization,
    Profile,
    TreatmentPlan,
    WeeklyAvailability,
)
from tests.clinic.conftest import VALID_SCORES

# Only the fields a random value could push past a database constraint.
VALID_FIELDS = {
    CheckIn: VALID_SCORES,
    WeeklyAvailability: {"start_time": time(9), "end_time": time(10)},
}


def changelist_url(model: type) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.mark.parametrize(
    "model",
    [Profile, CheckIn, Organization, Membership, Enrollment, WeeklyAvailability, AvailabilityException, TreatmentPlan],
)
def test_changelist_lists_the_baked_rows(admin_client, model):
    rows = baker.make(model, _quantity=2, **VALID_FIELDS.get(model, {}))

    response = admin_client.get(changelist_url(model))

    assert response.status_code == 200
    assert set(response.context["cl"].result_list) == set(rows)


@pytest.fixture
def patient(db):
    return baker.make(Profile, role=Profile.Role.PATIENT, email="ana@clinic.test", full_name="Ana Real")


@pytest.fixture
def therapist(db):
    return baker.make(Profile, role=Profile.Role.THERAPIST, email="bruno@example.com", is_test_patient=True)


def listed_profiles(admin_client, query_string: str = "") -> set[Profile]:
    response = admin_client.get(changelist_url(Profile) + query_string)
    assert response.status_code == 200
    return set(response.context["cl"].result_list)


def filter_link(admin_client, field_path: str, display: str) -> str:
    """The query string of the changelist's own filter link, so a filter missing from list_filter fails the test."""
    changelist = admin_client.get(changelist_url(Profile)).context["cl"]
    spec = next(spec for spec in changelist.filter_specs if getattr(spec, "field_path", None) == field_path)
    return next(choice["query_string"] for choice in spec.choices(changelist) if choice["display"] == display)


def test_profile_list_filters_by_role(admin_client, patient, therapist):
    assert listed_profiles(admin_client, filter_link(admin_client, "role", "Therapist")) == {therapist}
    assert listed_profiles(admin_client, filter_link(admin_client, "role", "Patient")) == {patient}


def test_profile_list_filters_by_is_test_patient(admin_client, patient, therapist):
    assert listed_profiles(admin_client, filter_link(admin_client, "is_test_patient", "Yes")) == {therapist}
    assert listed_profiles(admin_client, filter_link(admin_client, "is_test_patient", "No")) == {patient}


def test_profile_list_searches_email_and_full_name(admin_client, patient, therapist):
    assert listed_profiles(admin_client, "?q=bruno@") == {therapist}
    assert listed_profiles(admin_client, "?q=Ana+Real") == {patient}
