"""Daily check-ins for patients: mood follows the patient's pattern (seeding/generators/mood.py), sleep
carries into it, energy and anxiety follow it, and treatment plans lift it.

A million rows must cost seconds, so nothing here calls Faker or random.gauss per row: per run,
normal noise is tabulated once (256 quantiles) and each row draws table indexes from one
getrandbits call.
"""

from datetime import date, timedelta

from clinic.models import CheckIn, Profile
from seeding.context import RunContext
from seeding.generators.identity import listed_person, profile_identity
from seeding.generators.mood import (
    EPISODE_SLEEP_TENTHS,
    MIXED,
    NORMAL_QUANTILES,
    PATTERNS,
    SLEEP_HABIT_TENTHS,
    SLEEP_MOOD_EFFECT,
    SLEEP_NOISE_TENTHS,
    SLEEP_TENTHS_RANGE,
    checkin_days,
    cycling_tenths,
    pattern_of,
    stable_tenths,
    treatment_gains,
    weekday_lifts,
)
from seeding.generators.registry import EntityGenerator, register
from seeding.generators.treatment import patient_plans
from seeding.request import PersonSpec, SeedRequest

__all__ = ["NORMAL_QUANTILES", "PATTERNS", "mood_series"]

MOODS = range(1, 11)
NOTE_PROBABILITY = 0.6
MINUTES = tuple(f"{minute:02d}" for minute in range(60))


def _clamp(value: float, low: float = 1, high: float = 10) -> int:
    return int(max(low, min(high, round(value))))


# A row's mood *key*: its mood 1 to 10, plus 10 in a mixed state, which is energetic and anxious whatever
# the mood. For each key, 256 equally likely values of what follows the mood.
MOOD_KEYS = range(1, 21)
MOOD_OF_KEY = {key: (key - 1) % 10 + 1 for key in MOOD_KEYS}


def _by_key(value_of, mixed_value_of) -> dict[int, tuple]:
    return {
        key: tuple((value_of if key <= 10 else mixed_value_of)(MOOD_OF_KEY[key], noise) for noise in NORMAL_QUANTILES)
        for key in MOOD_KEYS
    }


