"""Synthetic profiles: patients, then therapists, then admins, each flagged is_test_patient."""

import json
from dataclasses import dataclass
from uuid import UUID

from django.contrib.auth import get_user_model
from faker import Faker

from clinic.models import Profile
from seeding.context import RunContext
from seeding.generators.registry import EntityGenerator, UniqueColumn, register
from seeding.pools import ascii_slug
from seeding.request import SeedRequest

EMAIL_DOMAINS = ("example.com", "example.org", "example.net")  # reserved by RFC 2606
ROLE_ORDER = (Profile.Role.PATIENT, Profile.Role.THERAPIST, Profile.Role.ADMIN)
PHONE_POOL_SIZE = 256
MAX_PHONES = 2
# A therapist's licence in the style of the run's language; the number is unique within the run,
# and a collision with an earlier run's is regenerated like an email.
LICENCE_FORMATS = {"pt": "CREFITO-{region}/{number}-F", "es": "COL-{region}-{number}", "en": "PT{number}"}
SPECIALIZATIONS = {
    "en": (
        "Orthopaedic physiotherapy",
        "Sports physiotherapy",
        "Neurological rehabilitation",
        "Paediatric physiotherapy",
        "Respiratory physiotherapy",
        "Geriatric physiotherapy",
        "Manual therapy",
        "Clinical psychology",
        "Cognitive behavioural therapy",
    ),
    "pt": (
        "Fisioterapia ortopédica",
        "Fisioterapia esportiva",
        "Reabilitação neurológica",
        "Fisioterapia pediátrica",
        "Fisioterapia respiratória",
        "Fisioterapia geriátrica",
        "Terapia manual",
        "Psicologia clínica",
        "Terapia cognitivo-comportamental",
    ),
    "es": (
        "Fisioterapia traumatológica",
        "Fisioterapia deportiva",
        "Rehabilitación neurológica",
        "Fisioterapia pediátrica",
        "Fisioterapia respiratoria",
        "Fisioterapia geriátrica",
        "Terapia manual",
        "Psicología clínica",
        "Terapia cognitivo-conductual",
    ),
}


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


def staff_details(ctx: RunContext, index: int) -> tuple[str, str, str]:
    """A therapist's licence number, specialization and phone numbers (JSON), in the run's locale."""
    attempt = ctx.attempt("profiles", first_unit(ctx.request, Profile.Role.THERAPIST) + index)
    rng = ctx.rng("staff", index, attempt)
    language = ctx.request.locale.split("_")[0]
    # A fixed-width random part followed by the index: unique within the run whatever the index.
    number = f"{rng.randrange(10**5):05d}{index}"
    licence = LICENCE_FORMATS.get(language, "LIC-{number}").format(region=rng.randint(1, 15), number=number)
    specialization = rng.choice(SPECIALIZATIONS.get(language, SPECIALIZATIONS["en"]))
    phones = rng.sample(phone_pool(ctx), rng.randint(1, MAX_PHONES))
    return licence, specialization, json.dumps(phones, ensure_ascii=False)


def phone_pool(ctx: RunContext) -> tuple[str, ...]:
    """Phone numbers in the run's locale, drawn once per run from a Faker seeded by the run."""
    pool = ctx.cache.get("phone_pool")
    if pool is None:
        fake = Faker(ctx.request.locale)
        fake.seed_instance(ctx.seed)
        pool = ctx.cache["phone_pool"] = tuple(dict.fromkeys(fake.phone_number() for _ in range(PHONE_POOL_SIZE)))
    return pool


def _rows(ctx: RunContext, unit: int):
    role, index = role_and_index(ctx.request, unit)
    identity = profile_identity(ctx, role, index)
    licence, specialization, phones = staff_details(ctx, index) if role == Profile.Role.THERAPIST else (None, "", "[]")
    stamp = ctx.timestamp
    yield (
        identity.id.hex,
        identity.email,
        role,
        identity.full_name[:200],
        identity.first_name[:100],
        identity.last_name[:100],
        licence,
        specialization,
        phones,
        True,
        stamp,
        stamp,
    )


def _unique_columns(request: SeedRequest) -> list[UniqueColumn]:
    columns = [UniqueColumn(Profile, "id", 0), UniqueColumn(Profile, "email", 1)]
    if request.therapists_count:
        columns.append(UniqueColumn(Profile, "licence_number", 6))
    if request.with_logins:
        columns.append(UniqueColumn(get_user_model(), "username", 1))
    return columns


register(
    EntityGenerator(
        name="profiles",
        model=Profile,
        columns=(
            "id",
            "email",
            "role",
            "full_name",
            "first_name",
            "last_name",
            "licence_number",
            "specialization",
            "phone_numbers",
            "is_test_patient",
            "created_at",
            "updated_at",
        ),
        depends_on=(),
        units=lambda request: sum(role_counts(request).values()),
        rows=_rows,
        unique_columns=_unique_columns,
    )
)
