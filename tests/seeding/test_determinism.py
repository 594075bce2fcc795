"""Same seed, same rows: the database holds exactly what the pure generators produce, on any backend."""

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import pairwise
from uuid import UUID, uuid4

import pytest
from django.db.models import QuerySet

from clinic.models import CheckIn, Profile
from seeding.context import RunContext
from seeding.generators import REGISTRY, identity
from seeding.generators.identity import profile_identity
from seeding.generators.placement import ORGANIZATION_IDS
from seeding.request import OrganizationSpec, SeedRequest, command_limits
from seeding.service import clear_synthetic_data, generate

END_DATE = date(2026, 1, 31)
STARTED_AT = datetime(2026, 1, 31, 12, tzinfo=UTC)
CHECKIN_FIELDS = ("user_id", "checkin_date", "mood", "energy", "anxiety", "sleep_hours", "notes", "created_at")
REQUEST = SeedRequest(
    patients_count=4,
    therapists_count=2,
    admins_count=1,
    checkins_per_user=20,
    mood_pattern="mixed",
    seed=11,
    end_date=END_DATE,
)
CLINICS = (OrganizationSpec(name="North", slug="north"), OrganizationSpec(name="South", slug="south"))
PROFILE_FIELDS = ("id", "email", "role", "full_name", "is_test_patient", "synthetic_run_id")


def run_context(request: SeedRequest, run_id: UUID | None = None, password_hash: str | None = None) -> RunContext:
    """The context generate() builds for a run, rebuilt from the same request and seed."""
    return RunContext.for_request(request, seed=request.seed, run_id=run_id or uuid4(), started_at=STARTED_AT,
                                  password_hash=password_hash)  # fmt: skip


