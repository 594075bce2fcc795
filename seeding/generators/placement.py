"""Which clinic each therapist and patient of a clinic scenario belongs to, and which therapist a patient sees."""

from collections.abc import Callable

from clinic.models import Profile
from seeding.context import RunContext
from seeding.generators.identity import listed_person
from seeding.request import SeedRequest, split_by_weight

ORGANIZATION_IDS = "organization_ids"  # ctx.cache key: database ids of this run's organizations, in request order


def organization_blocks(ctx: RunContext, weight: str, count: int) -> list[range]:
    """Per organization, the indices of the therapists (or patients) placed in it: consecutive blocks."""
    key = ("organization_blocks", weight)
    blocks = ctx.cache.get(key)
    if blocks is None:
        shares = split_by_weight(count, [getattr(spec, weight) for spec in ctx.request.organizations])
        starts = [sum(shares[:i]) for i in range(len(shares))]
        blocks = ctx.cache[key] = [range(start, start + share) for start, share in zip(starts, shares, strict=True)]
    return blocks


def therapist_blocks(ctx: RunContext) -> list[range]:
    return organization_blocks(ctx, "therapist_weight", ctx.request.therapists_count)


def patient_blocks(ctx: RunContext) -> list[range]:
    return organization_blocks(ctx, "patient_weight", ctx.request.patients_count)


def block_of(blocks: list[range], index: int) -> int:
    return next(position for position, block in enumerate(blocks) if index in block)


def organization_id(ctx: RunContext, index: int) -> int:
    return ctx.cache[ORGANIZATION_IDS][index]


def clinic_units(count: Callable[[SeedRequest], int]) -> Callable[[SeedRequest], int]:
    """Units of a clinic-scenario generator: none at all when the request names no organizations."""
    return lambda request: count(request) if request.organizations else 0


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
