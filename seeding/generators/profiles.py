"""Synthetic profiles: patients, then therapists, then admins, each flagged is_test_patient."""

from dataclasses import dataclass
from uuid import UUID

from django.contrib.auth import get_user_model

from clinic.models import Profile
from seeding.context import RunContext
from seeding.generators.registry import EntityGenerator, UniqueColumn, register
from seeding.pools import ascii_slug
from seeding.request import SeedRequest

EMAIL_DOMAINS = ("example.com", "example.org", "example.net")  # reserved by RFC 2606
ROLE_ORDER = (Profile.Role.PATIENT, Profile.Role.THERAPIST, Profile.Role.ADMIN)


@dataclass(frozen=True)
class ProfileIdentity:
    id: UUID
    email: str
    full_name: str
    role: str


def role_counts(request: SeedRequest) -> dict[str, int]:
    return {
        Profile.Role.PATIENT: request.patients_count,
        Profile.Role.THERAPIST: request.therapists_count,
        Profile.Role.ADMIN: request.admins_count,
    }


def role_and_index(request: SeedRequest, unit: int) -> tuple[str, int]:
    """Map a unit (0 .. all profiles) to its role and its position among that role."""
    for role, count in role_counts(request).items():
        if unit < count:
            return role, unit
        unit -= count
    raise IndexError("unit beyond the request's profiles")


def first_unit(request: SeedRequest, role: str) -> int:
    counts = role_counts(request)
    return sum(counts[r] for r in ROLE_ORDER[: ROLE_ORDER.index(role)])


def profile_identity(ctx: RunContext, role: str, index: int) -> ProfileIdentity:
    """The id, email and name of one profile, from the seed, its role, its index and its attempt."""
    attempt = ctx.attempt("profiles", first_unit(ctx.request, role) + index)
    rng = ctx.rng("profile", role, index, attempt)
    first = rng.choice(ctx.pools.first_names)
    last = rng.choice(ctx.pools.last_names)
    # The role letter and index make emails unique within a run; the random tag, across runs.
    tag = f"{rng.getrandbits(24):06x}"
    local = f"{ascii_slug(first) or 'user'}.{ascii_slug(last) or 'test'}.{tag}{role[0]}{index}"
    return ProfileIdentity(
        id=UUID(int=rng.getrandbits(128), version=4),
        email=f"{local}@{rng.choice(EMAIL_DOMAINS)}",
        full_name=f"{first} {last}",
        role=role,
    )


def _rows(ctx: RunContext, unit: int):
    role, index = role_and_index(ctx.request, unit)
    identity = profile_identity(ctx, role, index)
    stamp = ctx.timestamp
    yield (identity.id.hex, identity.email, role, identity.full_name, True, ctx.run_id.hex, stamp, stamp)


def _unique_columns(request: SeedRequest) -> list[UniqueColumn]:
    columns = [UniqueColumn(Profile, "id", 0), UniqueColumn(Profile, "email", 1)]
    if request.with_logins:
        columns.append(UniqueColumn(get_user_model(), "username", 1))
    return columns


def owned_profiles(run_id: UUID | None):
    profiles = Profile.objects.filter(is_test_patient=True)
    return profiles if run_id is None else profiles.filter(synthetic_run_id=run_id)


register(
    EntityGenerator(
        name="profiles",
        model=Profile,
        columns=("id", "email", "role", "full_name", "is_test_patient", "synthetic_run_id", "created_at", "updated_at"),
        depends_on=(),
        units=lambda request: sum(role_counts(request).values()),
        rows=_rows,
        owned_rows=owned_profiles,
        unique_columns=_unique_columns,
    )
)
