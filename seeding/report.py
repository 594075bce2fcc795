"""The validation report of one seeding run: integrity checks and realism statistics, each against its range.

Everything is computed from the rows the run wrote (selected by synthetic_run_id) and the parameters its
ledger entry keeps; nothing is regenerated. Realism statistics are measured on up to
PATIENTS_PER_PATTERN patients of each mood pattern, and a statistic is left out (listed under
`skipped`) when the run is too small to measure it reliably.
"""

import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import groupby, pairwise
from uuid import UUID

from django.db import DEFAULT_DB_ALIAS, models
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.utils import timezone

from clinic.models import (
    Appointment,
    AvailabilityException,
    CheckIn,
    Enrollment,
    Membership,
    Organization,
    Profile,
    TreatmentPlan,
    WeeklyAvailability,
)
from clinic.scheduling import appointment_conflicts, slots_conflict
from seeding.generators.mood import PATTERNS, pattern_of
from seeding.models import SeedRun
from seeding.request import SeedRequest
from seeding.service import find_run

PATIENTS_PER_PATTERN = 200
AUTOCORRELATION_LAGS = tuple(range(1, 29))
EXAMPLE_PATIENTS = 3  # per pattern
EXAMPLE_DAYS = 120
NO_RUN_MESSAGE = "There is no succeeded seed run to report on yet; run manage.py seed first."
NOT_REPORTABLE_MESSAGE = "Run {run_id} is a {kind} that {status}; only the rows of a succeeded generating run remain."
# Models whose constraints (named ones, unique fields, foreign keys) the report re-checks on the run's rows.
CHECKED_MODELS = (
    Profile,
    CheckIn,
    Organization,
    Membership,
    Enrollment,
    WeeklyAvailability,
    AvailabilityException,
    TreatmentPlan,
    Appointment,
)
# A generated profile's email that an earlier run had taken gets a +tag (seeding/generators/profiles.py).
EMAIL_TAG = re.compile(r"\+[0-9a-f]{6}@")


class ReportUnavailable(Exception):
    """There is no run to report on, or the run's rows are gone (failed, undone, cleared)."""


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    value: object
    expected: str

    def as_dict(self) -> dict:
        return {"name": self.name, "passed": self.passed, "value": self.value, "expected": self.expected}


@dataclass(frozen=True)
class Day:
    date: date
    mood: int
    energy: int
    anxiety: int
    sleep: float


@dataclass(frozen=True)
class PatternPictures:
    """What the pictures show of one mood pattern."""

    pattern: str
    patients: int
    mood_shares: tuple[float, ...]  # of moods 1 to 10
    autocorrelation: tuple[float, ...]  # by AUTOCORRELATION_LAGS
    weekday_means: tuple[float, ...]  # Monday first
    examples: tuple[tuple[tuple[date, int], ...], ...]


@dataclass(frozen=True)
class RunReport:
    run_id: UUID
    checks: list[Check]
    skipped: list[str] = field(default_factory=list)
    pictures: list[PatternPictures] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [check for check in self.checks if not check.passed]

    def as_dict(self) -> dict:
        return {
            "run_id": str(self.run_id),
            "passed": self.passed,
            "checks": [check.as_dict() for check in self.checks],
            "skipped": self.skipped,
        }


