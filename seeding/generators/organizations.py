"""Synthetic organizations (clinics) of a scenario, and which clinic each therapist and patient belongs to."""

from collections.abc import Callable

from clinic.models import Organization
from seeding.context import RunContext
from seeding.generators.registry import EntityGenerator, UniqueColumn, register
from seeding.request import SeedRequest, split_by_weight

ORGANIZATION_IDS = "organization_ids"  # ctx.cache key: database ids of this run's organizations, in request order


def organization_slug(ctx: RunContext, index: int) -> str:
    """The requested slug; a suffix only when an earlier run or a real clinic already holds it."""
    slug = ctx.request.organizations[index].slug
    attempt = ctx.attempt("organizations", index)
    if not attempt:
        return slug
    return f"{slug}-{ctx.rng('organization', index, attempt).getrandbits(24):06x}"


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


def _rows(ctx: RunContext, index: int):
    yield (ctx.request.organizations[index].name, organization_slug(ctx, index), ctx.timestamp)


def _remember_ids(ctx: RunContext, using: str) -> None:
    # Organization ids come from the database, so the generators that follow read them from here.
    ids = dict(Organization.objects.using(using).filter(synthetic_run_id=ctx.run_id).values_list("slug", "id"))
    ctx.cache[ORGANIZATION_IDS] = [ids[organization_slug(ctx, i)] for i in range(len(ctx.request.organizations))]


def _organization_count(request: SeedRequest) -> int:
    return len(request.organizations)


register(
    EntityGenerator(
        name="organizations",
        model=Organization,
        columns=("name", "slug", "created_at"),
        depends_on=(),
        units=_organization_count,
        rows=_rows,
        unique_columns=lambda request: [UniqueColumn(Organization, "slug", 1)],
        after_write=_remember_ids,
    )
)
