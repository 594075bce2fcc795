from collections.abc import Callable
from decimal import Decimal

import pytest
from model_bakery import baker

from clinic.models import CheckIn

VALID_SCORES = {"mood": 5, "energy": 5, "anxiety": 5, "sleep_hours": Decimal("7.0")}


@pytest.fixture
def make_check_in(db) -> Callable[..., CheckIn]:
    """Bake a check-in whose scores are in range, so a test sets only the fields it is about."""

    def make(**fields: object) -> CheckIn:
        return baker.make(CheckIn, **{**VALID_SCORES, **fields})

    return make
