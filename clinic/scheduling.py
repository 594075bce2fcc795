"""The clinic's scheduling rule, stated once: model validation and the generator both call it."""

from datetime import time

MINIMUM_CONSULTATION_GAP_MINUTES = 15


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def slots_conflict(
    first_start: time | None,
    first_end: time | None,
    second_start: time | None,
    second_end: time | None,
) -> bool:
    """Whether two slots on the same day clash; a slot whose times are None is the full day.

    Slots clash when they overlap or lie less than MINIMUM_CONSULTATION_GAP_MINUTES apart;
    exactly that gap is fine. A full-day slot clashes with anything on its day.
    """
    if None in (first_start, first_end, second_start, second_end):
        return True
    gap = MINIMUM_CONSULTATION_GAP_MINUTES
    return _minutes(first_start) < _minutes(second_end) + gap and _minutes(second_start) < _minutes(first_end) + gap
