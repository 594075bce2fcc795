"""Therapists' weekly availability and availability exceptions; every slot is checked with the clinic's rule."""

from datetime import time, timedelta

from clinic.models import AvailabilityException, WeeklyAvailability
from seeding.context import RunContext
from seeding.generators.availability import exception_slots, template_slots
from seeding.generators.identity import therapist_id
from seeding.generators.placement import clinic_units, organization_id, therapist_organization
from seeding.generators.registry import EntityGenerator, register


def _text(moment: time | None) -> str | None:
    return moment.isoformat() if moment else None


def _template_rows(ctx: RunContext, therapist: int):
    organization = organization_id(ctx, therapist_organization(ctx, therapist))
    for weekday, (start, end) in template_slots(ctx, therapist):
        yield (therapist_id(ctx, therapist), organization, weekday, _text(start), _text(end))


def _exception_rows(ctx: RunContext, therapist: int):
    organization = organization_id(ctx, therapist_organization(ctx, therapist))
    for day, (start, end), is_available in exception_slots(ctx, therapist):
        date = (ctx.end_date + timedelta(days=day)).isoformat()
        yield (therapist_id(ctx, therapist), organization, date, _text(start), _text(end), is_available)


def _mean(pair: tuple[int, int]) -> int:
    return round(sum(pair) / 2)  # planned rows only feed the progress display


register(
    EntityGenerator(
        name="weekly_availability",
        model=WeeklyAvailability,
        columns=("therapist_id", "organization_id", "weekday", "start_time", "end_time"),
        depends_on=("memberships",),
        units=clinic_units(lambda request: request.therapists_count),
        rows=_template_rows,
        rows_per_unit=lambda request: _mean(request.templates_per_therapist),
    )
)

register(
    EntityGenerator(
        name="availability_exceptions",
        model=AvailabilityException,
        columns=("therapist_id", "organization_id", "date", "start_time", "end_time", "is_available"),
        depends_on=("memberships",),
        units=clinic_units(lambda request: request.therapists_count),
        rows=_exception_rows,
        rows_per_unit=lambda request: _mean(request.exceptions_per_therapist),
    )
)
