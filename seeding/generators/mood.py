"""How a patient's mood moves from day to day, and on which days they check in.

The shapes follow published figures on daily mood:
- stable: a personal baseline with inertia, an AR(1) process whose lag-1 coefficient is 0.2 to 0.5
  (Kuppens, Allen & Sheeber 2010 report mean lag-1 autocorrelations of .2 to .33);
- cycling: persistent episodes of varying length, not a wave (Gottschalk, Bauer & Whybrow 1995 found
  no spectral peak in bipolar self-ratings), depressed about half the time, euthymic a third, elevated
  and mixed the rest (Bopp et al. 2010: 47.7%, 36.5%, 7% and 8.8% of weeks);
- random: independent values over the whole scale, a dashboard's noise case.
Stable and cycling mood lifts a little from Friday to Sunday (Stone, Schneider & Harter 2012; Helliwell
& Wang 2014), and the night's sleep carries into the day's mood a little (Triantafillou et al. 2019).

A check-in's sleep_hours is the night before it. Everything here works on *days before end_date*
(0 is end_date) or on a patient's calendar of consecutive days, oldest first. Noise comes from
table lookups (NORMAL_QUANTILES) indexed by random bytes, so a million rows cost seconds.
"""

import math
from collections.abc import Sequence
from datetime import date
from statistics import NormalDist
from typing import Protocol

from clinic.models import TreatmentPlan

PATTERNS = ("stable", "cycling", "random")
# 256 equally likely standard-normal values: noise by table lookup instead of random.gauss.
NORMAL_QUANTILES = tuple(NormalDist().inv_cdf((k + 0.5) / 256) for k in range(256))

# Stable: per patient, a baseline, an inertia (the AR(1) coefficient) and a within-person spread.
STABLE_BASELINE = (4.5, 7.5)
STABLE_INERTIA = (0.2, 0.5)
STABLE_SPREAD = (0.6, 1.3)  # standard deviation of the day-to-day variation, in mood points

# Cycling: episode states, their mood level, how long they last and what follows them.
DEPRESSED, EUTHYMIC, ELEVATED, MIXED = "depressed", "euthymic", "elevated", "mixed"
EPISODE_STATES = (DEPRESSED, EUTHYMIC, ELEVATED, MIXED)
EPISODE_MOOD = {DEPRESSED: 3.0, EUTHYMIC: 6.0, ELEVATED: 8.7, MIXED: 5.0}
EPISODE_DAYS = {DEPRESSED: 30, EUTHYMIC: 22, ELEVATED: 10, MIXED: 10}  # mean length; lengths vary about 3-fold
EPISODE_LENGTH_SPREAD = 0.6  # of the logarithm of an episode's length
# Which episode follows which (never itself). With the mean lengths above, the share of days in each
# state comes out near 49% depressed, 37% euthymic, 7% elevated and 8% mixed.
NEXT_EPISODE = {
    DEPRESSED: {EUTHYMIC: 0.60, ELEVATED: 0.15, MIXED: 0.25},
    EUTHYMIC: {DEPRESSED: 0.55, ELEVATED: 0.25, MIXED: 0.20},
    ELEVATED: {DEPRESSED: 0.50, EUTHYMIC: 0.45, MIXED: 0.05},
    MIXED: {DEPRESSED: 0.50, EUTHYMIC: 0.50},
}
TIME_SHARE = {DEPRESSED: 0.49, EUTHYMIC: 0.37, ELEVATED: 0.07, MIXED: 0.08}  # where a series starts
EPISODE_ONSET = 0.35  # each day, mood moves this share of the way to the episode's level
EPISODE_INERTIA = 0.5
EPISODE_SPREAD = {DEPRESSED: 0.8, EUTHYMIC: 0.8, ELEVATED: 0.8, MIXED: 1.6}  # mixed states swing most
EPISODE_SLEEP_TENTHS = {DEPRESSED: 4, EUTHYMIC: 0, ELEVATED: -15, MIXED: -10}  # elevated mood sleeps less

# Friday to Sunday lift mood a little above Monday to Thursday; each patient feels it more or less.
WEEKDAY_LIFT = (0.0, 0.0, 0.0, 0.0, 0.25, 0.35, 0.25)  # Monday first, in mood points
WEEKDAY_LIFT_SCALE = (0.3, 1.5)