def build_report(run_id: UUID | str | None = None, *, using: str = DEFAULT_DB_ALIAS) -> RunReport:
    """The report of one run (a unique id prefix will do), or of the latest succeeded run."""
    run = _reportable_run(run_id, using)
    parameters = run.parameters
    request = SeedRequest(
        patients_count=parameters["patients_count"],
        therapists_count=parameters["therapists_count"],
        admins_count=parameters["admins_count"],
        checkins_per_user=parameters["checkins_per_user"],
        checkin_adherence=parameters.get("checkin_adherence", 1.0),
        mood_pattern=parameters["mood_pattern"],
        end_date=date.fromisoformat(parameters["end_date"]),
        plans_per_patient=parameters.get("plans_per_patient", 3),
        templates_per_therapist=tuple(parameters.get("templates_per_therapist", (3, 5))),
        exceptions_per_therapist=tuple(parameters.get("exceptions_per_therapist", (2, 4))),
        exception_days=parameters.get("exception_days", 90),
        appointments_per_patient=parameters.get("appointments_per_patient", 0),
    )
    is_clinic = bool(parameters.get("organizations"))
    listed = _listed_patients(run.id, parameters.get("people") or (), using)
    checks = [
        *_constraint_checks(run.id, using),
        *_count_checks(run.id, request, len(parameters.get("organizations") or ()), listed, using),
    ]
    if is_clinic:
        checks += _clinic_checks(run.id, request, using)
    histories = _sampled_histories(run.id, request.mood_pattern, listed, using)
    realism = Realism(request, histories, _plans(run.id, using) if is_clinic else {})
    checks += realism.checks()
    return RunReport(run_id=run.id, checks=checks, skipped=realism.skipped, pictures=realism.pictures())


def _reportable_run(run_id, using: str) -> SeedRun:
    if run_id is None:
        runs = SeedRun.objects.using(using).filter(kind=SeedRun.Kind.GENERATE, status=SeedRun.Status.SUCCEEDED)
        run = runs.order_by("-started_at").first()
        if run is None:
            raise ReportUnavailable(NO_RUN_MESSAGE)
        return run
    run = find_run(run_id, using=using)
    if run.kind != SeedRun.Kind.GENERATE or run.status != SeedRun.Status.SUCCEEDED:
        raise ReportUnavailable(NOT_REPORTABLE_MESSAGE.format(run_id=run.id, kind=run.kind, status=run.status))
    return run


@dataclass(frozen=True)
class ListedPatient:
    """A patient the request named (an imported person): their own mood pattern and check-in dates, if given."""

    mood_pattern: str | None
    checkins_from: date | None
    checkins_to: date | None

    @property
    def has_own_dates(self) -> bool:
        return bool(self.checkins_from or self.checkins_to)

    def expected_checkins(self, request: SeedRequest) -> tuple[date | None, date, int]:
        """(first allowed day, last check-in day, check-ins), by the rule of seeding/generators/checkins.py."""
        first = self.checkins_from
        last = self.checkins_to or max(request.end_date, first)
        room = (last - first).days + 1 if first else request.checkins_per_user
        return first, last, min(request.checkins_per_user, room)


def _listed_patients(run_id: UUID, people: Iterable[dict], using: str) -> dict[UUID, ListedPatient]:
    """The run's patients the request named, by profile id, matched by email."""
    by_email = {
        person["email"].lower(): ListedPatient(
            person.get("mood_pattern"),
            date.fromisoformat(person["checkins_from"]) if person.get("checkins_from") else None,
            date.fromisoformat(person["checkins_to"]) if person.get("checkins_to") else None,
        )
        for person in people
        if person.get("role") == Profile.Role.PATIENT
    }
    if not by_email:
        return {}
    patients = Profile.objects.using(using).filter(synthetic_run_id=run_id, role=Profile.Role.PATIENT)
    listed = {}
    for patient, email in patients.values_list("id", "email").iterator():
        email = email.lower()
        person = by_email.get(email) or by_email.get(EMAIL_TAG.sub("@", email))
        if person is not None:
            listed[patient] = person
    return listed


# Integrity: the rows as the database and the clinic's rules require them.


def _exact(name: str, value: object, expected: object) -> Check:
    return Check(name, value == expected, value, f"= {expected}")


