"""The clinic's scheduling rule, stated once: model validation and the generator both call it."""

from collections.abc import Iterable
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


APPOINTMENT_MINUTES = (30, 45, 60)

# Why a consultation cannot take a slot; the model's clean() words each one for a person.
WRONG_DURATION = "wrong_duration"
OUTSIDE_AVAILABILITY = "outside_availability"
DURING_UNAVAILABILITY = "during_unavailability"
TOO_CLOSE_TO_THERAPISTS_APPOINTMENT = "too_close_to_therapists_appointment"
PATIENT_ALREADY_BOOKED = "patient_already_booked"

Slot = tuple[time | None, time | None]


def slots_overlap(
    first_start: time | None, first_end: time | None, second_start: time | None, second_end: time | None
) -> bool:
    """Whether two slots on the same day share a moment; a slot whose times are None is the full day."""
    if None in (first_start, first_end, second_start, second_end):
        return True
    return first_start < second_end and second_start < first_end


def appointment_conflicts(
    start: time,
    end: time,
    *,
    windows: Iterable[Slot],
    unavailable: Iterable[Slot],
    therapist_appointments: Iterable[Slot],
    patient_appointments: Iterable[Slot],
) -> list[str]:
    """What keeps a consultation from start to end (one day, one therapist, one clinic) off the calendar.

    `windows` are the therapist's weekly availability on that weekday in that clinic; `unavailable`
    the unavailable exceptions on that date ((None, None) for a full day); the appointments are the
    therapist's and the patient's others on that date. An empty list: the consultation fits.
    """
    problems = []
    if _minutes(end) - _minutes(start) not in APPOINTMENT_MINUTES:
        problems.append(WRONG_DURATION)
    if not any(window_start <= start and end <= window_end for window_start, window_end in windows):
        problems.append(OUTSIDE_AVAILABILITY)
    if any(slots_overlap(start, end, *slot) for slot in unavailable):
        problems.append(DURING_UNAVAILABILITY)
    if any(slots_conflict(start, end, *slot) for slot in therapist_appointments):
        problems.append(TOO_CLOSE_TO_THERAPISTS_APPOINTMENT)
    if any(slots_overlap(start, end, *slot) for slot in patient_appointments):
        problems.append(PATIENT_ALREADY_BOOKED)
    return problems
