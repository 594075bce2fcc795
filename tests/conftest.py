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


def database_rows() -> dict[str, list[dict]]:
    """Every row of every clinic table and of auth_user, column by column: 'byte-identical' made checkable."""
    from django.apps import apps
    from django.contrib.auth import get_user_model

    models = [*apps.get_app_config("clinic").get_models(), get_user_model()]
    return {model._meta.db_table: list(model._base_manager.order_by("pk").values()) for model in models}
