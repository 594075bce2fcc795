"""Synthetic profiles: patients, then therapists, then admins, each flagged is_test_patient."""

import json

from django.contrib.auth import get_user_model
from faker import Faker

from clinic.models import Profile
from seeding.context import RunContext
from seeding.generators.identity import first_unit, profile_identity, role_and_index, role_counts
from seeding.generators.registry import EntityGenerator, UniqueColumn, register
from seeding.request import SeedRequest

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
