"""A run that fails part-way leaves the database exactly as it was, and the ledger says why."""

import pytest

from clinic.models import CheckIn, Profile
from seeding.models import SeedRun
from seeding.request import SeedRequest, command_limits
from seeding.service import Progress, generate
from tests.conftest import database_rows

REQUEST = SeedRequest(
    patients_count=5, therapists_count=2, checkins_per_user=30, seed=3, with_logins=True, password="pw-123"
)


class InjectedFault(Exception):
    pass


class FaultyProgress:
    """A progress callback that raises on its nth call (about `entity`, if given), noting the rows written by then."""

    def __init__(self, *, call: int = 2, entity: str | None = None) -> None:
        self.call, self.entity = call, entity
        self.calls = 0
        self.rows_at_fault: tuple[int, int] | None = None

    def __call__(self, update: Progress) -> None:
        if self.entity is not None and update.entity != self.entity:
            return
        self.calls += 1
        if self.calls == self.call:
            self.rows_at_fault = (
                Profile.objects.filter(is_test_patient=True).count(),
                CheckIn.objects.filter(user__is_test_patient=True).count(),
            )
            raise InjectedFault("injected fault")


@pytest.mark.django_db
def test_a_fault_after_profiles_were_written_leaves_the_database_as_before(real_patient):
    before = database_rows()
    progress = FaultyProgress(call=2)

    with pytest.raises(InjectedFault, match="injected fault"):  # a bug is not a user error: it goes on unchanged
        generate(REQUEST, progress=progress, limits=command_limits(), source="command")

    assert progress.rows_at_fault[0] > 0
    assert database_rows() == before


@pytest.mark.django_db
def test_a_fault_while_checkins_are_written_leaves_the_database_as_before(real_patient):
    before = database_rows()
    progress = FaultyProgress(call=1, entity="checkins")

    with pytest.raises(InjectedFault, match="injected fault"):
        generate(REQUEST, progress=progress, limits=command_limits(), source="command")

    profiles, checkins = progress.rows_at_fault
    assert profiles == 7
    assert 0 < checkins <= 150
    assert database_rows() == before


@pytest.mark.django_db
def test_a_failed_run_is_recorded_as_failed_with_its_error():
    with pytest.raises(InjectedFault):
        generate(REQUEST, progress=FaultyProgress(), limits=command_limits(), source="command")

    run = SeedRun.objects.get()
    assert run.status == SeedRun.Status.FAILED
    assert "injected fault" in run.error
    assert run.finished_at is not None
    assert run.counts == {}


@pytest.mark.django_db(transaction=True)
def test_a_failed_run_commits_nothing(real_patient):
    before = database_rows()

    with pytest.raises(InjectedFault):
        generate(REQUEST, progress=FaultyProgress(), limits=command_limits(), source="command")

    assert database_rows() == before
    assert SeedRun.objects.get().status == SeedRun.Status.FAILED


@pytest.mark.django_db
def test_a_failed_run_with_clear_db_keeps_the_earlier_synthetic_rows(real_patient):
    generate(REQUEST, limits=command_limits(), source="command")
    before = database_rows()
    progress = FaultyProgress(call=1, entity="checkins")

    with pytest.raises(InjectedFault):
        generate(
            SeedRequest(patients_count=3, therapists_count=1, seed=4, clear_db=True),
            progress=progress,
            limits=command_limits(),
            source="command",
        )

    profiles, checkins = progress.rows_at_fault
    assert profiles == 4  # the earlier run's profiles were already cleared when the fault hit
    assert 0 < checkins <= 90
    assert database_rows() == before
