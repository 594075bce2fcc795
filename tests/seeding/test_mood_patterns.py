"""Mood statistics of each pattern, measured on the stored check-ins (sizes in each test's name or first line).

Per patient over a year, a lag-1 autocorrelation has a standard error of about 0.05, so the bounds
below leave several standard errors of room while still telling the patterns apart.
"""

import cmath
import math
import statistics

import pytest

from seeding.generators.mood import pattern_of
from seeding.report import episode_lengths
from tests.seeding.checkin_histories import autocorrelation, classified, histories, mean_autocorrelation, moods


def has_fixed_cycle(series: list[int]) -> bool:
    """Some period of 2 to 5 weeks where mood is alike a period apart and opposite half a period apart."""

    def lag(k: int) -> float:
        return statistics.correlation(series[:-k], series[k:])

    return any(lag(period) > 0.5 and lag(round(period / 2)) < -0.5 for period in range(14, 36))


@pytest.mark.django_db
def test_stable_mood_carries_over_from_day_to_day_around_a_personal_baseline():
    """40 patients x 365 days."""
    patients = list(histories(mood_pattern="stable", patients_count=40, checkins_per_user=365).values())

    lag1 = [autocorrelation(history, 1) for history in patients]
    spreads = [statistics.pstdev(moods(history)) for history in patients]
    baselines = [statistics.mean(moods(history)) for history in patients]
    assert 0.2 <= statistics.mean(lag1) <= 0.4  # emotional inertia: mean lag-1 around .2 to .33
    assert all(0.0 < r < 0.65 for r in lag1)
    assert 0.7 <= statistics.mean(spreads) <= 1.4  # about one point on the 1-10 scale
    assert max(spreads) - min(spreads) > 0.3  # the spread varies by patient
    assert statistics.pstdev(baselines) > 0.5  # and so does the baseline
    assert mean_autocorrelation(patients, 7) < 0.1  # inertia, not episodes
    # Each patient has their own inertia: the lag-1 values spread wider than sampling alone (about 0.05) makes.
    assert statistics.pstdev(lag1) > 0.07


@pytest.mark.django_db
def test_cycling_mood_moves_in_persistent_episodes_without_a_fixed_period():
    """30 patients x 365 days."""
    patients = list(histories(mood_pattern="cycling", patients_count=30, checkins_per_user=365).values())

    by_lag = {lag: mean_autocorrelation(patients, lag) for lag in (1, 2, 3, 7, 14, 21, 28, 42, 56)}
    assert by_lag[1] > 0.6
    assert by_lag[7] > 0.25  # still clearly alike a week later
    assert by_lag[14] > 0.0
    # Broadband, not periodic: the mean autocorrelation only decays, and never comes back.
    assert by_lag[1] > by_lag[2] > by_lag[3] > by_lag[7] > by_lag[14]
    assert all(abs(by_lag[lag]) < 0.15 for lag in (21, 28, 42, 56))
    assert not any(has_fixed_cycle(moods(history)) for history in patients)
    every_mood = [mood for history in patients for mood in moods(history)]
    # Depressed about half the time, elevated rarely (Bopp et al.: 47.7% and 7% of weeks).
    assert 0.35 <= sum(mood <= 4 for mood in every_mood) / len(every_mood) <= 0.6
    assert 0.03 <= sum(mood >= 8 for mood in every_mood) / len(every_mood) <= 0.15
    # Euthymic and mixed days (mood 5 to 7) make up most of the rest (Bopp et al.: 36.5% and 8.8%).
    assert 0.3 <= sum(5 <= mood <= 7 for mood in every_mood) / len(every_mood) <= 0.6
    # Mixed states: energetic and anxious at once, which mood alone never makes.
    days = [day for history in patients for day in history]
    assert 0.02 <= sum(day.energy >= 7 and day.anxiety >= 7 for day in days) / len(days) <= 0.15


