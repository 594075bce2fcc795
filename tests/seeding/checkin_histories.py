"""Stored check-ins of a generated run, per patient, and the statistics the realism tests measure on them."""

import statistics
from datetime import date, timedelta
from itertools import groupby

from clinic.models import CheckIn
from seeding.report import Day
from seeding.request import SeedRequest, command_limits
from seeding.service import generate

END_DATE = date(2026, 3, 1)  # a Sunday


def histories(**request) -> dict[str, list[Day]]:
    """Generate a run and return each patient's check-ins (by patient id), oldest first."""
    fields = {"therapists_count": 0, "seed": 7, "end_date": END_DATE} | request
    report = generate(SeedRequest(**fields), limits=command_limits(), source="command")
    rows = (
        CheckIn.objects.filter(synthetic_run_id=report.run_id)
        .order_by("user_id", "checkin_date")
        .values_list("user_id", "checkin_date", "mood", "energy", "anxiety", "sleep_hours")
    )
    return {
        str(user).replace("-", ""): [Day(row[1], row[2], row[3], row[4], float(row[5])) for row in group]
        for user, group in groupby(rows, key=lambda row: row[0])
    }


def moods(history: list[Day]) -> list[int]:
    return [day.mood for day in history]


def correlation(pairs: list[tuple[float, float]]) -> float:
    first, second = zip(*pairs, strict=True)
    if len(set(first)) < 2 or len(set(second)) < 2:
        return 0.0
    return statistics.correlation(first, second)


def lagged_pairs(history: list[Day], lag: int, first: str = "mood", second: str = "mood") -> list[tuple]:
    """(value on a day, value `lag` days later) for every pair of check-ins that far apart."""
    by_date = {day.date: day for day in history}
    later = timedelta(days=lag)
    return [
        (getattr(day, first), getattr(by_date[day.date + later], second))
        for day in history
        if day.date + later in by_date
    ]


def autocorrelation(history: list[Day], lag: int) -> float:
    return correlation(lagged_pairs(history, lag))


def mean_autocorrelation(patients: list[list[Day]], lag: int) -> float:
    return statistics.mean(autocorrelation(history, lag) for history in patients)


def classified(history: list[Day]) -> str:
    """Tell a patient's mood pattern from their check-ins alone."""
    if autocorrelation(history, 1) > 0.6:
        return "cycling"
    return "random" if statistics.pstdev(moods(history)) > 2.2 else "stable"
