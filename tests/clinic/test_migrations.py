"""The schema the migrations build, as the roadmap's SQL and the PostgreSQL catalogue see it."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from model_bakery import baker

from clinic.models import Profile
from tests.roadmap import COUNT_CHECK_INS_BY_ROLE, COUNT_PROFILES_BY_ROLE

BEFORE_IS_TEST_PATIENT = ("clinic", "0001_initial")


@pytest.fixture
def migration_executor(transactional_db):
    """A migration executor that leaves every app at its latest migration afterwards, even on failure."""
    executor = MigrationExecutor(connection)
    yield executor
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def profile_columns() -> set[str]:
    with connection.cursor() as cursor:
        return {column.name for column in connection.introspection.get_table_description(cursor, "profiles")}


def test_profiles_existing_before_is_test_patient_read_as_real(migration_executor):
    migration_executor.migrate([BEFORE_IS_TEST_PATIENT])
    old_apps = migration_executor.loader.project_state([BEFORE_IS_TEST_PATIENT]).apps
    old_apps.get_model("clinic", "Profile").objects.create(email="before@clinic.test", role="patient")
    assert "is_test_patient" not in profile_columns()

    migration_executor.loader.build_graph()
    migration_executor.migrate(migration_executor.loader.graph.leaf_nodes())

    assert Profile.objects.get(email="before@clinic.test").is_test_patient is False


@pytest.fixture
def roadmap_population(real_patient, make_check_in):
    """Two synthetic patients with three check-ins each and a therapist, beside one real patient."""
    for number in (1, 2):
        patient = baker.make(Profile, role=Profile.Role.PATIENT, email=f"patient{number}@example.com")
        for day in (1, 2, 3):
            make_check_in(user=patient, checkin_date=date(2024, 1, day))
    baker.make(Profile, role=Profile.Role.THERAPIST, email="therapist@example.com")


@pytest.mark.django_db
@pytest.mark.usefixtures("roadmap_population")
def test_roadmap_query_counts_synthetic_profiles_by_role():
    with connection.cursor() as cursor:
        cursor.execute(COUNT_PROFILES_BY_ROLE)
        counts = dict(cursor.fetchall())

    assert counts == {"patient": 2, "therapist": 1}


@pytest.mark.django_db
@pytest.mark.usefixtures("roadmap_population")
def test_roadmap_query_counts_check_ins_only_for_patients():
    with connection.cursor() as cursor:
        cursor.execute(COUNT_CHECK_INS_BY_ROLE)
        counts = dict(cursor.fetchall())

    assert counts == {"patient": 6, "therapist": 0}


@pytest.mark.postgresql
@pytest.mark.django_db
def test_catalogue_shows_profiles_role_check_with_the_allowed_roles():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conname = 'profiles_role_check' AND conrelid = 'profiles'::regclass"
        )
        rows = cursor.fetchall()

    assert len(rows) == 1
    definition = rows[0][0]
    assert all(f"'{role}'" in definition for role in ("patient", "therapist", "admin"))


@pytest.mark.postgresql
@pytest.mark.django_db
def test_catalogue_shows_the_is_test_patient_index():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes "
            "WHERE tablename = 'profiles' AND indexname = 'idx_profiles_is_test_patient'"
        )
        rows = cursor.fetchall()

    assert len(rows) == 1
    assert "(is_test_patient)" in rows[0][0]


@pytest.mark.postgresql
@pytest.mark.django_db
def test_catalogue_comments_is_test_patient_as_the_synthetic_flag():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT col_description(attrelid, attnum) FROM pg_attribute "
            "WHERE attrelid = 'profiles'::regclass AND attname = 'is_test_patient'"
        )
        (comment,) = cursor.fetchone()

    assert comment == "Flag to identify synthetic/test patients (true) vs real patients (false)"
