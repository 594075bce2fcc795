"""Synthetic organizations (clinics) of a scenario; placement.py says which clinic each person belongs to."""

from clinic.models import Organization
from seeding.context import RunContext
from seeding.generators.placement import ORGANIZATION_IDS
from seeding.generators.registry import EntityGenerator, UniqueColumn, register
from seeding.request import SeedRequest


def organization_slug(ctx: RunContext, index: int) -> str:
    """The requested slug; a suffix only when an earlier run or a real clinic already holds it."""
    slug = ctx.request.organizations[index].slug
    attempt = ctx.attempt("organizations", index)
    if not attempt:
        return slug
    return f"{slug}-{ctx.rng('organization', index, attempt).getrandbits(24):06x}"


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
