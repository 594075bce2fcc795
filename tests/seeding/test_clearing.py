"""Clearing deletes every synthetic row; undoing a run deletes exactly that run's rows. Real rows always stay."""

import uuid
from dataclasses import replace

import pytest
from django.contrib.auth import get_user_model
from model_bakery import baker

from clinic.models import CheckIn, Profile
from seeding.models import SeedRun
from seeding.request import SeedRequest, command_limits
from seeding.service import (
    RunNotFound,
    RunNotUndoable,
    clear_synthetic_data,
    count_synthetic_data,
    generate,
    undo_run,
)
from tests.conftest import database_rows

User = get_user_model()
REQUEST = SeedRequest(
    patients_count=3, therapists_count=2, admins_count=1, checkins_per_user=10, with_logins=True, password="pw-123"
)


def seeded(seed: int, **overrides) -> SeedRequest:
    return replace(REQUEST, seed=seed, **overrides)


def run_rows(run_id: uuid.UUID) -> tuple[list[dict], list[dict], list[dict]]:
    return (
        list(Profile.objects.filter(synthetic_run_id=run_id).order_by("pk").values()),
        list(CheckIn.objects.filter(user__synthetic_run_id=run_id).order_by("pk").values()),
        list(User.objects.filter(profile__synthetic_run_id=run_id).order_by("pk").values()),
    )


@pytest.fixture
def real_rows(real_patient):
    """Real people of every kind: a patient with a check-in, a therapist with a login, a bare auth user."""
    therapist_login = baker.make(User, username="real.therapist")
    baker.make(Profile, role=Profile.Role.THERAPIST, email="real.therapist@clinic.test", user=therapist_login)
    baker.make(User, username="real.staff", is_staff=True)
    return database_rows()


@pytest.mark.django_db
def test_clear_removes_every_synthetic_row_and_no_real_row(real_rows):
    generate(seeded(1), limits=command_limits(), source="command")
    generate(seeded(2, with_logins=False, password=None), limits=command_limits(), source="command")

    deleted = clear_synthetic_data(source="command").deleted

    assert database_rows() == real_rows
    assert deleted["profiles"] == 12
    assert deleted["checkins"] == 60
    assert deleted["logins"] == 6
    assert not any(count_synthetic_data().values())


@pytest.mark.django_db
def test_count_synthetic_data_counts_what_clearing_would_delete(real_rows):
    generate(seeded(1), limits=command_limits(), source="command")

    counted = count_synthetic_data()

    assert counted == clear_synthetic_data(source="command").deleted
    assert (counted["profiles"], counted["checkins"], counted["logins"]) == (6, 30, 6)


@pytest.mark.django_db
def test_clear_with_nothing_synthetic_deletes_nothing(real_rows):
    assert not any(clear_synthetic_data(source="command").deleted.values())
    assert database_rows() == real_rows


@pytest.mark.django_db
def test_clear_db_replaces_earlier_synthetic_rows_in_the_same_run(real_rows):
    first = generate(seeded(1), limits=command_limits(), source="command")
    second = generate(seeded(2, clear_db=True), limits=command_limits(), source="command")

    assert second.cleared["profiles"] == 6
    assert second.cleared["checkins"] == 30
    assert not Profile.objects.filter(synthetic_run_id=first.run_id).exists()
    assert Profile.objects.filter(is_test_patient=True).count() == 6
    assert set(Profile.objects.filter(is_test_patient=True).values_list("synthetic_run_id", flat=True)) == {
        second.run_id
    }
    undo_run(second.run_id, source="command")
    assert database_rows() == real_rows


@pytest.mark.django_db
def test_undo_removes_exactly_that_runs_rows(real_rows):
    kept = generate(seeded(1), limits=command_limits(), source="command")
    kept_rows = run_rows(kept.run_id)
    undone = generate(seeded(2), limits=command_limits(), source="command")

    deleted = undo_run(undone.run_id, source="command").deleted

    assert (deleted["profiles"], deleted["checkins"], deleted["logins"]) == (6, 30, 6)
    assert run_rows(undone.run_id) == ([], [], [])
    assert run_rows(kept.run_id) == kept_rows
    assert SeedRun.objects.get(pk=undone.run_id).status == SeedRun.Status.UNDONE
    assert SeedRun.objects.get(pk=kept.run_id).status == SeedRun.Status.SUCCEEDED
    undo_run(kept.run_id, source="command")
    assert database_rows() == real_rows


@pytest.mark.django_db
def test_undo_of_an_unknown_run_is_an_error():
    unknown = uuid.uuid4()

    with pytest.raises(RunNotFound, match=f"There is no seed run with id {unknown}"):
        undo_run(unknown, source="command")


@pytest.mark.django_db
def test_undo_of_a_malformed_run_id_is_an_error():
    with pytest.raises(RunNotFound, match="There is no seed run with id not-a-run-id"):
        undo_run("not-a-run-id", source="command")


@pytest.mark.django_db
def test_undo_of_an_undone_run_is_an_error_and_deletes_nothing(real_rows):
    undone = generate(seeded(1), limits=command_limits(), source="command")
    undo_run(undone.run_id, source="command")
    other = generate(seeded(2), limits=command_limits(), source="command")
    before = database_rows()

    with pytest.raises(RunNotUndoable, match=f"Run {undone.run_id} is undone; only a succeeded run can be undone"):
        undo_run(undone.run_id, source="command")
    assert database_rows() == before
    assert Profile.objects.filter(synthetic_run_id=other.run_id).count() == 6


@pytest.mark.django_db
def test_undo_of_a_failed_run_is_an_error():
    failed = baker.make(SeedRun, status=SeedRun.Status.FAILED, seed=1)

    with pytest.raises(RunNotUndoable, match="is failed; only a succeeded run can be undone"):
        undo_run(failed.id, source="command")