def periodogram(series: list[int]) -> list[float]:
    """Power at each frequency k / len(series), k = 1 .. len(series) // 2."""
    n, mean = len(series), statistics.fmean(series)
    centred = [value - mean for value in series]
    return [
        abs(sum(value * cmath.exp(-2j * math.pi * k * t / n) for t, value in enumerate(centred))) ** 2 / n
        for k in range(1, n // 2 + 1)
    ]


@pytest.mark.django_db
def test_cycling_mood_has_a_broadband_spectrum_without_a_peak():
    """30 patients x 365 days: power falls from long periods to short ones, and no frequency dominates."""
    patients = list(histories(mood_pattern="cycling", patients_count=30, checkins_per_user=365).values())

    # Frequency bands by period: over 8 weeks, 4 to 8, 2 to 4, 1 to 2 weeks, under a week (k of 365 days).
    bands = [(1, 6), (7, 13), (14, 26), (27, 52), (53, 182)]
    pooled = [0.0] * 182
    peaks, peak_shares = set(), []
    for history in patients:
        power = periodogram(moods(history))
        total = sum(power)
        pooled = [sum_ + value / total for sum_, value in zip(pooled, power, strict=True)]
        peaks.add(power.index(max(power)))
        peak_shares.append(max(power) / total)
    band_power = [statistics.fmean(pooled[low - 1 : high]) for low, high in bands]
    assert band_power == sorted(band_power, reverse=True)  # a fixed 2-5 week cycle would peak in a middle band
    assert len(peaks) >= 6  # each patient's strongest frequency is a different one
    assert statistics.fmean(peak_shares) < 0.3  # a sine wave puts most of its variance in one frequency


@pytest.mark.django_db
def test_cycling_episodes_last_from_days_to_several_weeks():
    """30 patients x 365 days: runs of a smoothed mood in one band (low, middle, high)."""
    patients = list(histories(mood_pattern="cycling", patients_count=30, checkins_per_user=365).values())

    runs = [length for history in patients for length in episode_lengths(history)]
    assert 5 <= statistics.median(runs) <= 30
    assert min(runs) <= 4
    assert max(runs) >= 35


@pytest.mark.django_db
def test_random_mood_covers_one_to_ten_without_memory():
    """4 patients x 365 days."""
    patients = list(histories(mood_pattern="random", patients_count=4, checkins_per_user=365).values())

    for history in patients:
        assert set(moods(history)) == set(range(1, 11))
        assert not has_fixed_cycle(moods(history))
    # Pooled over 1,456 pairs of consecutive days, chance alone keeps |r| near 0.03.
    today = [mood for history in patients for mood in moods(history)[1:]]
    yesterday = [mood for history in patients for mood in moods(history)[:-1]]
    assert abs(statistics.correlation(yesterday, today)) < 0.15


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", ["stable", "cycling", "random", "mixed"])
def test_mood_moves_energy_up_and_anxiety_down(pattern):
    """4 patients x 120 days each."""
    patients = histories(mood_pattern=pattern, patients_count=4, checkins_per_user=120).values()
    days = [day for history in patients for day in history]

    assert statistics.correlation([d.mood for d in days], [d.energy for d in days]) > 0.5
    assert statistics.correlation([d.mood for d in days], [d.anxiety for d in days]) < -0.5


@pytest.mark.django_db
def test_mixed_gives_each_patient_the_pattern_its_id_names():
    """30 patients x 180 days: the data alone tells each patient's pattern, and it is the one the id names."""
    patients = histories(mood_pattern="mixed", patients_count=30, checkins_per_user=180)

    patterns = {patient: classified(history) for patient, history in patients.items()}
    assert set(patterns.values()) == {"stable", "cycling", "random"}
    assert patterns == {patient: pattern_of(patient, "mixed") for patient in patients}


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", ["stable", "cycling", "random"])
def test_a_single_pattern_gives_every_patient_that_pattern(pattern):
    """8 patients x 180 days."""
    patients = histories(mood_pattern=pattern, patients_count=8, checkins_per_user=180).values()

    assert {classified(history) for history in patients} == {pattern}
