"""Daily check-ins for patients: mood follows the patient's pattern (seeding/generators/mood.py), sleep
carries into it, energy and anxiety follow it, and treatment plans lift it.

A million rows must cost seconds, so nothing here calls Faker or random.gauss per row: per run,
normal noise is tabulated once (256 quantiles) and each row draws table indexes from one
getrandbits call.
"""

from datetime import timedelta

from clinic.models import CheckIn, Profile
from seeding.context import RunContext
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
    cycling_levels,
    pattern_of,
    stable_levels,
    treatment_gains,
    weekday_lifts,
)
from seeding.generators.plans import patient_plans
from seeding.generators.profiles import profile_identity
from seeding.generators.registry import EntityGenerator, register

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
    levels = stable_levels(rng, days) if pattern == "stable" else cycling_levels(rng, days)[0]
    return [_clamp(level) for level in levels]


def _rows(ctx: RunContext, patient: int):
    request = ctx.request
    patient_id = profile_identity(ctx, Profile.Role.PATIENT, patient).id.hex
    rng = ctx.rng("checkins", patient)
    all_days, notes = _shared_tables(ctx)
    days = (
        all_days
        if request.checkin_adherence >= 1
        else checkin_days(rng, request.checkins_per_user, request.checkin_adherence, ctx.end_date.weekday())
    )
    dates = _dates_back_to(ctx, days[0])
    hour = f"{rng.randint(7, 22):02d}"  # each patient has their habitual time of day
    pattern = pattern_of(patient_id, request.mood_pattern)
    levels, sleep_habits = _levels_and_sleep_habits(ctx, patient, pattern, rng, days)
    sleep_effect = NO_SLEEP_EFFECT if pattern == "random" else SLEEP_MOOD_EFFECT_TENTHS
    bits = rng.getrandbits
    for day, level, sleep_habit in zip(days, levels, sleep_habits, strict=True):
        draw = bits(38)
        sleep = draw & 255  # the night before: its deviation from the habit carries into the day's mood
        key = KEY_BY_LEVEL_TENTHS[level + sleep_effect[sleep]]
        date = dates[day]
        yield (
            patient_id,
            date,
            MOOD_OF_KEY[key],
            ENERGY_BY_KEY[key][(draw >> 8) & 255],
            ANXIETY_BY_KEY[key][(draw >> 16) & 255],
            SLEEP_TEXT[sleep_habit + SLEEP_NOISE_TENTHS[sleep]],
            notes[(draw >> 24) & 255],
            f"{date} {hour}:{MINUTES[(draw >> 32) % 60]}:00",
        )


def _levels_and_sleep_habits(ctx: RunContext, patient: int, pattern: str, rng, days: list[int]):
    """Each check-in's mood level (KEY_BY_LEVEL_TENTHS's index) and the sleep expected the night before."""
    habit = rng.randint(*SLEEP_HABIT_TENTHS)
    if pattern == "random":
        return [10 * mood + LEVEL_OFFSET_TENTHS for mood in rng.choices(MOODS, k=len(days))], [habit] * len(days)
    span = days[0] + 1  # the patient's calendar of consecutive days: index 0 the oldest, span - 1 end_date
    first = ctx.end_date - timedelta(days=span - 1)
    states = None
    if pattern == "stable":
        levels = stable_levels(rng, span)
    else:
        levels, states = cycling_levels(rng, span)
    if ctx.request.organizations:
        gains = treatment_gains(rng, patient_plans(ctx, patient), first, span)
        if gains:
            levels = [level + gain for level, gain in zip(levels, gains, strict=True)]
    lifts = weekday_lifts(rng, first.weekday(), span)
    tenths = [int((level + lift) * 10) + LEVEL_OFFSET_TENTHS for level, lift in zip(levels, lifts, strict=True)]
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