# Sleep: a habitual duration per patient, and the night's deviation from it carries into the day's mood.
SLEEP_HABIT_TENTHS = (60, 80)
SLEEP_SPREAD_TENTHS = 9
SLEEP_TENTHS_RANGE = (30, 115)
SLEEP_TO_MOOD = 0.3  # mood points per hour slept above the patient's habit
SLEEP_NOISE_TENTHS = tuple(round(SLEEP_SPREAD_TENTHS * noise) for noise in NORMAL_QUANTILES)
SLEEP_MOOD_EFFECT = tuple(SLEEP_TO_MOOD * tenths / 10 for tenths in SLEEP_NOISE_TENTHS)

# Treatment: an ongoing or completed plan lifts mood by a patient's response over twelve weeks;
# a cancelled or paused plan holds it; between plans the gain fades, partly (a relapse), so that the
# next plan has room to lift it again.
RESPONSE_POINTS = (1.0, 2.0)
NON_RESPONDER_SHARE = 0.25
RESPONSE_DAYS = 84
RESPONSE_CAP = 1.25  # times the response: one plan's lift levels off there
TOTAL_GAIN_CAP = 2.5  # times the response: all plans together
GAIN_KEPT_PER_DAY = 0.97  # between plans: half the gain is gone in about three weeks
Status = TreatmentPlan.Status
IMPROVING_STATUSES = (Status.ONGOING, Status.COMPLETED)  # the others hold the gain

# Adherence: missed days come in runs, and weekends are missed twice as often as weekdays.
WEEKEND = (5, 6)
WEEKEND_LAPSE_FACTOR = 2.0
MAX_LAPSE = 0.95
# Lapses that last through weekends add missed days: start them this much less often, so that the share
# of days with a check-in comes out as asked (measured: within 0.01 from 0.3 to 1.0).
LONGER_WEEKEND_LAPSES = 0.9


class PlanSpan(Protocol):
    """A treatment plan as far as mood is concerned."""

    start: date
    end: date | None
    status: str


def pattern_of(patient_id: str, requested: str) -> str:
    """A patient's pattern: the requested one, or for "mixed" one chosen by the patient's id.

    Choosing by id lets anyone holding the rows (the validation report) tell each patient's pattern.
    """
    return requested if requested in PATTERNS else PATTERNS[int(patient_id[-8:], 16) % len(PATTERNS)]


def checkin_days(rng, count: int, adherence: float, end_weekday: int) -> list[int]:
    """The days before end_date on which a patient checks in, oldest first; 0 (end_date) always.

    Below full adherence a patient alternates between checking in and lapsing: a lapse starts on a
    given day with a small chance and lasts a few days, longer the lower the adherence, so missed days
    cluster as real drop-outs do; on a weekend a lapse is twice as likely to start and half as likely to end.
    """
    if adherence >= 1:
        return list(range(count - 1, -1, -1))
    mean_lapse_days = 1.5 + 6 * (1 - adherence)
    returns = 1 / mean_lapse_days
    lapse = returns * (1 - adherence) / adherence
    weekday_lapse = lapse * 7 / (5 + 2 * WEEKEND_LAPSE_FACTOR) * 0.85
    weekend = WEEKEND_LAPSE_FACTOR
    # Per weekday: the chance that a day is missed after a day with a check-in, and after a missed day.
    misses = [
        (min(MAX_LAPSE, weekday_lapse * weekend), 1 - returns / weekend)
        if day in WEEKEND
        else (weekday_lapse, 1 - returns)
        for day in range(7)
    ]
    random = rng.random
    days, day, is_away = [0], 0, False
    while len(days) < count:
        day += 1
        is_away = random() < misses[(end_weekday - day) % 7][is_away]
        if not is_away:
            days.append(day)
    days.reverse()
    return days


def stable_tenths(rng, shifts: Sequence[float]) -> list[int]:
    """Mood level in tenths of a point on consecutive days, a baseline plus AR(1) variation, each day
    shifted by its entry of `shifts` (in points: the weekday lift, treatment, an offset).

    Levels come out in tenths, in the same loop, because a million rows cannot afford a second pass.
    """
    baseline = rng.uniform(*STABLE_BASELINE)
    inertia = rng.uniform(*STABLE_INERTIA)
    spread = rng.uniform(*STABLE_SPREAD)
    innovation = spread * math.sqrt(1 - inertia * inertia)
    quantiles = NORMAL_QUANTILES
    variation = spread * quantiles[rng.getrandbits(8)]
    tenths = []
    append = tenths.append
    for byte, shift in zip(rng.randbytes(len(shifts)), shifts, strict=True):
        variation = inertia * variation + innovation * quantiles[byte]
        append(int((baseline + variation + shift) * 10))
    return tenths