def plain(name: str, value) -> object:
    """One column's value in a form that does not depend on the backend or the generator's types."""
    if name in ("id", "user_id", "synthetic_run_id"):
        return UUID(str(value)).hex
    if name == "sleep_hours":
        return str(Decimal(str(value)).quantize(Decimal("0.1")))
    if name in ("mood", "energy", "anxiety"):
        return int(value)
    if name == "is_test_patient":
        return bool(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def stored_rows(rows: QuerySet, fields: tuple[str, ...]) -> list[tuple]:
    return sorted(tuple(plain(n, v) for n, v in zip(fields, row, strict=True)) for row in rows.values_list(*fields))


def generated_rows(ctx: RunContext, generator: str, fields: tuple[str, ...]) -> list[tuple]:
    entity = REGISTRY[generator]
    rows = (
        dict(zip(entity.columns, row, strict=True)) | {"synthetic_run_id": ctx.run_id.hex}
        for unit in range(entity.units(ctx.request))
        for row in entity.rows(ctx, unit)
    )
    return sorted(tuple(plain(n, row[n]) for n in fields) for row in rows)


def fingerprint() -> tuple[list, list]:
    """Every synthetic profile and check-in, by value: what a user would see, without ids or timestamps."""
    profiles = Profile.objects.filter(is_test_patient=True).values_list("email", "full_name", "role")
    checkins = CheckIn.objects.filter(user__is_test_patient=True).values_list(
        "user__email", "checkin_date", "mood", "energy", "anxiety", "sleep_hours", "notes"
    )
    return sorted(profiles), sorted(checkins)


def request(**overrides) -> SeedRequest:
    return replace(REQUEST, **overrides)


@pytest.mark.django_db
def test_same_seed_gives_the_same_rows():
    generate(request(), limits=command_limits(), source="command")
    first = fingerprint()
    clear_synthetic_data(source="command")
    generate(request(), limits=command_limits(), source="command")

    assert fingerprint() == first
    assert len(first[1]) == 80


@pytest.mark.django_db
def test_clear_db_with_the_same_seed_writes_the_same_rows_again():
    generate(request(), limits=command_limits(), source="command")
    first = fingerprint()
    generate(request(clear_db=True), limits=command_limits(), source="command")

    assert fingerprint() == first


@pytest.mark.django_db
def test_different_seed_gives_different_rows():
    generate(request(seed=11), limits=command_limits(), source="command")
    first_profiles, first_checkins = fingerprint()
    clear_synthetic_data(source="command")
    generate(request(seed=12), limits=command_limits(), source="command")
    second_profiles, second_checkins = fingerprint()

    assert not {email for email, *_ in first_profiles} & {email for email, *_ in second_profiles}
    assert [row[1:] for row in first_checkins] != [row[1:] for row in second_checkins]


@pytest.mark.django_db
def test_stored_profiles_are_the_pure_identities():
    report = generate(request(), limits=command_limits(), source="command")
    ctx = run_context(request())

    identities = {
        (identity.id, identity.email, identity.full_name, identity.role)
        for role, count in ((Profile.Role.PATIENT, 4), (Profile.Role.THERAPIST, 2), (Profile.Role.ADMIN, 1))
        for identity in (profile_identity(ctx, role, index) for index in range(count))
    }
    stored = set(Profile.objects.filter(synthetic_run_id=report.run_id).values_list("id", "email", "full_name", "role"))
    assert stored == identities


@pytest.mark.django_db
def test_the_database_stores_exactly_the_generated_values():
    """Compared column by column after a round trip, so SQLite and PostgreSQL must both store the same rows."""
    report = generate(request(locale="pt_BR"), limits=command_limits(), source="command")
    ctx = run_context(request(locale="pt_BR"), run_id=report.run_id)

    profiles = Profile.objects.filter(synthetic_run_id=report.run_id)
    checkins = CheckIn.objects.filter(user__synthetic_run_id=report.run_id)
    assert stored_rows(profiles, PROFILE_FIELDS) == generated_rows(ctx, "profiles", PROFILE_FIELDS)
    assert stored_rows(checkins, CHECKIN_FIELDS) == generated_rows(ctx, "checkins", CHECKIN_FIELDS)
    assert len(stored_rows(checkins, CHECKIN_FIELDS)) == 80


def test_a_profile_is_the_same_whatever_the_size_of_the_run():
    small = run_context(request(patients_count=10, therapists_count=2))
    large = run_context(request(patients_count=1000, therapists_count=50))

    assert profile_identity(small, Profile.Role.PATIENT, 7) == profile_identity(large, Profile.Role.PATIENT, 7)
    assert profile_identity(small, Profile.Role.THERAPIST, 1) == profile_identity(large, Profile.Role.THERAPIST, 1)
    assert list(REGISTRY["checkins"].rows(small, 7)) == list(REGISTRY["checkins"].rows(large, 7))


@pytest.mark.django_db
def test_a_smaller_run_writes_a_subset_of_a_larger_one():
    generate(request(patients_count=3, therapists_count=1, admins_count=0), limits=command_limits(), source="command")
    small_profiles, small_checkins = fingerprint()
    clear_synthetic_data(source="command")
    generate(request(patients_count=8, therapists_count=3, admins_count=0), limits=command_limits(), source="command")
    large_profiles, large_checkins = fingerprint()

    assert set(small_profiles) < set(large_profiles)
    assert set(small_checkins) < set(large_checkins)


def patient_slices(units: int, slices: int) -> list[range]:
    """Consecutive unit ranges, as a sharded run would hand them to its workers."""
    bounds = [units * index // slices for index in range(slices + 1)]
    return [range(low, high) for low, high in pairwise(bounds)]


def slice_context(sliced_request: SeedRequest, run_id: UUID) -> RunContext:
    """A fresh context, as a shard's worker would build it: the organization ids the base's rows got, read back,
    and the password hash made once when the run was queued."""
    ctx = run_context(sliced_request, run_id=run_id, password_hash="pbkdf2_sha256$made-once-when-queued")
    ctx.cache[ORGANIZATION_IDS] = [101 + index for index in range(len(sliced_request.organizations))]
    return ctx


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_units_generated_in_slices_with_fresh_contexts_equal_one_pass(name):
    """What sharding needs: each slice of units, generated alone in a context of its own, gives the same rows."""
    sliced_request = request(patients_count=10, therapists_count=3, organizations=CLINICS,
                             appointments_per_patient=2, with_logins=True, password="unused")  # fmt: skip
    run_id = uuid4()
    generator = REGISTRY[name]
    units = generator.units(sliced_request)
    whole = slice_context(sliced_request, run_id)
    one_pass = [row for unit in range(units) for row in generator.rows(whole, unit)]
    sliced = [
        row
        for units_range in patient_slices(units, 4)
        for ctx in [slice_context(sliced_request, run_id)]
        for unit in units_range
        for row in generator.rows(ctx, unit)
    ]
    assert one_pass
    assert sliced == one_pass


def test_profile_ids_beyond_those_remembered_are_derived_to_the_same_rows(monkeypatch):
    clinic_request = request(patients_count=10, therapists_count=3, organizations=CLINICS, appointments_per_patient=2)
    run_id = uuid4()

    def every_row(ctx: RunContext) -> list[tuple]:
        return [row for generator in REGISTRY.values() for unit in range(generator.units(clinic_request))
                for row in generator.rows(ctx, unit)]  # fmt: skip

    remembering_all = every_row(slice_context(clinic_request, run_id))
    monkeypatch.setattr(identity, "REMEMBERED_IDS_PER_ROLE", 2)
    remembering_two = slice_context(clinic_request, run_id)

    assert every_row(remembering_two) == remembering_all
    assert len(remembering_two.cache["patient_ids"]) == 2
