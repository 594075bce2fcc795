"""Who each generated person is (id, email, name, role), shared by every generator that refers to a person."""

from dataclasses import dataclass
from uuid import UUID

from clinic.models import Profile
from seeding.context import RunContext
from seeding.pools import ascii_slug
from seeding.request import SeedRequest

EMAIL_DOMAINS = ("example.com", "example.org", "example.net")  # reserved by RFC 2606
ROLE_ORDER = (Profile.Role.PATIENT, Profile.Role.THERAPIST, Profile.Role.ADMIN)
# Ids remembered per role (about 150 bytes each): beyond this many, the rest are derived again (5 µs each).
REMEMBERED_IDS_PER_ROLE = 100_000


@dataclass(frozen=True)
class ProfileIdentity:
    id: UUID
    email: str
    first_name: str
    last_name: str
    role: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


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
    """The id, email and name of one profile, from the seed, its role, its index and its attempt.

    The first profiles of a role are the request's people of that role, if it names any: their email
    and name are the given ones (an email an earlier run already took gets a +tag).
    """
    attempt = ctx.attempt("profiles", first_unit(ctx.request, role) + index)
    rng = ctx.rng("profile", role, index, attempt)
    first = rng.choice(ctx.pools.first_names)
    last = rng.choice(ctx.pools.last_names)
    # The role letter and index make emails unique within a run; the random tag, across runs.
    tag = f"{rng.getrandbits(24):06x}"
    identity_id = UUID(int=rng.getrandbits(128), version=4)
    person = listed_person(ctx, role, index)
    if person is not None:
        first, _, last = person.full_name.strip().partition(" ")
        local, _, domain = person.email.partition("@")
        email = person.email if not attempt else f"{local}+{tag}@{domain}"
        return ProfileIdentity(id=identity_id, email=email, first_name=first, last_name=last.strip(), role=role)
    local = f"{ascii_slug(first) or 'user'}.{ascii_slug(last) or 'test'}.{tag}{role[0]}{index}"
    return ProfileIdentity(
        id=identity_id,
        email=f"{local}@{rng.choice(EMAIL_DOMAINS)}",
        first_name=first,
        last_name=last,
        role=role,
    )


def listed_person(ctx: RunContext, role: str, index: int):
    """The request's person who is profile `index` of `role`, or None for a generated one."""
    listed = ctx.cache.get("people_by_role")
    if listed is None:
        listed = ctx.cache["people_by_role"] = {r: [p for p in ctx.request.people if p.role == r] for r in ROLE_ORDER}
    people = listed.get(role, ())
    return people[index] if index < len(people) else None


def therapist_id(ctx: RunContext, therapist: int) -> str:
    """A therapist's profile id, remembered: every patient and plan of theirs needs it."""
    return _remembered_id(ctx, Profile.Role.THERAPIST, therapist)


def patient_id(ctx: RunContext, patient: int) -> str:
    """A patient's profile id, remembered: enrollments, plans and appointments all need it."""
    return _remembered_id(ctx, Profile.Role.PATIENT, patient)


def _remembered_id(ctx: RunContext, role: str, index: int) -> str:
    # Only generators after profiles ask: by then each profile's attempt, and so its id, is final.
    ids = ctx.cache.setdefault(f"{role}_ids", {})
    known = ids.get(index)
    if known is None:
        known = profile_identity(ctx, role, index).id.hex
        if len(ids) < REMEMBERED_IDS_PER_ROLE:
            ids[index] = known
    return known
