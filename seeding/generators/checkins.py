"""Daily check-ins for patients: mood follows the requested pattern; energy, anxiety and sleep follow mood.

A million rows must cost seconds, so nothing here calls Faker or random.gauss per row: per run,
normal noise is tabulated once (256 quantiles) and each row draws table indexes from one
getrandbits call.
"""

import math
from datetime import timedelta
from functools import cache
from statistics import NormalDist

from clinic.models import CheckIn, Profile
from seeding.context import RunContext
from seeding.generators.profiles import owned_profiles, profile_identity
from seeding.generators.registry import EntityGenerator, register

PATTERNS = ("stable", "cycling", "random")
MOODS = range(1, 11)
NOTE_PROBABILITY = 0.6
# 256 equally likely standard-normal values: noise by table lookup instead of random.gauss.
NORMAL_QUANTILES = tuple(NormalDist().inv_cdf((k + 0.5) / 256) for k in range(256))
MINUTES = tuple(f"{minute:02d}" for minute in range(60))


def _clamp(value: float, low: float = 1, high: float = 10) -> int:
    return int(max(low, min(high, round(value))))


def _by_mood(value_of) -> dict[int, tuple]:
    return {mood: tuple(value_of(mood, noise) for noise in NORMAL_QUANTILES) for mood in MOODS}


# For each mood, 256 equally likely values of what follows it.
ENERGY_BY_MOOD = _by_mood(lambda mood, noise: _clamp(0.8 * mood + 1.2 + 0.9 * noise))
ANXIETY_BY_MOOD = _by_mood(lambda mood, noise: _clamp(10.0 - 0.8 * mood + 0.9 * noise))
SLEEP_BY_MOOD = _by_mood(lambda mood, noise: f"{min(11.5, max(3.0, 6.8 + 0.3 * (mood - 5.5) + 0.8 * noise)):.1f}")


@cache
def _stable_moods(baseline_tenths: int) -> tuple[int, ...]:
    """256 equally likely moods around a baseline (in tenths), with small noise; shared by patients."""
    return tuple(_clamp(baseline_tenths / 10 + 0.6 * noise) for noise in NORMAL_QUANTILES)


def mood_series(rng, pattern: str, days: int) -> list[int]:
    """Mood on each of `days` consecutive days, oldest first."""
    noise = rng.randbytes(days)
    if pattern == "stable":
        moods = _stable_moods(rng.randint(45, 75))
        return [moods[byte] for byte in noise]
    if pattern == "cycling":
        period = 7 * rng.randint(2, 5)
        amplitude = rng.uniform(3.0, 4.0)
        phase = rng.uniform(0, 2 * math.pi)
        wave = [5.5 + amplitude * math.sin(2 * math.pi * day / period + phase) for day in range(period)]
        return [_clamp(wave[day % period] + 0.5 * NORMAL_QUANTILES[byte]) for day, byte in enumerate(noise)]
    return rng.choices(MOODS, k=days)


def _rows(ctx: RunContext, patient: int):
    request = ctx.request
    patient_id = profile_identity(ctx, Profile.Role.PATIENT, patient).id.hex
    rng = ctx.rng("checkins", patient)
    pattern = rng.choice(PATTERNS) if request.mood_pattern == "mixed" else request.mood_pattern
    moods = mood_series(rng, pattern, request.checkins_per_user)
    dates, notes = _shared_tables(ctx)
    hour = f"{rng.randint(7, 22):02d}"  # each patient has their habitual time of day
    bits = rng.getrandbits
    for date, mood in zip(dates, moods, strict=False):
        draw = bits(38)
        yield (
            patient_id,
            date,
            mood,
            ENERGY_BY_MOOD[mood][draw & 255],
            ANXIETY_BY_MOOD[mood][(draw >> 8) & 255],
            SLEEP_BY_MOOD[mood][(draw >> 16) & 255],
            notes[(draw >> 24) & 255],
            f"{date} {hour}:{MINUTES[(draw >> 32) % 60]}:00",
        )


def _shared_tables(ctx: RunContext) -> tuple[list[str], tuple[str, ...]]:
    """Per run: the check-in dates (the latest on end_date) and 256 equally likely notes."""
    tables = ctx.cache.get("checkins")
    if tables is None:
        days = ctx.request.checkins_per_user
        first = ctx.end_date - timedelta(days=days - 1)
        dates = [(first + timedelta(days=day)).isoformat() for day in range(days)]
        with_note = round(256 * NOTE_PROBABILITY)
        pool = ctx.pools.notes
        notes = tuple(pool[k % len(pool)] if k < with_note else "" for k in range(256))
        tables = ctx.cache["checkins"] = (dates, notes)
    return tables


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
    )
)
