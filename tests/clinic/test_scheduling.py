from datetime import time

from clinic.scheduling import slots_conflict


def test_overlapping_slots_conflict():
    assert slots_conflict(time(9), time(10), time(9, 30), time(10, 30))


def test_slot_contained_in_another_conflicts():
    assert slots_conflict(time(9), time(12), time(10), time(11))


def test_slots_14_minutes_apart_conflict():
    assert slots_conflict(time(9), time(10), time(10, 14), time(11))


def test_slots_exactly_15_minutes_apart_do_not_conflict():
    assert not slots_conflict(time(9), time(10), time(10, 15), time(11))


def test_slots_far_apart_do_not_conflict():
    assert not slots_conflict(time(9), time(10), time(14), time(15))


def test_touching_slots_conflict():
    assert slots_conflict(time(9), time(10), time(10), time(11))


def test_argument_order_does_not_matter():
    early, late = (time(9), time(10)), (time(10, 14), time(11))
    spaced = (time(10, 15), time(11))

    assert slots_conflict(*early, *late)
    assert slots_conflict(*late, *early)
    assert not slots_conflict(*early, *spaced)
    assert not slots_conflict(*spaced, *early)


def test_full_day_conflicts_with_partial_slot():
    assert slots_conflict(None, None, time(9), time(10))
    assert slots_conflict(time(9), time(10), None, None)


def test_full_day_conflicts_with_full_day():
    assert slots_conflict(None, None, None, None)
