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
from seeding.generators.profiles import listed_person, profile_identity
from seeding.generators.registry import EntityGenerator, register


def listed_organization(ctx: RunContext, role: str, index: int) -> int | None:
    """The organization index a listed person asked for (by slug), or None to place them by weight."""
    person = listed_person(ctx, role, index)
    if person is None or not person.organization:
        return None
    return [spec.slug for spec in ctx.request.organizations].index(person.organization)


def therapist_organization(ctx: RunContext, therapist: int) -> int:
    """The index (in the request) of the organization a therapist works in."""
    listed = listed_organization(ctx, Profile.Role.THERAPIST, therapist)
    return block_of(therapist_blocks(ctx), therapist) if listed is None else listed


def therapists_of(ctx: RunContext, organization: int) -> list[int]:
    """The therapists working in an organization, computed once per run."""
    by_organization = ctx.cache.get("therapists_by_organization")
    if by_organization is None:
        by_organization = ctx.cache["therapists_by_organization"] = {}
        for therapist in range(ctx.request.therapists_count):
            by_organization.setdefault(therapist_organization(ctx, therapist), []).append(therapist)
    return by_organization.get(organization, [])


def patient_placement(ctx: RunContext, patient: int) -> tuple[int, int]:
    """The organization index of a patient and the index of their therapist, one of that organization's."""
    listed = listed_organization(ctx, Profile.Role.PATIENT, patient)
    organization = block_of(patient_blocks(ctx), patient) if listed is None else listed
    therapist = ctx.rng("enrollment", patient).choice(therapists_of(ctx, organization))
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
        admin = unit - therapists
        organization = listed_organization(ctx, Profile.Role.ADMIN, admin) or 0
        profile = profile_identity(ctx, Profile.Role.ADMIN, admin)
        yield (profile.id.hex, organization_id(ctx, organization), Membership.Role.ADMIN.value)


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