def _constraint_checks(run_id: UUID, using: str) -> Iterable[Check]:
    """Every named constraint of the clinic's models, re-checked on the run's rows: the violations of each."""
    for model in CHECKED_MODELS:
        rows = model.objects.using(using).filter(synthetic_run_id=run_id)
        for constraint in model._meta.constraints:
            if isinstance(constraint, models.CheckConstraint):
                violations = rows.exclude(constraint.condition).count()
            elif isinstance(constraint, models.UniqueConstraint) and constraint.fields:
                scope = rows.filter(constraint.condition) if constraint.condition else rows
                groups = scope.values(*constraint.fields).annotate(rows=Count("pk")).filter(rows__gt=1)
                violations = groups.count()
            else:
                continue
            yield _exact(f"constraint {constraint.name}", violations, 0)
        table = model._meta.db_table
        for model_field in model._meta.concrete_fields:
            if model_field.unique and not model_field.primary_key:
                column = model_field.attname
                repeated = rows.exclude(**{f"{column}__isnull": True}).values(column).annotate(rows=Count("pk"))
                yield _exact(f"unique {table}.{model_field.column}", repeated.filter(rows__gt=1).count(), 0)
            if model_field.is_relation:
                target = model_field.related_model.objects.using(using).filter(pk=OuterRef(model_field.attname))
                dangling = rows.exclude(**{f"{model_field.attname}__isnull": True}).filter(~Exists(target))
                yield _exact(f"foreign key {table}.{model_field.column}", dangling.count(), 0)


def _count_checks(
    run_id: UUID, request: SeedRequest, organizations: int, listed: dict[UUID, ListedPatient], using: str
) -> Iterable[Check]:
    profiles = Profile.objects.using(using).filter(synthetic_run_id=run_id)
    roles = dict(profiles.values_list("role").annotate(count=Count("pk")))
    asked = {"patient": request.patients_count, "therapist": request.therapists_count, "admin": request.admins_count}
    yield _exact("profiles per role as requested", {role: roles.get(role, 0) for role in asked}, asked)
    checkins = CheckIn.objects.using(using).filter(synthetic_run_id=run_id)
    own_dates = {patient: person for patient, person in listed.items() if person.has_own_dates}
    per_patient = checkins.values("user_id").annotate(count=Count("pk"), last=Max("checkin_date"))
    full = per_patient.filter(count=request.checkins_per_user, last=request.end_date).exclude(user_id__in=own_dates)
    yield _exact(
        f"patients with {request.checkins_per_user} check-ins, the latest on {request.end_date}",
        full.count(),
        request.patients_count - len(own_dates),
    )
    if own_dates:
        yield _exact(
            "listed patients whose check-ins miss their own dates or count",
            _off_their_dates(checkins, own_dates, request),
            0,
        )
    yield _exact(
        "check-ins of other profiles than the run's patients",
        checkins.exclude(user__in=profiles.filter(role=Profile.Role.PATIENT)).count(),
        0,
    )
    if organizations:
        yield _exact(
            "organizations as requested",
            Organization.objects.using(using).filter(synthetic_run_id=run_id).count(),
            organizations,
        )


def _off_their_dates(checkins: models.QuerySet, own_dates: dict[UUID, ListedPatient], request) -> int:
    """Listed patients with their own dates whose check-ins fall outside them, or are not as many as asked."""
    spans = (
        checkins.filter(user_id__in=own_dates)
        .values_list("user_id")
        .annotate(count=Count("pk"), first=models.Min("checkin_date"), last=Max("checkin_date"))
    )
    found = {patient: (count, first, last) for patient, count, first, last in spans}
    off = 0
    for patient, person in own_dates.items():
        allowed_first, last, count = person.expected_checkins(request)
        got = found.get(patient)
        off += got is None or got[0] != count or got[2] != last or (allowed_first and got[1] < allowed_first)
    return off


