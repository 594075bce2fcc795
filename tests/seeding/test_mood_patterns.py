"""Mood statistics of each pattern, measured on the stored check-ins."""

import statistics
from itertools import groupby

import pytest

from clinic.models import CheckIn
from seeding.request import SeedRequest
from seeding.service import generate


def histories(pattern: str, *, patients: int, days: int) -> list[list[tuple[int, int, int]]]:
    """Generate a run and return each patient's (mood, energy, anxiety), oldest day first."""
    generate(
        SeedRequest(patients_count=patients, therapists_count=0, checkins_per_user=days, mood_pattern=pattern, seed=7)
    )
    rows = CheckIn.objects.order_by("user_id", "checkin_date").values_list("user_id", "mood", "energy", "anxiety")
    return [[row[1:] for row in group] for _, group in groupby(rows, key=lambda row: row[0])]


def moods(history: list[tuple[int, int, int]]) -> list[int]:
    return [mood for mood, _, _ in history]


def autocorrelation(series: list[int], lag: int) -> float:
    return statistics.correlation(series[:-lag], series[lag:])


def has_weekly_cycle(series: list[int]) -> bool:
    """Some period of 2 to 5 weeks where mood is alike a period apart and opposite half a period apart."""
    return any(
        autocorrelation(series, period) > 0.7 and autocorrelation(series, round(period / 2)) < -0.7
        for period in range(14, 36)
    )


def pattern_of(series: list[int]) -> str:
    if statistics.pstdev(series) < 1.2:
        return "stable"
    return "cycling" if autocorrelation(series, 1) > 0.6 else "random"


@pytest.mark.django_db
def test_stable_mood_stays_close_to_each_patients_baseline():
    patients = histories("stable", patients=6, days=180)

    assert len(patients) == 6
    for history in patients:
        assert statistics.pstdev(moods(history)) < 1.2


@pytest.mark.django_db
def test_cycling_mood_repeats_every_two_to_five_weeks():
    patients = histories("cycling", patients=6, days=120)

    assert len(patients) == 6
    for history in patients:
        series = moods(history)
        assert has_weekly_cycle(series)
        assert max(series) - min(series) >= 5


@pytest.mark.django_db
def test_random_mood_covers_one_to_ten_without_memory():
    patients = histories("random", patients=4, days=365)

    for history in patients:
        assert set(moods(history)) == set(range(1, 11))
        assert not has_weekly_cycle(moods(history))
    # Pooled over 1,456 pairs of consecutive days, chance alone keeps |r| near 0.03.
    today = [mood for history in patients for mood in moods(history)[1:]]
    yesterday = [mood for history in patients for mood in moods(history)[:-1]]
    assert abs(statistics.correlation(yesterday, today)) < 0.15


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", ["cycling", "random", "mixed"])
def test_mood_moves_energy_up_and_anxiety_down(pattern):
    rows = [row for history in histories(pattern, patients=4, days=120) for row in history]
    mood, energy, anxiety = zip(*rows, strict=True)

    assert statistics.correlation(mood, energy) > 0.5
    assert statistics.correlation(mood, anxiety) < -0.5


@pytest.mark.django_db
def test_mixed_gives_patients_different_patterns():
    patients = histories("mixed", patients=20, days=120)

    assert {pattern_of(moods(history)) for history in patients} == {"stable", "cycling", "random"}


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", ["stable", "cycling", "random"])
def test_a_single_pattern_gives_every_patient_that_pattern(pattern):
    patients = histories(pattern, patients=6, days=120)

    assert {pattern_of(moods(history)) for history in patients} == {pattern}
