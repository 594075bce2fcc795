"""Clears, undos and runs with clear_db serialize: racing each other, each succeeds or is told to retry."""

import threading

import pytest
from django.db import connection

from clinic.models import CheckIn, Profile
from seeding.models import SeedRun
from seeding.request import SeedRequest, command_limits
from seeding.service import SeedingBusy, clear_synthetic_data, generate

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]
RUN = {"patients_count": 30, "therapists_count": 2, "checkins_per_user": 20}


def race(*calls) -> list[BaseException]:
    failures, start = [], threading.Barrier(len(calls))

    def call(function) -> None:
        try:
            start.wait()
            function()
        except SeedingBusy:
            pass  # a clear answer: another one held the lock too long
        except BaseException as exc:  # collected: the assertion names it
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=call, args=(function,)) for function in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def test_racing_clears_and_runs_with_clear_db_end_cleanly_with_exact_counts():
    generate(SeedRequest(seed=1, **RUN), limits=command_limits(), source="command")

    def regenerate(seed: int):
        return lambda: generate(SeedRequest(seed=seed, clear_db=True, **RUN), limits=command_limits(), source="api")

    def clear():
        return clear_synthetic_data(source="api")

    failures = race(regenerate(2), clear, regenerate(3), clear, regenerate(4), clear)

    assert failures == []
    last = SeedRun.objects.filter(status__in=["succeeded", "cleared"]).order_by("-finished_at").first()
    alive = SeedRun.objects.filter(kind="generate", status="succeeded")
    assert alive.count() <= 1
    if last.kind == "generate":  # the last to commit was a run: exactly its rows remain
        assert Profile.objects.count() == 32
        assert CheckIn.objects.count() == 600
        assert set(Profile.objects.values_list("synthetic_run_id", flat=True)) == {last.pk}
    else:
        assert not Profile.objects.exists()
        assert not CheckIn.objects.exists()
    assert not CheckIn.objects.exclude(user__in=Profile.objects.all()).exists()
    assert not SeedRun.objects.filter(status="running").exists()


def test_a_run_and_a_clear_racing_never_leave_an_orphan():
    failures = race(
        lambda: generate(SeedRequest(seed=5, **RUN), limits=command_limits(), source="command"),
        lambda: clear_synthetic_data(source="api"),
    )

    assert failures == []
    assert CheckIn.objects.count() == 20 * Profile.objects.filter(role="patient").count()
