"""Mood statistics of each pattern, measured on the stored check-ins (sizes in each test's name or first line).

Per patient over a year, a lag-1 autocorrelation has a standard error of about 0.05, so the bounds
below leave several standard errors of room while still telling the patterns apart.
"""

import statistics
from itertools import pairwise

import pytest

from seeding.generators.mood import pattern_of
from tests.seeding.checkin_histories import autocorrelation, histories, mean_autocorrelation, moods


def has_fixed_cycle(series: list[int]) -> bool:
    """Some period of 2 to 5 weeks where mood is alike a period apart and opposite half a period apart."""

    def lag(k: int) -> float:
        return statistics.correlation(series[:-k], series[k:])

    return any(lag(period) > 0.5 and lag(round(period / 2)) < -0.5 for period in range(14, 36))


def classified(history) -> str:
    """Tell the pattern from the data alone."""
    if autocorrelation(history, 1) > 0.6:
        return "cycling"
    return "random" if statistics.pstdev(moods(history)) > 2.2 else "stable"


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


@pytest.mark.django_db
def test_cycling_episodes_last_from_days_to_several_weeks():
    """30 patients x 365 days: runs of a smoothed mood in one band (low, middle, high)."""
    patients = list(histories(mood_pattern="cycling", patients_count=30, checkins_per_user=365).values())

    runs = [length for history in patients for length in band_runs(moods(history))]
    assert 5 <= statistics.median(runs) <= 30
    assert min(runs) <= 4
    assert max(runs) >= 35


def band_runs(series: list[int]) -> list[int]:
    """Lengths of runs of days whose 5-day median mood stays in one band: at most 4, 5 to 6, at least 7."""
    smooth = [statistics.median(series[max(0, i - 2) : i + 3]) for i in range(len(series))]
    bands = [0 if mood <= 4 else 2 if mood >= 7 else 1 for mood in smooth]
    runs, length = [], 1
    for previous, current in pairwise(bands):
        if current == previous:
            length += 1
        else:
            runs.append(length)
            length = 1
    return runs[1:]  # the first run began before the series did


@pytest.mark.django_db
def test_random_mood_covers_one_to_ten_without_memory():
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