def _clinic_checks(run_id: UUID, request: SeedRequest, using: str) -> Iterable[Check]:
    def owned(model: type[models.Model]) -> models.QuerySet:
        return model.objects.using(using).filter(synthetic_run_id=run_id)

    yield _exact(
        "memberships: one per therapist and admin",
        owned(Membership).count(),
        request.therapists_count + request.admins_count,
    )
    yield _exact("enrollments: one per patient", owned(Enrollment).count(), request.patients_count)
    plans = owned(TreatmentPlan)
    plans_per_patient = plans.values("patient_id").annotate(
        count=Count("pk"), ongoing=Count("pk", filter=Q(status=TreatmentPlan.Status.ONGOING))
    )
    yield _exact(
        f"patients with {request.plans_per_patient} plans, exactly one ongoing",
        plans_per_patient.filter(count=request.plans_per_patient, ongoing=1).count(),
        request.patients_count,
    )
    therapists_members = (
        owned(Membership).filter(role=Membership.Role.THERAPIST).values_list("profile_id", "organization_id")
    )
    members = set(therapists_members)
    enrollments = list(owned(Enrollment).values_list("patient_id", "organization_id", "therapist_id"))
    yield _exact(
        "enrolled patients whose therapist is not a therapist of their clinic",
        sum((therapist, organization) not in members for _, organization, therapist in enrollments),
        0,
    )
    placement = {patient: (organization, therapist) for patient, organization, therapist in enrollments}
    yield _exact(
        "plans not led by the patient's own therapist in the patient's clinic",
        sum(
            placement.get(patient) != (organization, therapist)
            for patient, organization, therapist in plans.values_list("patient_id", "organization_id", "therapist_id")
        ),
        0,
    )
    templates = owned(WeeklyAvailability).values_list(
        "therapist_id", "organization_id", "weekday", "start_time", "end_time"
    )
    yield _exact("weekly availability slots that clash", _clashes(templates), 0)
    exceptions = owned(AvailabilityException).values_list(
        "therapist_id", "organization_id", "date", "start_time", "end_time"
    )
    yield _exact("availability exceptions that clash", _clashes(exceptions), 0)
    for name, model, (low, high) in (
        ("weekly availability", WeeklyAvailability, request.templates_per_therapist),
        ("availability exceptions", AvailabilityException, request.exceptions_per_therapist),
    ):
        per_therapist = Counter(dict(owned(model).values_list("therapist_id").annotate(count=Count("pk"))))
        therapists = owned(Membership).filter(role=Membership.Role.THERAPIST).values_list("profile_id", flat=True)
        outside = sum(not low <= per_therapist[therapist] <= high for therapist in therapists)
        yield _exact(f"therapists with {name} outside {low} to {high}", outside, 0)
    window = (request.end_date + timedelta(days=1), request.end_date + timedelta(days=request.exception_days))
    yield _exact(
        f"availability exceptions outside the {request.exception_days} days after the end date",
        owned(AvailabilityException).exclude(date__range=window).count(),
        0,
    )
    yield from _appointment_checks(owned, request, placement)


def _appointment_checks(owned, request: SeedRequest, placement: dict) -> Iterable[Check]:
    """Appointments: with the patient's own therapist in their clinic, and inside the scheduling rule."""
    columns = ("therapist_id", "patient_id", "organization_id", "starts_at", "ends_at", "status")
    appointments = list(owned(Appointment).values_list(*columns))
    per_patient = Counter(patient for _, patient, *_ in appointments)
    yield _exact(
        f"patients with more than {request.appointments_per_patient} appointments",
        sum(count > request.appointments_per_patient for count in per_patient.values()),
        0,
    )
    yield _exact(
        "appointments not with the patient's own therapist in the patient's clinic",
        sum(placement.get(row[1]) != (row[2], row[0]) for row in appointments),
        0,
    )
    yield _exact("appointments that break the scheduling rule", _appointment_conflicts(owned, appointments), 0)


