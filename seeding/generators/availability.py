"""Therapists' availability as slots: weekly templates and dated exceptions, shared by schedules and appointments."""

from collections.abc import Sequence
from datetime import time

from clinic.scheduling import slots_conflict
from seeding.context import RunContext

WEEKDAYS = range(5)  # Monday to Friday
DAY_START, DAY_END = 8 * 60, 19 * 60  # minutes after midnight
STEP = 15
DURATIONS = range(60, 4 * 60 + 1, STEP)
MAX_DRAWS = 50  # random candidates for one slot before the deterministic scan takes over
FULL_DAY = (None, None)
FULL_DAY_SHARE = 0.3  # of the exceptions beyond the first two, which are one full-day and one partial

Slot = tuple[time | None, time | None]


def _clock(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


def _random_slot(rng) -> Slot:
    duration = rng.choice(DURATIONS)
    start = DAY_START + STEP * rng.randrange((DAY_END - duration - DAY_START) // STEP + 1)
    return _clock(start), _clock(start + duration)


def _fits(slot: Slot, taken: Sequence[Slot]) -> bool:
    return not any(slots_conflict(*slot, *other) for other in taken)


def template_slots(ctx: RunContext, therapist: int) -> list[tuple[int, Slot]]:
    """A therapist's weekly (weekday, slot) templates, spread over different weekdays first."""
    rng = ctx.rng("schedule", therapist)
    count = rng.randint(*ctx.request.templates_per_therapist)
    days = list(WEEKDAYS)
    rng.shuffle(days)
    taken: dict[int, list[Slot]] = {day: [] for day in WEEKDAYS}
    chosen = []
    for position in range(count):
        day, slot = _random_template(rng, taken, days[position % len(days)]) or _first_free_template(taken)
        taken[day].append(slot)
        chosen.append((day, slot))
    return chosen


def _random_template(rng, taken: dict[int, list[Slot]], preferred_day: int) -> tuple[int, Slot] | None:
    for draw in range(MAX_DRAWS):
        day = preferred_day if draw == 0 else rng.choice(WEEKDAYS)
        slot = _random_slot(rng)
        if _fits(slot, taken[day]):
            return day, slot
    return None


def _first_free_template(taken: dict[int, list[Slot]]) -> tuple[int, Slot]:
    # A weekday holding at most one slot always has room for an hour more, and the request
    # allows no more templates than two per weekday, so this scan always finds one.
    for day in WEEKDAYS:
        for start in range(DAY_START, DAY_END - DURATIONS[0] + 1, STEP):
            slot = (_clock(start), _clock(start + DURATIONS[0]))
            if _fits(slot, taken[day]):
                return day, slot
    raise LookupError("no free weekly slot left; the request's limits should have prevented this")


def exception_slots(ctx: RunContext, therapist: int) -> list[tuple[int, Slot, bool]]:
    """A therapist's (days after end_date, slot, is_available) exceptions, full-day and partial."""
    rng = ctx.rng("exceptions", therapist)
    count = rng.randint(*ctx.request.exceptions_per_therapist)
    first_available = rng.random() < 0.5
    kinds = [(True, first_available), (False, not first_available)]
    kinds += [(rng.random() < FULL_DAY_SHARE, rng.random() < 0.5) for _ in range(count - len(kinds))]
    kinds = kinds[:count]
    rng.shuffle(kinds)
    days = range(1, ctx.request.exception_days + 1)
    taken: dict[int, list[Slot]] = {}
    chosen = []
    for is_full_day, is_available in kinds:
        day, slot = _random_exception(rng, taken, days, is_full_day)
        taken.setdefault(day, []).append(slot)
        chosen.append((day, slot, is_available))
    return chosen


def _random_exception(rng, taken: dict[int, list[Slot]], days: range, is_full_day: bool) -> tuple[int, Slot]:
    for _ in range(MAX_DRAWS):
        day, slot = rng.choice(days), _exception_slot(rng, is_full_day)
        if _fits(slot, taken.get(day, ())):
            return day, slot
    # The request allows no more exceptions than days, so a date without any is always left.
    slot = _exception_slot(rng, is_full_day)
    return next(day for day in days if _fits(slot, taken.get(day, ()))), slot


def _exception_slot(rng, is_full_day: bool) -> Slot:
    return FULL_DAY if is_full_day else _random_slot(rng)
