"""Staff memberships (therapists in their clinic, admins in the first) and patient enrollments."""

from clinic.models import Enrollment, Membership, Profile
from seeding.context import RunContext
from seeding.generators.organizations import (
    block_of,
    clinic_units,
    organization_id,
    patient_blocks,
    therapist_blocks,
)
from seeding.generators.profiles import profile_identity
from seeding.generators.registry import EntityGenerator, register


def therapist_organization(ctx: RunContext, therapist: int) -> int:
    """The index (in the request) of the organization a therapist works in."""
    return block_of(therapist_blocks(ctx), therapist)


def patient_placement(ctx: RunContext, patient: int) -> tuple[int, int]:
    """The organization index of a patient and the index of their therapist, one of that organization's."""
    organization = block_of(patient_blocks(ctx), patient)
    therapist = ctx.rng("enrollment", patient).choice(therapist_blocks(ctx)[organization])
    return organization, therapist


def therapist_id(ctx: RunContext, therapist: int) -> str:
    """A therapist's profile id, remembered: every patient and plan of theirs needs it."""
    ids = ctx.cache.setdefault("therapist_ids", {})
    if therapist not in ids:
        ids[therapist] = profile_identity(ctx, Profile.Role.THERAPIST, therapist).id.hex
    return ids[therapist]


def _membership_rows(ctx: RunContext, unit: int):
    therapists = ctx.request.therapists_count
    if unit < therapists:
        organization = organization_id(ctx, therapist_organization(ctx, unit))
        yield (therapist_id(ctx, unit), organization, Membership.Role.THERAPIST.value)
    else:
        profile = profile_identity(ctx, Profile.Role.ADMIN, unit - therapists)
        yield (profile.id.hex, organization_id(ctx, 0), Membership.Role.ADMIN.value)


def _enrollment_rows(ctx: RunContext, patient: int):
    organization, therapist = patient_placement(ctx, patient)
    yield (
        profile_identity(ctx, Profile.Role.PATIENT, patient).id.hex,
        organization_id(ctx, organization),
        therapist_id(ctx, therapist),
    )


register(
    EntityGenerator(
        name="memberships",
        model=Membership,
        columns=("profile_id", "organization_id", "role"),
        depends_on=("profiles", "organizations"),
        units=clinic_units(lambda request: request.therapists_count + request.admins_count),
        rows=_membership_rows,
    )
)

register(
    EntityGenerator(
        name="enrollments",
        model=Enrollment,
        columns=("patient_id", "organization_id", "therapist_id"),
        depends_on=("profiles", "organizations"),
        units=clinic_units(lambda request: request.patients_count),
        rows=_enrollment_rows,
    )
)