def _appointment_conflicts(owned, appointments: list[tuple]) -> int:
    """Appointments (not cancelled) that the clinic's scheduling rule rejects against the rest of the calendar."""
    windows = defaultdict(list)
    for therapist, organization, weekday, start, end in owned(WeeklyAvailability).values_list(
        "therapist_id", "organization_id", "weekday", "start_time", "end_time"
    ):
        windows[(therapist, organization, weekday)].append((start, end))
    unavailable = defaultdict(list)
    for therapist, organization, day, start, end in (
        owned(AvailabilityException)
        .filter(is_available=False)
        .values_list("therapist_id", "organization_id", "date", "start_time", "end_time")
    ):
        unavailable[(therapist, organization, day)].append((start, end))
    booked = []
    for therapist, patient, organization, starts_at, ends_at, status in appointments:
        if status != Appointment.Status.CANCELLED:
            start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
            booked.append((therapist, patient, organization, start.date(), start.time(), end.time()))
    by_therapist, by_patient = defaultdict(list), defaultdict(list)
    for index, (therapist, patient, _, day, start, end) in enumerate(booked):
        by_therapist[(therapist, day)].append((index, start, end))
        by_patient[(patient, day)].append((index, start, end))
    broken = 0
    for index, (therapist, patient, organization, day, start, end) in enumerate(booked):
        problems = appointment_conflicts(
            start,
            end,
            windows=windows[(therapist, organization, day.weekday())],
            unavailable=unavailable[(therapist, organization, day)],
            therapist_appointments=[(s, e) for i, s, e in by_therapist[(therapist, day)] if i != index],
            patient_appointments=[(s, e) for i, s, e in by_patient[(patient, day)] if i != index],
        )
        broken += bool(problems)
    return broken


def _clashes(slots: Iterable[tuple]) -> int:
    """Pairs of slots of one therapist, organization and day that the clinic's scheduling rule rejects."""
    by_day = defaultdict(list)
    for therapist, organization, day, start, end in slots:
        by_day[(therapist, organization, day)].append((start, end))
    return sum(
        slots_conflict(*first, *second)
        for day_slots in by_day.values()
        for index, first in enumerate(day_slots)
        for second in day_slots[index + 1 :]
    )


# Realism: the statistics each mood pattern is meant to show.


def _sampled_histories(
    run_id: UUID, requested: str, listed: dict[UUID, ListedPatient], using: str
) -> dict[str, dict[str, list[Day]]]:
    """Per pattern, up to PATIENTS_PER_PATTERN patients' check-ins (by patient id hex), oldest first.

    A listed patient counts under their own mood pattern; one with their own dates is left out, since
    their calendar follows the file rather than the run's adherence.
    """
    patients = (
        Profile.objects.using(using)
        .filter(synthetic_run_id=run_id, role=Profile.Role.PATIENT)
        .order_by("id")
        .values_list("id", flat=True)
    )
    chosen: dict[str, list[UUID]] = defaultdict(list)
    for patient in patients.iterator():
        person = listed.get(patient)
        if person is not None and person.has_own_dates:
            continue
        pattern = (person and person.mood_pattern) or pattern_of(patient.hex, requested)
        if len(chosen[pattern]) < PATIENTS_PER_PATTERN:
            chosen[pattern].append(patient)
    histories: dict[str, dict[str, list[Day]]] = {}
    for pattern, ids in chosen.items():
        rows = (
            CheckIn.objects.using(using)
            .filter(user_id__in=ids)
            .order_by("user_id", "checkin_date")
            .values_list("user_id", "checkin_date", "mood", "energy", "anxiety", "sleep_hours")
        )
        histories[pattern] = {
            user.hex: [Day(row[1], row[2], row[3], row[4], float(row[5])) for row in group]
            for user, group in groupby(rows.iterator(), key=lambda row: row[0])
        }
    return histories


def _plans(run_id: UUID, using: str) -> dict[str, list[tuple[date, date, str]]]:
    """Each patient's begun plans as (first day, last day, status), oldest first; a paused plan lasts until the
    next one begins, an ongoing one until today."""
    rows = (
        TreatmentPlan.objects.using(using)
        .filter(synthetic_run_id=run_id)
        .exclude(status=TreatmentPlan.Status.PLANNED)
        .order_by("patient_id", "start_date")
        .values_list("patient_id", "start_date", "end_date", "status")
    )
    plans = {}
    for patient, group in groupby(rows, key=lambda row: row[0]):
        group = list(group)
        spans = []
        for (_, start, end, status), following in zip(group, [*group[1:], None], strict=True):
            if end is None:
                end = following[1] - timedelta(days=1) if following else date.max
            spans.append((start, end, status))
        plans[patient.hex] = spans
    return plans


