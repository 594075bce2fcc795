"""Staff memberships (therapists in their clinic, admins in the first) and patient enrollments."""

from clinic.models import Enrollment, Membership, Profile
from seeding.context import RunContext
from seeding.generators.identity import patient_id, profile_identity, therapist_id
from seeding.generators.placement import (
    clinic_units,
    listed_organization,
    organization_id,
    patient_placement,
    therapist_organization,
)
from seeding.generators.registry import EntityGenerator, register


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
        patient_id(ctx, patient),
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
