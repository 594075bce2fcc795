"""The service's error path and its writer: database errors become a SeedingError without database internals,
bugs go on unchanged, the producer thread never outlives a write, and the bulk-load plan is decided once."""

import threading

import pytest
from django.db import connection

from clinic.models import CheckIn, Profile
from seeding import bulk_load, writers
from seeding.bulk_load import plan_bulk_loads
from seeding.generators import REGISTRY, EntityGenerator
from seeding.models import SeedRun
from seeding.request import SeedRequest, command_limits
from seeding.service import SeedingError, _streamed_rows_by_table, generate
from seeding.writers import QueryOnProducerThread

REQUEST = SeedRequest(patients_count=3, therapists_count=1, checkins_per_user=10, seed=7)


def producer_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name.startswith("seeding-producer")]


@pytest.fixture
def unique_mood(db):
    """A rule the generator knows nothing of, enforced by the database: one check-in per mood value."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE UNIQUE INDEX check_ins_one_per_mood ON check_ins (mood)")
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX check_ins_one_per_mood")


@pytest.mark.usefixtures("unique_mood")
def test_a_database_error_becomes_a_seeding_error_without_database_internals(caplog):
    with pytest.raises(SeedingError) as failure:
        generate(REQUEST, limits=command_limits(), source="command")

    run = SeedRun.objects.get()
    message = str(failure.value)
    assert "check_ins_one_per_mood" not in message
    assert "mood" not in message
    assert f"Run {run.id}" in message
    assert "IntegrityError" in message
    assert run.status == SeedRun.Status.FAILED
    assert "IntegrityError" in run.error  # the full error, for the operator
    assert any(record.exc_info for record in caplog.records if record.name == "seeding.service")
    assert not Profile.objects.exists()


def _failing_on_second_batch(ctx, unit: int):
    if unit >= 1:  # unit 0 fills the first batch of ten rows
        raise ZeroDivisionError("a bug in the second batch")
    yield from REGISTRY["checkins"].rows(ctx, unit)


def test_a_generator_failing_on_its_second_batch_stops_the_write_and_its_thread(db, monkeypatch, caplog):
    monkeypatch.setattr(writers, "BATCH_ROWS", 10)
    broken = REGISTRY | {"checkins": _replace(REGISTRY["checkins"], rows=_failing_on_second_batch)}

    with pytest.raises(ZeroDivisionError, match="second batch"):  # a bug goes on unchanged, never a SeedingError
        generate(REQUEST, registry=broken, limits=command_limits(), source="command")

    assert producer_threads() == []
    assert not CheckIn.objects.exists()
    run = SeedRun.objects.get()
    assert run.status == SeedRun.Status.FAILED
    assert run.error == "ZeroDivisionError: a bug in the second batch"
    logged = [record for record in caplog.records if record.name == "seeding.service" and record.exc_info]
    assert [record.exc_info[0] for record in logged] == [ZeroDivisionError]


LEDGER_REFUSES_FAILURES = {
    "sqlite": [
        "CREATE TRIGGER ledger_refuses_failures BEFORE UPDATE ON seeding_seedrun WHEN NEW.status = 'failed' "
        "BEGIN SELECT RAISE(ABORT, 'the ledger refuses'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION ledger_refuses() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'the ledger refuses'; END $$ "
        "LANGUAGE plpgsql",
        "CREATE TRIGGER ledger_refuses_failures BEFORE UPDATE ON seeding_seedrun FOR EACH ROW "
        "WHEN (NEW.status = 'failed') EXECUTE FUNCTION ledger_refuses()",
    ],
}
LEDGER_ACCEPTS_FAILURES = {
    "sqlite": ["DROP TRIGGER ledger_refuses_failures"],
    "postgresql": ["DROP TRIGGER ledger_refuses_failures ON seeding_seedrun", "DROP FUNCTION ledger_refuses()"],
}


@pytest.fixture
def ledger_refusing_failures(transactional_db):
    """The database itself refuses to record a failed run, as a broken connection would."""
    with connection.cursor() as cursor:
        for statement in LEDGER_REFUSES_FAILURES[connection.vendor]:
            cursor.execute(statement)
    yield
    with connection.cursor() as cursor:
        for statement in LEDGER_ACCEPTS_FAILURES[connection.vendor]:
            cursor.execute(statement)


@pytest.mark.usefixtures("ledger_refusing_failures")
def test_a_failure_that_cannot_be_recorded_never_masks_its_cause(caplog):
    broken = REGISTRY | {"checkins": _replace(REGISTRY["checkins"], rows=_failing_on_second_batch)}

    with pytest.raises(ZeroDivisionError, match="second batch"):
        generate(REQUEST, registry=broken, limits=command_limits(), source="command")

    messages = [record.getMessage() for record in caplog.records if record.name == "seeding.service"]
    assert any(message.startswith("Could not record the failure") for message in messages)
    assert not CheckIn.objects.exists()
    assert not Profile.objects.exists()


def _querying_rows(ctx, unit: int):
    Profile.objects.count()  # a query from the producer thread would escape the run's transaction
    yield from REGISTRY["checkins"].rows(ctx, unit)


def test_a_generator_that_queries_the_database_is_stopped(db):
    querying = REGISTRY | {"checkins": _replace(REGISTRY["checkins"], rows=_querying_rows)}

    with pytest.raises(QueryOnProducerThread):
        generate(REQUEST, registry=querying, limits=command_limits(), source="command")

    assert producer_threads() == []
    assert not Profile.objects.exists()


def test_the_bulk_load_plan_sums_the_rows_each_table_receives():
    twice = REGISTRY | {"more_checkins": _replace(REGISTRY["checkins"], name="more_checkins", depends_on=("checkins",))}

    rows = _streamed_rows_by_table(SeedRequest(patients_count=10, checkins_per_user=30), twice)

    assert rows["check_ins"] == 600
    assert "check_ins" not in _streamed_rows_by_table(SeedRequest(patients_count=10), REGISTRY, ("checkins",))


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_table_that_cannot_be_locked_leaves_the_plan_empty(monkeypatch):
    monkeypatch.setattr(bulk_load, "BULK_CHECK_MIN_ROWS", 10)
    assert plan_bulk_loads("default", {"check_ins": 100}).tables == {"check_ins"}

    assert plan_bulk_loads("default", {"no_such_table": 100}).tables == frozenset()


def _replace(generator: EntityGenerator, **changes) -> EntityGenerator:
    from dataclasses import replace

    return replace(generator, **changes)