@dataclass(frozen=True)
class Expectation:
    """One realism statistic: how to measure it, its expected range and the least data that measures it."""

    name: str
    measure: Callable[[list[list[Day]]], float]
    low: float
    high: float
    min_patients: int = 5
    min_checkins: int = 28  # per patient
    min_total: int = 0  # check-ins in all


def _correlation(pairs: Sequence[tuple[float, float]]) -> float:
    if len(pairs) < 3:
        return 0.0
    first, second = zip(*pairs, strict=True)
    if len(set(first)) < 2 or len(set(second)) < 2:
        return 0.0
    return statistics.correlation(first, second)


def lagged_pairs(history: list[Day], lag: int, first: str = "mood", second: str = "mood") -> list[tuple]:
    """(a value on a day, a value `lag` days later) for every two check-ins that far apart."""
    start = history[0].date.toordinal()
    span = history[-1].date.toordinal() - start + 1
    firsts: list = [None] * span
    seconds: list = [None] * span
    for day in history:
        position = day.date.toordinal() - start
        firsts[position], seconds[position] = getattr(day, first), getattr(day, second)
    return [(a, b) for a, b in zip(firsts, seconds[lag:], strict=False) if a is not None and b is not None]


def mean_autocorrelation(patients: list[list[Day]], lag: int) -> float:
    return statistics.fmean(_correlation(lagged_pairs(history, lag)) for history in patients)


def _mean_mood(patients):
    return statistics.fmean(day.mood for history in patients for day in history)


def _spread(patients):
    return statistics.fmean(statistics.pstdev([day.mood for day in history]) for history in patients)


def weekend_lift(patients) -> float:
    """Within each patient: mean mood Friday to Sunday minus Monday to Thursday, averaged over patients."""
    lifts = []
    for history in patients:
        weekend = [day.mood for day in history if day.date.weekday() >= 4]
        weekdays = [day.mood for day in history if day.date.weekday() < 4]
        if weekend and weekdays:
            lifts.append(statistics.fmean(weekend) - statistics.fmean(weekdays))
    return statistics.fmean(lifts)


def _pooled_correlation(first: str, second: str) -> Callable[[list[list[Day]]], float]:
    def measure(patients):
        return _correlation([(getattr(d, first), getattr(d, second)) for history in patients for d in history])

    return measure


def _sleep_lead(patients) -> float:
    """How much more the night's sleep goes with the day's mood than the day's mood with the next night's sleep."""
    same_day = statistics.fmean(_correlation(lagged_pairs(h, 0, "sleep", "mood")) for h in patients)
    next_night = statistics.fmean(_correlation(lagged_pairs(h, 1, "mood", "sleep")) for h in patients)
    return same_day - next_night


def episode_lengths(history: list[Day]) -> list[int]:
    """Runs of days whose 5-check-in median mood stays in one band (at most 4, 5 to 6, at least 7)."""
    moods = [day.mood for day in history]
    smooth = [statistics.median(moods[max(0, i - 2) : i + 3]) for i in range(len(moods))]
    bands = [0 if mood <= 4 else 2 if mood >= 7 else 1 for mood in smooth]
    runs, length = [], 1
    for previous, current in pairwise(bands):
        if current == previous:
            length += 1
        else:
            runs.append(length)
            length = 1
    return runs[1:]  # the first run began before the series did


def _median_episode(patients) -> float:
    lengths = [length for history in patients for length in episode_lengths(history)]
    return statistics.median(lengths) if lengths else 0.0


def _low_share(patients) -> float:
    moods = [day.mood for history in patients for day in history]
    return sum(mood <= 4 for mood in moods) / len(moods)


