import pytest
from django.db import connection
from model_bakery import baker

from clinic.models import Profile


def pytest_collection_modifyitems(config, items):
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL to a postgres:// database")
    for item in items:
        if "postgresql" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def real_patient(db):
    """A real (non-synthetic) patient with a check-in: clearing must never touch it."""
    patient = baker.make(Profile, role=Profile.Role.PATIENT, email="real.patient@clinic.test")
    baker.make("clinic.CheckIn", user=patient, mood=5, energy=5, anxiety=5, sleep_hours="7.0")
    return patient
