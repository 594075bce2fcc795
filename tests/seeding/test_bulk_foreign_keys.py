"""Large loads on PostgreSQL have the database check foreign keys in one pass; the keys end as they began."""

import threading
from uuid import uuid4

import pytest
from django.db import connection

from clinic.models import CheckIn, Profile
from seeding import bulk_load
from seeding.generators import REGISTRY, EntityGenerator
from seeding.request import SeedRequest, command_limits
from seeding.service import SeedingError, generate

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def bulk_checks_from_ten_rows(monkeypatch):
    monkeypatch.setattr(bulk_load, "BULK_CHECK_MIN_ROWS", 10)


def check_in_foreign_keys() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid), convalidated FROM pg_constraint"
            " WHERE conrelid = 'check_ins'::regclass AND contype = 'f'"
        )
        return cursor.fetchall()


def _orphan_rows(ctx, unit: int):
    yield (uuid4().hex, "2026-01-01", 5, 5, 5, "7.0", "", "2026-01-01 08:00:00")


ORPHAN_CHECKINS = EntityGenerator(
    name="orphan_checkins",
    model=CheckIn,
    columns=REGISTRY["checkins"].columns,
    depends_on=("checkins",),
    units=lambda request: 20,
    rows=_orphan_rows,
)


@pytest.mark.usefixtures("bulk_checks_from_ten_rows")
def test_a_bulk_load_ends_with_the_same_validated_foreign_key():
    before = check_in_foreign_keys()

    generate(
        SeedRequest(patients_count=3, therapists_count=1, checkins_per_user=20, seed=4),
        limits=command_limits(),
        source="command",
    )

    assert check_in_foreign_keys() == before
    assert [validated for _, _, validated in before] == [True]
    assert CheckIn.objects.count() == 60


@pytest.mark.usefixtures("bulk_checks_from_ten_rows")
def test_a_bulk_load_owns_every_row_and_leaves_the_run_column_without_a_default():
    report = generate(
        SeedRequest(patients_count=3, therapists_count=1, checkins_per_user=20, seed=4),
        limits=command_limits(),
        source="command",
    )

    assert CheckIn.objects.filter(synthetic_run_id=report.run_id).count() == 60
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_default FROM information_schema.columns"
            " WHERE table_name = 'check_ins' AND column_name = 'synthetic_run_id'"
        )
        assert cursor.fetchone() == (None,)


@pytest.mark.usefixtures("bulk_checks_from_ten_rows")
def test_an_orphan_row_in_a_bulk_load_fails_the_run_and_writes_nothing():
    before = check_in_foreign_keys()

    with pytest.raises(SeedingError, match=r"refused it \(IntegrityError\)"):
        generate(
            SeedRequest(patients_count=3, therapists_count=1, checkins_per_user=20, seed=4),
            registry=REGISTRY | {"orphan_checkins": ORPHAN_CHECKINS},
            limits=command_limits(),
            source="command",
        )

    assert check_in_foreign_keys() == before
    assert not Profile.objects.exists()
    assert not CheckIn.objects.exists()


@pytest.mark.usefixtures("bulk_checks_from_ten_rows")
def test_concurrent_bulk_loads_all_succeed_with_exact_totals():
    failures = []

    def run(seed: int) -> None:
        try:
            generate(
                SeedRequest(patients_count=20, therapists_count=1, checkins_per_user=30, seed=seed),
                limits=command_limits(),
                source="command",
            )
        except Exception as exc:  # collected: the assertion below names it
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(seed,)) for seed in (1, 2, 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert CheckIn.objects.count() == 3 * 20 * 30