EXPECTATIONS = {
    "stable": (
        Expectation("mean mood", _mean_mood, 3.5, 8.5),
        Expectation("within-person spread (points)", _spread, 0.4, 1.8),
        Expectation(
            "lag-1 autocorrelation", lambda p: mean_autocorrelation(p, 1), 0.08, 0.6, min_patients=10, min_checkins=60
        ),
        # Up to 0.3: treatment drift makes mood a week apart more alike in a clinic run.
        Expectation("lag-7 autocorrelation", lambda p: mean_autocorrelation(p, 7), -0.2, 0.3, min_checkins=60),
        Expectation("Friday to Sunday lift (points)", weekend_lift, 0.0, 0.6, min_total=3000),
        Expectation("sleep leads mood (correlation difference)", _sleep_lead, 0.0, 0.6, min_total=3000),
    ),
    "cycling": (
        Expectation("mean mood", _mean_mood, 3.0, 6.5, min_total=1000),
        Expectation("within-person spread (points)", _spread, 0.8, 3.0, min_checkins=60),
        Expectation("lag-1 autocorrelation", lambda p: mean_autocorrelation(p, 1), 0.35, 0.97, min_checkins=60),
        Expectation("lag-7 autocorrelation", lambda p: mean_autocorrelation(p, 7), 0.1, 0.8, min_checkins=90),
        Expectation("median episode length (days)", _median_episode, 4, 40, min_checkins=90),
        Expectation("share of depressed days (mood 4 or less)", _low_share, 0.3, 0.7, min_total=3000),
        Expectation("Friday to Sunday lift (points)", weekend_lift, -0.05, 0.7, min_total=5000),
    ),
    "random": (
        Expectation("mean mood", _mean_mood, 4.5, 6.5),
        Expectation("within-person spread (points)", _spread, 2.2, 3.4),
        Expectation("lag-1 autocorrelation", lambda p: mean_autocorrelation(p, 1), -0.25, 0.25),
        Expectation("Friday to Sunday lift (points)", weekend_lift, -0.3, 0.3, min_total=3000),
    ),
}
COMMON_EXPECTATIONS = (
    Expectation(
        "mood-energy correlation", _pooled_correlation("mood", "energy"), 0.3, 1.0, min_checkins=1, min_total=50
    ),
    Expectation(
        "mood-anxiety correlation", _pooled_correlation("mood", "anxiety"), -1.0, -0.3, min_checkins=1, min_total=50
    ),
)
TREATMENT_MIN_PLANS = 15
TREATMENT_MIN_DAYS = 28


