"""A patient's treatment plans as computed values, shared by the plans and check-ins generators."""

from dataclasses import dataclass
from datetime import date, timedelta

from clinic.models import TreatmentPlan
from seeding.context import RunContext

Status = TreatmentPlan.Status
OTHER_STATUSES = [status for status in Status if status != Status.ONGOING]


def plan_statuses(rng, count: int) -> list[str]:
    """The clinic specification's rule: one ongoing plan, the others of distinct statuses while there are enough."""
    others = list(OTHER_STATUSES)
    rng.shuffle(others)
    statuses = [Status.ONGOING, *others[: count - 1]]
    statuses += [rng.choice(OTHER_STATUSES) for _ in range(count - len(statuses))]
    return statuses


def plan_dates(rng, statuses: list[str], today: date) -> list[tuple[date, date | None]]:
    """(start, end) per status: the ongoing plan began recently, earlier plans before it, planned ones ahead."""
    ongoing_start = today - timedelta(days=rng.randint(14, 120))
    earliest = ongoing_start
    dates = []
    for status in statuses:
        if status == Status.ONGOING:
            dates.append((ongoing_start, None))
        elif status == Status.PLANNED:
            dates.append((today + timedelta(days=rng.randint(7, 60)), None))
        else:  # completed, cancelled or paused: an earlier plan, which ended unless it is only paused
            end = earliest - timedelta(days=rng.randint(7, 60))
            earliest = end - timedelta(days=rng.randint(30, 180))
            dates.append((earliest, None if status == Status.PAUSED else end))
    return dates


@dataclass(frozen=True)
class Plan:
    start: date
    end: date | None
    status: str
    diagnosis: str


def patient_plans(ctx: RunContext, patient: int) -> list[Plan]:
    """A patient's plans, oldest first; computed, never read back, so check-ins can follow them too."""
    rng = ctx.rng("plans", patient)
    statuses = plan_statuses(rng, ctx.request.plans_per_patient)
    plans = sorted(zip(plan_dates(rng, statuses, ctx.end_date), statuses, strict=True), key=lambda plan: plan[0][0])
    return [Plan(start, end, status, rng.choice(ctx.pools.diagnoses)) for (start, end), status in plans]