def cycling_tenths(rng, shifts: Sequence[float]) -> tuple[list[int], list[str]]:
    """Mood level in tenths of a point (shifted as in stable_tenths) and episode state on consecutive days:
    episodes of varying length."""
    level_of = {state: mood + rng.uniform(-0.6, 0.6) for state, mood in EPISODE_MOOD.items()}
    state = rng.choices(EPISODE_STATES, weights=[TIME_SHARE[s] for s in EPISODE_STATES])[0]
    remaining = 1 + int(rng.random() * _episode_length(rng, state))  # the series starts mid-episode
    center = level_of[state]
    variation = 0.0
    innovation = math.sqrt(1 - EPISODE_INERTIA * EPISODE_INERTIA)
    quantiles = NORMAL_QUANTILES
    levels, states = [], []
    for byte, shift in zip(rng.randbytes(len(shifts)), shifts, strict=True):
        if not remaining:
            following = NEXT_EPISODE[state]
            state = rng.choices(tuple(following), weights=tuple(following.values()))[0]
            remaining = _episode_length(rng, state)
        remaining -= 1
        center += EPISODE_ONSET * (level_of[state] - center)
        variation = EPISODE_INERTIA * variation + innovation * EPISODE_SPREAD[state] * quantiles[byte]
        levels.append(int((center + variation + shift) * 10))
        states.append(state)
    return levels, states


def _episode_length(rng, state: str) -> int:
    spread = EPISODE_LENGTH_SPREAD
    return max(2, round(EPISODE_DAYS[state] * math.exp(spread * rng.gauss() - spread * spread / 2)))


def weekday_lifts(rng, first_weekday: int, span: int, offset: float = 0.0) -> list[float]:
    """The weekday lift (plus offset) on each of `span` consecutive days starting on first_weekday."""
    scale = rng.uniform(*WEEKDAY_LIFT_SCALE)
    week = [scale * WEEKDAY_LIFT[(first_weekday + day) % 7] + offset for day in range(7)]
    return (week * (span // 7 + 1))[:span]


def treatment_gains(rng, plans: Sequence[PlanSpan], first: date, span: int) -> list[float] | None:
    """Mood gained through treatment on each of `span` days from `first`, or None for a non-responder."""
    if not plans or rng.random() < NON_RESPONDER_SHARE:
        return None
    response = rng.uniform(*RESPONSE_POINTS)
    rate, cap, total_cap = response / RESPONSE_DAYS, response * RESPONSE_CAP, response * TOTAL_GAIN_CAP
    last = first.toordinal() + span - 1
    gains: list[float] = []  # from the first plan's start, or from `first` if that is earlier
    day = min([first, *(plan.start for plan in plans)]).toordinal()
    for begin, end, status in [*_plan_intervals(plans, last), (last + 1, last, None)]:
        gain = gains[-1] if gains else 0.0
        gains += [gain * GAIN_KEPT_PER_DAY**k for k in range(1, begin - day + 1)]  # between plans
        gain = gains[-1] if gains else 0.0
        days = range(1, end - begin + 2)
        if status in IMPROVING_STATUSES:
            gains += [min(total_cap, gain + min(cap, rate * k)) for k in days]
        else:
            gains += [gain] * len(days)
        day = end + 1
    return gains[len(gains) - span :]


def _plan_intervals(plans: Sequence[PlanSpan], last: int) -> list[tuple[int, int, str]]:
    """(first day, last day, status) of each plan begun by day `last`, as ordinals, oldest first.

    A paused plan lasts until the next one begins, an ongoing one until `last`.
    """
    begun = sorted((plan for plan in plans if plan.start.toordinal() <= last), key=lambda plan: plan.start)
    intervals = []
    for index, plan in enumerate(begun):
        following = begun[index + 1].start.toordinal() - 1 if index + 1 < len(begun) else last
        has_ended = plan.end is not None and plan.status != Status.ONGOING
        end = plan.end.toordinal() if has_ended else following
        intervals.append((plan.start.toordinal(), min(end, last), plan.status))
    return intervals