class Realism:
    """The realism checks of one run, and what its pictures show."""

    def __init__(self, request: SeedRequest, histories: dict[str, dict[str, list[Day]]], plans: dict) -> None:
        self.request, self.histories, self.plans = request, histories, plans
        self.skipped: list[str] = []

    def checks(self) -> list[Check]:
        checks = [self._adherence()]
        for pattern in PATTERNS:
            patients = list(self.histories.get(pattern, {}).values())
            if not patients:
                continue
            for expectation in (*EXPECTATIONS[pattern], *COMMON_EXPECTATIONS):
                checks += self._measured(f"{pattern}: {expectation.name}", expectation, patients)
        if self.plans:
            checks += self._treatment()
        return checks

    def _measured(self, name: str, expectation: Expectation, patients: list[list[Day]]) -> list[Check]:
        enough = [history for history in patients if len(history) >= expectation.min_checkins]
        total = sum(len(history) for history in enough)
        if len(enough) < expectation.min_patients or total < expectation.min_total:
            self.skipped.append(
                f"{name}: needs {expectation.min_patients} patients with {expectation.min_checkins} check-ins"
                + (f" and {expectation.min_total} in all" if expectation.min_total else "")
            )
            return []
        return [self._within(name, expectation.measure(enough), expectation.low, expectation.high)]

    @staticmethod
    def _within(name: str, value: float, low: float, high: float) -> Check:
        return Check(name, low <= value <= high, round(value, 3), f"{low} to {high}")

    def _adherence(self) -> Check:
        shares = [
            len(history) / ((history[-1].date - history[0].date).days + 1)
            for patients in self.histories.values()
            for history in patients.values()
        ]
        target = self.request.checkin_adherence
        tolerance = 0.0 if target >= 1 else 0.06
        value = statistics.fmean(shares) if shares else target
        return self._within("adherence (share of days with a check-in)", value, target - tolerance, target + tolerance)

    def _treatment(self) -> list[Check]:
        """Measured on stable patients, whose mood has no episodes to drown a drift of a point or two."""
        patients = self.histories.get("stable", {})
        ongoing, eased, completed, held = [], [], [], []
        for patient, history in patients.items():
            for start, end, status in self.plans.get(patient, ()):
                days = [day for day in history if start <= day.date <= end]
                if len(days) < TREATMENT_MIN_DAYS:
                    continue
                if status == TreatmentPlan.Status.ONGOING:
                    ongoing.append(_drift(days, start))
                    eased.append(_drift(days, start, "anxiety"))
                elif status == TreatmentPlan.Status.COMPLETED and (end - start).days >= 42:
                    first = [d.mood for d in days if d.date < start + timedelta(days=14)]
                    last = [d.mood for d in days if d.date > end - timedelta(days=14)]
                    if len(first) >= 7 and len(last) >= 7:
                        completed.append(statistics.fmean(last) - statistics.fmean(first))
                elif status in (TreatmentPlan.Status.CANCELLED, TreatmentPlan.Status.PAUSED):
                    held.append(_drift(days, start))
        checks = []
        for name, values, low, high in (
            ("treatment: mood drift in ongoing plans (points per 12 weeks)", ongoing, 0.2, 3.0),
            ("treatment: anxiety drift in ongoing plans (points per 12 weeks)", eased, -3.0, -0.15),
            ("treatment: completed plans, last two weeks minus first two (points)", completed, 0.0, 3.0),
            ("treatment: mood drift in cancelled or paused plans (points per 12 weeks)", held, -0.6, 0.6),
        ):
            if len(values) < TREATMENT_MIN_PLANS:
                self.skipped.append(f"{name}: needs {TREATMENT_MIN_PLANS} plans of stable patients with check-ins")
            else:
                checks.append(self._within(name, statistics.fmean(values), low, high))
        return checks

    def pictures(self) -> list[PatternPictures]:
        pictures = []
        for pattern in PATTERNS:
            patients = list(self.histories.get(pattern, {}).values())
            if not patients:
                continue
            moods = Counter(day.mood for history in patients for day in history)
            total = sum(moods.values())
            by_weekday = defaultdict(list)
            for history in patients:
                for day in history:
                    by_weekday[day.date.weekday()].append(day.mood)
            long_enough = [history for history in patients if len(history) > 2]
            pictures.append(
                PatternPictures(
                    pattern=pattern,
                    patients=len(patients),
                    mood_shares=tuple(moods[mood] / total for mood in range(1, 11)),
                    autocorrelation=tuple(
                        mean_autocorrelation(long_enough, lag) if long_enough else 0.0 for lag in AUTOCORRELATION_LAGS
                    ),
                    weekday_means=tuple(
                        statistics.fmean(by_weekday[weekday]) if by_weekday[weekday] else 0.0 for weekday in range(7)
                    ),
                    examples=tuple(
                        tuple((day.date, day.mood) for day in history[-EXAMPLE_DAYS:])
                        for history in patients[:EXAMPLE_PATIENTS]
                    ),
                )
            )
        return pictures


def _drift(days: list[Day], start: date, measure: str = "mood") -> float:
    """The slope of mood (or another measure) over the days since `start`, in points per twelve weeks."""
    offsets = [(day.date - start).days for day in days]
    if len(set(offsets)) < 2:
        return 0.0
    return statistics.linear_regression(offsets, [getattr(day, measure) for day in days]).slope * 84
