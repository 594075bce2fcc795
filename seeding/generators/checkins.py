"""Daily check-ins for patients: mood follows the requested pattern; energy, anxiety and sleep follow mood."""

import math
from datetime import timedelta

from clinic.models import CheckIn, Profile
from seeding.context import RunContext
from seeding.generators.profiles import owned_profiles, profile_identity
from seeding.generators.registry import EntityGenerator, register

PATTERNS = ("stable", "cycling", "random")
NOTE_PROBABILITY = 0.6


def _clamp(value: float, low: int = 1, high: int = 10) -> int:
    return max(low, min(high, round(value)))


def mood_series(rng, pattern: str, days: int) -> list[int]:
    """Mood on each of `days` consecutive days, oldest first."""
    if pattern == "stable":
        baseline = rng.uniform(4.5, 7.5)
        return [_clamp(baseline + rng.gauss(0, 0.6)) for _ in range(days)]
    if pattern == "cycling":
        period = 7 * rng.randint(2, 5)
        amplitude = rng.uniform(3.0, 4.0)
        phase = rng.uniform(0, 2 * math.pi)
        step = 2 * math.pi / period
        return [_clamp(5.5 + amplitude * math.sin(step * day + phase) + rng.gauss(0, 0.5)) for day in range(days)]
    return [rng.randint(1, 10) for _ in range(days)]


def patient_pattern(ctx: RunContext, rng) -> str:
    pattern = ctx.request.mood_pattern
    return rng.choice(PATTERNS) if pattern == "mixed" else pattern


def _rows(ctx: RunContext, patient: int):
    days = ctx.request.checkins_per_user
    patient_id = profile_identity(ctx, Profile.Role.PATIENT, patient).id.hex
    rng = ctx.rng("checkins", patient)
    moods = mood_series(rng, patient_pattern(ctx, rng), days)
    dates = _dates(ctx, days)
    hour = rng.randint(7, 22)  # each patient has their habitual time of day
    notes = ctx.pools.notes
    gauss, random = rng.gauss, rng.random
    for day, mood in enumerate(moods):
        sleep = min(11.5, max(3.0, 6.8 + 0.3 * (mood - 5.5) + gauss(0, 0.8)))
        yield (
            patient_id,
            dates[day],
            mood,
            _clamp(0.8 * mood + 1.2 + gauss(0, 0.9)),
            _clamp(10.0 - 0.8 * mood + gauss(0, 0.9)),
            f"{sleep:.1f}",
            notes[int(random() * len(notes))] if random() < NOTE_PROBABILITY else "",
            f"{dates[day]} {hour:02d}:{int(random() * 60):02d}:00",
        )


def _dates(ctx: RunContext, days: int) -> list[str]:
    # Computed once per run and shared: the latest check-in is on end_date, one per day before it.
    cache_key = ("checkin_dates", days)
    dates = ctx.cache.get(cache_key)
    if dates is None:
        first = ctx.end_date - timedelta(days=days - 1)
        dates = ctx.cache[cache_key] = [(first + timedelta(days=d)).isoformat() for d in range(days)]
    return dates


def owned_checkins(run_id):
    return CheckIn.objects.filter(user_id__in=owned_profiles(run_id).values("id"))


register(
    EntityGenerator(
        name="checkins",
        model=CheckIn,
        columns=("user_id", "checkin_date", "mood", "energy", "anxiety", "sleep_hours", "notes", "created_at"),
        depends_on=("profiles",),
        units=lambda request: request.patients_count,
        rows=_rows,
        rows_per_unit=lambda request: request.checkins_per_user,
        owned_rows=owned_checkins,
        chunk_units=500,
    )
)