ENERGY_BY_KEY = _by_key(
    lambda mood, noise: _clamp(0.8 * mood + 1.2 + 0.9 * noise),
    lambda mood, noise: _clamp(0.5 * mood + 4.0 + 1.0 * noise),
)
ANXIETY_BY_KEY = _by_key(
    lambda mood, noise: _clamp(10.0 - 0.8 * mood + 0.9 * noise),
    lambda mood, noise: _clamp(10.5 - 0.5 * mood + 1.0 * noise),
)
# Mood levels in tenths of a point, offset so that every level is positive; a mixed state's level is
# offset once more, so that one number carries a day's mood key: level tenths -> mood key.
LEVEL_OFFSET_TENTHS = 300
MIXED_OFFSET_TENTHS = 1000
KEY_BY_LEVEL_TENTHS = tuple(
    _clamp((tenths % MIXED_OFFSET_TENTHS - LEVEL_OFFSET_TENTHS + 0.5) / 10) + 10 * (tenths // MIXED_OFFSET_TENTHS)
    for tenths in range(2 * MIXED_OFFSET_TENTHS)
)
# Level tenths -> (mood, its 256 energies, its 256 anxieties): one lookup per row.
TABLES_BY_LEVEL_TENTHS = tuple(
    (MOOD_OF_KEY[key], ENERGY_BY_KEY[key], ANXIETY_BY_KEY[key]) for key in KEY_BY_LEVEL_TENTHS
)
SLEEP_MOOD_EFFECT_TENTHS = tuple(round(10 * effect) for effect in SLEEP_MOOD_EFFECT)
NO_SLEEP_EFFECT = (0,) * 256
# Sleep in tenths of an hour -> its text, clamped to the plausible range.
SLEEP_TEXT = tuple(
    f"{min(SLEEP_TENTHS_RANGE[1], max(SLEEP_TENTHS_RANGE[0], tenths)) / 10:.1f}" for tenths in range(200)
)


def mood_series(rng, pattern: str, days: int) -> list[int]:
    """Mood on each of `days` consecutive days, oldest first, before sleep and treatment."""
    if pattern == "random":
        return rng.choices(MOODS, k=days)
    level_of = stable_tenths if pattern == "stable" else lambda rng, shifts: cycling_tenths(rng, shifts)[0]
    return [_clamp(tenths / 10) for tenths in level_of(rng, [0.0] * days)]


def _rows(ctx: RunContext, patient: int):
    request = ctx.request
    patient_id = profile_identity(ctx, Profile.Role.PATIENT, patient).id.hex
    rng = ctx.rng("checkins", patient)
    person = listed_person(ctx, Profile.Role.PATIENT, patient)
    last_day, days = _calendar(ctx, rng, person)
    dates = _row_dates(ctx, days, last_day)
    hour = f"{rng.randint(7, 22):02d}"  # each patient has their habitual time of day
    times = [f" {hour}:{minute}:00" for minute in MINUTES]
    pattern = (person and person.mood_pattern) or pattern_of(patient_id, request.mood_pattern)
    levels, sleep_habits = _levels_and_sleep_habits(ctx, patient, pattern, rng, days, last_day)
    sleep_effect = NO_SLEEP_EFFECT if pattern == "random" else SLEEP_MOOD_EFFECT_TENTHS
    notes = _shared_tables(ctx)[1]
    bits, tables = rng.getrandbits, TABLES_BY_LEVEL_TENTHS
    for iso_date, level, sleep_habit in zip(dates, levels, sleep_habits, strict=True):
        draw = bits(38)
        sleep = draw & 255  # the night before: its deviation from the habit carries into the day's mood
        mood, energies, anxieties = tables[level + sleep_effect[sleep]]
        yield (
            patient_id,
            iso_date,
            mood,
            energies[(draw >> 8) & 255],
            anxieties[(draw >> 16) & 255],
            SLEEP_TEXT[sleep_habit + SLEEP_NOISE_TENTHS[sleep]],
            notes[(draw >> 24) & 255],
            iso_date + times[(draw >> 32) % 60],
        )


def _calendar(ctx: RunContext, rng, person: PersonSpec | None) -> tuple[date, list[int]]:
    """A patient's last check-in day and their check-in days as days before it, oldest first.

    A generated patient checks in up to the run's end date. A patient listed in the request with their
    own dates checks in up to checkins_to (default: the end date, or checkins_from if that is later)
    and never before checkins_from: checkins_per_user check-ins spread at the run's adherence; if
    spreading would begin before the range, on consecutive days ending on the last day; and if the range
    has fewer days than checkins_per_user, once on every day of the range (so fewer check-ins).
    """
    request = ctx.request
    count, adherence = request.checkins_per_user, request.checkin_adherence
    if person is None or not (person.checkins_from or person.checkins_to):
        return ctx.end_date, _shared_tables(ctx)[0] if adherence >= 1 else _spread_days(rng, request, ctx.end_date)
    first = person.checkins_from
    last = person.checkins_to or max(ctx.end_date, first)
    days = _shared_tables(ctx)[0] if adherence >= 1 else _spread_days(rng, request, last)
    if first is None:
        return last, days
    room = (last - first).days + 1
    if room <= count:
        return last, list(range(room - 1, -1, -1))
    return last, days if days[0] < room else _shared_tables(ctx)[0]


def _spread_days(rng, request: SeedRequest, last: date) -> list[int]:
    return checkin_days(rng, request.checkins_per_user, request.checkin_adherence, last.weekday())


def _levels_and_sleep_habits(ctx: RunContext, patient: int, pattern: str, rng, days: list[int], last_day: date):
    """Each check-in's mood level (KEY_BY_LEVEL_TENTHS's index) and the sleep expected the night before."""
    habit = rng.randint(*SLEEP_HABIT_TENTHS)
    if pattern == "random":
        return [10 * mood + LEVEL_OFFSET_TENTHS for mood in rng.choices(MOODS, k=len(days))], [habit] * len(days)
    span = days[0] + 1  # the patient's calendar of consecutive days: index 0 the oldest, span - 1 the last day
    first = last_day - timedelta(days=span - 1)
    # Each day's shift of the mood level: the weekday lift, treatment, and the offset that keeps levels positive.
    shifts = weekday_lifts(rng, first.weekday(), span, offset=LEVEL_OFFSET_TENTHS / 10)
    if ctx.request.organizations:
        gains = treatment_gains(rng, patient_plans(ctx, patient), first, span)
        if gains:
            shifts = [shift + gain for shift, gain in zip(shifts, gains, strict=True)]
    states = None
    if pattern == "stable":
        tenths = stable_tenths(rng, shifts)
    else:
        tenths, states = cycling_tenths(rng, shifts)
    habits = [habit] * span
    if states is not None:
        tenths = [t + MIXED_OFFSET_TENTHS if s == MIXED else t for t, s in zip(tenths, states, strict=True)]
        habits = [habit + EPISODE_SLEEP_TENTHS[state] for state in states]
    if len(days) == span:  # every day has a check-in
        return tenths, habits
    return [tenths[span - 1 - day] for day in days], [habits[span - 1 - day] for day in days]


def _shared_tables(ctx: RunContext) -> tuple[list[int], tuple[str, ...]]:
    """Per run: the days of a full-adherence patient (days before end_date) and 256 equally likely notes."""
    tables = ctx.cache.get("checkins")
    if tables is None:
        days = list(range(ctx.request.checkins_per_user - 1, -1, -1))
        with_note = round(256 * NOTE_PROBABILITY)
        pool = ctx.pools.notes
        notes = tuple(pool[k % len(pool)] if k < with_note else "" for k in range(256))
        tables = ctx.cache["checkins"] = (days, notes)
    return tables


def _row_dates(ctx: RunContext, days: list[int], last_day: date) -> list[str]:
    """The ISO date of each check-in; the same list for every patient who checks in daily up to end_date."""
    if days is _shared_tables(ctx)[0] and last_day == ctx.end_date:
        dates = ctx.cache.get("checkin_row_dates")
        if dates is None:
            dates = ctx.cache["checkin_row_dates"] = [_dates_back_to(ctx, days[0])[day] for day in days]
        return dates
    by_day = _dates_back_to(ctx, days[0]) if last_day == ctx.end_date else _iso_dates_back(last_day, days[0])
    return [by_day[day] for day in days]


def _iso_dates_back(last: date, days: int) -> list[str]:
    """The ISO dates of `last` and the `days` days before it (index: days before)."""
    return [(last - timedelta(days=before)).isoformat() for before in range(days + 1)]


def _dates_back_to(ctx: RunContext, days: int) -> list[str]:
    """The ISO dates of end_date and at least `days` days before it (index: days before), kept per run."""
    dates = ctx.cache.setdefault("checkin_dates", [])
    while len(dates) <= days:
        dates.append((ctx.end_date - timedelta(days=len(dates))).isoformat())
    return dates


register(
    EntityGenerator(
        name="checkins",
        model=CheckIn,
        columns=("user_id", "checkin_date", "mood", "energy", "anxiety", "sleep_hours", "notes", "created_at"),
        depends_on=("profiles",),
        units=lambda request: request.patients_count,
        rows=_rows,
        rows_per_unit=lambda request: request.checkins_per_user,
    )
)
