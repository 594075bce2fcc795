"""The validated seeding request: its fields, defaults, limits, help texts and messages, in one place.

The command, the admin form and the API read their help texts (FIELD_HELP, field_help()) and their
messages from here, so a field reads the same wherever a person meets it.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from faker.config import AVAILABLE_LOCALES


class MoodPattern(models.TextChoices):
    STABLE = "stable"
    CYCLING = "cycling"
    RANDOM = "random"
    MIXED = "mixed"  # one of the other three per patient


MOOD_PATTERNS = tuple(MoodPattern.values)
COUNT_RANGE_LOW = 0  # every people count starts here; its high end is the front-end's Limits
CHECKINS_PER_USER_RANGE = (1, 365)
CHECKIN_ADHERENCE_RANGE = (0.3, 1.0)  # share of days with a check-in
SEED_RANGE = (0, 2**63 - 1)
EXCEPTION_DAYS_RANGE = (1, 3650)
PLANS_PER_PATIENT_RANGE = (1, 20)
APPOINTMENTS_PER_PATIENT_RANGE = (0, 20)

NO_PROFILES_MESSAGE = "At least one of patients_count or therapists_count must be above zero."
MOOD_PATTERN_MESSAGE = f"mood_pattern must be one of {', '.join(MOOD_PATTERNS)}."
LOCALE_MESSAGE = "locale must be a Faker locale such as en_US or pt_BR; got {value!r}."
RANGE_MESSAGE = "{name} must be between {low} and {high}; got {value}."
TYPE_MESSAGE = "{name} must be {kind}; got {value!r}."
EARLIEST_END_DATE = date(1900, 1, 1)
FUTURE_END_DATE_MESSAGE = "end_date must not be in the future; got {value}."
EARLY_END_DATE_MESSAGE = f"end_date must be on or after {EARLIEST_END_DATE.isoformat()}; got {{value}}."
PASSWORD_MESSAGE = "password is required when with_logins is true, and only then."
DISTRIBUTION_MESSAGE = "{name} must be a pair of whole numbers (low, high) with 0 <= low <= high; got {value!r}."
# A weekday holding at most one slot always has room for another, so ten templates on five weekdays
# always fit; an exception always fits on a date without any, so there may be no more than exception_days.
MAX_TEMPLATES_PER_THERAPIST = 10
MAX_EXCEPTIONS_PER_THERAPIST = 30
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_NAME_LENGTH = 200
MAX_SLUG_LENGTH = 190  # room for the suffix that keeps a slug unique across runs
MAX_WEIGHT = 1_000_000
DISTRIBUTION_HIGH_MESSAGE = "{name} may ask for at most {high} per therapist; got {value!r}."
EXCEPTIONS_HIGH_MESSAGE = (
    "exceptions_per_therapist may ask for at most {high} per therapist "
    "(at most {limit}, and no more than exception_days); got {value!r}."
)
ORGANIZATIONS_TYPE_MESSAGE = (
    "organizations must be a list of organizations, each with name, slug, therapist_weight and patient_weight."
)
ORGANIZATION_NAME_MESSAGE = (
    "organizations[{index}].name must be non-empty text of at most {high} characters; got {value!r}."
)
NUL_NAME_MESSAGE = (
    "organizations[{index}].name contains the NUL character (\\x00), which databases cannot store; remove it."
)
ORGANIZATION_SLUG_MESSAGE = (
    "organizations[{index}].slug must be lower-case letters, digits and single hyphens, "
    "at most {high} characters; got {value!r}."
)
DUPLICATE_SLUG_MESSAGE = (
    "organizations[{index}].slug {value!r} repeats an earlier organization's; slugs must be unique."
)
WEIGHT_TOTAL_MESSAGE = "organizations: the {weight} values add up to 0, so the {count} {people} have nowhere to go."
NO_THERAPIST_MESSAGE = (
    "organizations[{index}] ({slug}) gets {patients} but no therapist; raise its therapist_weight or therapists_count."
)
APPOINTMENTS_WITHOUT_ORGANIZATIONS_MESSAGE = (
    "appointments_per_patient needs organizations (a clinic scenario such as demo-clinic): "
    "appointments are booked in a therapist's clinic."
)
PEOPLE_TYPE_MESSAGE = "people must be a list of people, each with email, full_name and role."
PEOPLE_COUNT_MESSAGE = (
    "people lists {listed} {role}(s) but {name} is {count}: the people listed are among the profiles "
    "their role's count asks for, so raise {name}."
)
DUPLICATE_PERSON_MESSAGE = "people[{index}].email {value!r} repeats an earlier person's; emails must be unique."
DATE_TYPE_MESSAGE = "{name} must be a date written YYYY-MM-DD, such as 2026-06-30; got {value!r}."
PASSWORD_TYPE_MESSAGE = "password must be text; got {value!r}."
CHECKIN_ADHERENCE_MESSAGE = (
    f"checkin_adherence must be a number from {CHECKIN_ADHERENCE_RANGE[0]} to {CHECKIN_ADHERENCE_RANGE[1]}, "
    "the share of days with a check-in (1.0: every day); got {value!r}."
)

# What each field means, in the words every front-end shows; bounds and defaults are added by field_help().
FIELD_HELP = {
    "patients_count": "Patient profiles to generate; each gets check-ins.",
    "therapists_count": "Therapist profiles to generate; at least one patient or therapist is needed.",
    "admins_count": "Admin profiles to generate.",
    "checkins_per_user": "Check-ins per patient, one a day (fewer with checkin_adherence), ending on the end date.",
    "checkin_adherence": (
        f"Share of days with a check-in, {CHECKIN_ADHERENCE_RANGE[0]} to {CHECKIN_ADHERENCE_RANGE[1]}: below 1.0 "
        "each patient's check-ins spread over more days, with runs of missed days, weekends missed most."
    ),
    "mood_pattern": (
        "stable (a personal baseline with day-to-day inertia), cycling (depressed, euthymic and elevated "
        "episodes lasting days to weeks), random (independent values), or mixed (one of those three per patient)."
    ),
    "clear_db": "Delete all synthetic data first, in the same transaction; real rows stay.",
    "seed": "Random seed: the same seed and end date give the same rows. Empty: a fresh one, reported back.",
    "locale": "Faker locale of names and notes, such as en_US or pt_BR.",
    "end_date": f"Date of the latest check-in, YYYY-MM-DD, from {EARLIEST_END_DATE} to today. Empty: today.",
    "with_logins": "Give every generated profile a Django login (username = email); needs a password.",
    "password": "Password of every generated login; required with logins, and only then.",
    "appointments_per_patient": (
        "Appointments of each patient with their own therapist, in the four weeks before and after the end date, "
        "inside the therapist's availability; only in a scenario with organizations."
    ),
}

# How a person reads each kind of row (a generator's name), singular and plural.
KIND_LABELS = {
    "profiles": ("profile", "profiles"),
    "organizations": ("organization", "organizations"),
    "checkins": ("check-in", "check-ins"),
    "logins": ("login", "logins"),
    "memberships": ("membership", "memberships"),
    "enrollments": ("enrollment", "enrollments"),
    "weekly_availability": ("weekly availability", "weekly availability"),
    "availability_exceptions": ("availability exception", "availability exceptions"),
    "treatment_plans": ("treatment plan", "treatment plans"),
    "appointments": ("appointment", "appointments"),
}


def count_noun(count: int, singular: str, plural: str | None = None) -> str:
    """'1 patient', '2 patients'."""
    return f"{count:,} {singular if count == 1 else (plural or singular + 's')}"


def describe_counts(counts: Mapping[str, int]) -> str:
    """Row counts by kind as a person reads them, zero counts left out: '7 profiles, 150 check-ins'.

    Kinds come in KIND_LABELS' order (PostgreSQL's JSON keeps no key order), any others after them.
    """
    order = {kind: position for position, kind in enumerate(KIND_LABELS)}
    parts = []
    for kind, count in sorted(counts.items(), key=lambda item: order.get(item[0], len(order))):
        if count:
            singular, plural = KIND_LABELS.get(kind, (kind.replace("_", " "),) * 2)
            parts.append(count_noun(count, singular, plural))
    return ", ".join(parts) or "no rows"


@dataclass(frozen=True)
class Limits:
    """How much one request may ask for; the API and the command differ only here."""

    max_patients: int
    max_therapists: int
    max_admins: int


API_LIMITS = Limits(max_patients=100, max_therapists=50, max_admins=10)


def command_limits() -> Limits:
    volume = settings.SEEDING_MAX_PATIENTS
    return Limits(max_patients=volume, max_therapists=volume, max_admins=volume)


def field_bounds(limits: Limits) -> dict[str, tuple[int, int]]:
    """The (low, high) of every whole-number field of the request under these limits."""
    return {
        "patients_count": (COUNT_RANGE_LOW, limits.max_patients),
        "therapists_count": (COUNT_RANGE_LOW, limits.max_therapists),
        "admins_count": (COUNT_RANGE_LOW, limits.max_admins),
        "checkins_per_user": CHECKINS_PER_USER_RANGE,
        "seed": SEED_RANGE,
        "exception_days": EXCEPTION_DAYS_RANGE,
        "plans_per_patient": PLANS_PER_PATIENT_RANGE,
        "appointments_per_patient": APPOINTMENTS_PER_PATIENT_RANGE,
    }


def field_help(name: str, limits: Limits) -> str:
    """FIELD_HELP's text of one field, with its bounds under these limits and its default."""
    parts = [FIELD_HELP[name]]
    if name in ("patients_count", "therapists_count", "admins_count", "checkins_per_user"):
        low, high = field_bounds(limits)[name]
        parts.append(f"{low} to {high:,}, default {getattr(SeedRequest(), name)}.")
    elif name in ("mood_pattern", "locale", "checkin_adherence"):
        parts.append(f"Default {getattr(SeedRequest(), name)}.")
    return " ".join(parts)


@dataclass(frozen=True)
class OrganizationSpec:
    """One clinic of a scenario; the weights split the run's therapists and patients between clinics."""

    name: str
    slug: str
    therapist_weight: int = 1
    patient_weight: int = 1


@dataclass(frozen=True)
class PersonSpec:
    """A person given by name (a scenario's, or a row of an imported file): the first profiles of their role.

    The optional fields shape what is generated for them: a patient's mood pattern and check-in dates,
    and the organization (a slug of the request's organizations) they belong to.
    """

    email: str
    full_name: str
    role: str
    mood_pattern: str | None = None
    checkins_from: date | None = None
    checkins_to: date | None = None
    organization: str | None = None


@dataclass(frozen=True, kw_only=True)
class SeedRequest:
    patients_count: int = 2
    therapists_count: int = 1
    admins_count: int = 0
    checkins_per_user: int = 30
    checkin_adherence: float = 1.0
    mood_pattern: str = "stable"
    clear_db: bool = False
    # The scenario the request came from (a built-in name or a file), recorded so the run can be repeated.
    scenario: str | None = None
    # With clear_db: keep the synthetic rows that real rows point at, instead of refusing to clear.
    keep_referenced: bool = False
    seed: int | None = None
    locale: str = "en_US"
    end_date: date | None = None
    with_logins: bool = False
    password: str | None = field(default=None, repr=False)
    # The clinic scenario; no organizations means profiles and check-ins only (the original specification).
    organizations: tuple[OrganizationSpec, ...] = ()
    templates_per_therapist: tuple[int, int] = (3, 5)
    exceptions_per_therapist: tuple[int, int] = (2, 4)
    exception_days: int = 90
    plans_per_patient: int = 3
    appointments_per_patient: int = 0  # with organizations only: a clinic scenario's calendar
    # People given by name; each is one of the profiles its role's count asks for, the first ones.
    people: tuple[PersonSpec, ...] = ()
    # The file the imported people came from (a path, or an uploaded file's name), recorded so the run can be repeated.
    people_file: str | None = None

    def validated(self, limits: Limits) -> "SeedRequest":
        """Return self if every field is valid; otherwise raise ValidationError keyed by field name."""
        errors: dict[str, list[str]] = {}
        for name, message in self._field_errors(limits):
            errors.setdefault(name, []).append(message)
        if errors:
            raise ValidationError(errors)
        return self

    def _field_errors(self, limits: Limits):
        bounds = field_bounds(limits)
        for name in ("patients_count", "therapists_count", "admins_count", "checkins_per_user"):
            yield from _integer_errors(name, getattr(self, name), *bounds[name])
        if self.patients_count == 0 and self.therapists_count == 0:
            yield "non_field_errors", NO_PROFILES_MESSAGE
        if self.mood_pattern not in MOOD_PATTERNS:
            yield "mood_pattern", MOOD_PATTERN_MESSAGE
        adherence = self.checkin_adherence
        if (
            isinstance(adherence, bool)
            or not isinstance(adherence, int | float)
            or not (CHECKIN_ADHERENCE_RANGE[0] <= adherence <= CHECKIN_ADHERENCE_RANGE[1])
        ):
            yield "checkin_adherence", CHECKIN_ADHERENCE_MESSAGE.format(value=adherence)
        if self.seed is not None:
            yield from _integer_errors("seed", self.seed, *bounds["seed"])
        if self.locale not in AVAILABLE_LOCALES:
            yield "locale", LOCALE_MESSAGE.format(value=self.locale)
        if self.end_date is not None and (not isinstance(self.end_date, date) or isinstance(self.end_date, datetime)):
            yield "end_date", DATE_TYPE_MESSAGE.format(name="end_date", value=self.end_date)
        elif self.end_date is not None and self.end_date > timezone.localdate():
            yield "end_date", FUTURE_END_DATE_MESSAGE.format(value=self.end_date)
        elif self.end_date is not None and self.end_date < EARLIEST_END_DATE:
            yield "end_date", EARLY_END_DATE_MESSAGE.format(value=self.end_date)
        for name in ("clear_db", "keep_referenced", "with_logins"):
            if not isinstance(getattr(self, name), bool):
                yield name, TYPE_MESSAGE.format(name=name, kind="true or false", value=getattr(self, name))
        if self.password is not None and not isinstance(self.password, str):
            yield "password", PASSWORD_TYPE_MESSAGE.format(value=self.password)
        elif bool(self.password) != bool(self.with_logins):
            yield "password", PASSWORD_MESSAGE
        for name in ("templates_per_therapist", "exceptions_per_therapist"):
            if not _is_range_pair(getattr(self, name)):
                yield name, DISTRIBUTION_MESSAGE.format(name=name, value=getattr(self, name))
        yield from _integer_errors("exception_days", self.exception_days, *bounds["exception_days"])
        yield from _integer_errors("plans_per_patient", self.plans_per_patient, *bounds["plans_per_patient"])
        yield from _integer_errors(
            "appointments_per_patient", self.appointments_per_patient, *bounds["appointments_per_patient"]
        )
        if self.appointments_per_patient and not self.organizations:
            yield "appointments_per_patient", APPOINTMENTS_WITHOUT_ORGANIZATIONS_MESSAGE
        yield from self._schedule_errors()
        yield from self._organization_errors()
        yield from self._people_errors()

    def _schedule_errors(self):
        templates = self.templates_per_therapist
        if _is_range_pair(templates) and templates[1] > MAX_TEMPLATES_PER_THERAPIST:
            yield (
                "templates_per_therapist",
                DISTRIBUTION_HIGH_MESSAGE.format(
                    name="templates_per_therapist", high=MAX_TEMPLATES_PER_THERAPIST, value=templates
                ),
            )
        exceptions = self.exceptions_per_therapist
        if _is_range_pair(exceptions) and isinstance(self.exception_days, int):
            high = min(MAX_EXCEPTIONS_PER_THERAPIST, self.exception_days)
            if exceptions[1] > high:
                yield (
                    "exceptions_per_therapist",
                    EXCEPTIONS_HIGH_MESSAGE.format(high=high, limit=MAX_EXCEPTIONS_PER_THERAPIST, value=exceptions),
                )

    def _people_errors(self):
        if not isinstance(self.people, Sequence) or not all(isinstance(p, PersonSpec) for p in self.people):
            yield "people", PEOPLE_TYPE_MESSAGE
            return
        counts = {"patient": "patients_count", "therapist": "therapists_count", "admin": "admins_count"}
        for role, name in counts.items():
            listed = sum(person.role == role for person in self.people)
            count = getattr(self, name)
            if listed and isinstance(count, int) and listed > count:
                yield "people", PEOPLE_COUNT_MESSAGE.format(listed=listed, role=role, name=name, count=count)
        emails = [person.email.lower() for person in self.people]
        for index, email in enumerate(emails):
            if email in emails[:index]:
                yield "people", DUPLICATE_PERSON_MESSAGE.format(index=index, value=self.people[index].email)

    def _organization_errors(self):
        organizations = self.organizations
        if not isinstance(organizations, Sequence) or isinstance(organizations, str):
            yield "organizations", ORGANIZATIONS_TYPE_MESSAGE
            return
        if not all(isinstance(spec, OrganizationSpec) for spec in organizations):
            yield "organizations", ORGANIZATIONS_TYPE_MESSAGE
            return
        spec_errors = [error for index, spec in enumerate(organizations) for error in _spec_errors(index, spec)]
        yield from (("organizations", message) for message in spec_errors)
        slugs = [spec.slug for spec in organizations]
        for index, slug in enumerate(slugs):
            if slug in slugs[:index]:
                yield "organizations", DUPLICATE_SLUG_MESSAGE.format(index=index, value=slug)
        if organizations and not spec_errors:
            yield from (("organizations", message) for message in self._placement_errors())

    def _placement_errors(self):
        people = {
            "therapists": (self.therapists_count, "therapist_weight"),
            "patients": (self.patients_count, "patient_weight"),
        }
        for kind, (count, weight) in people.items():
            if isinstance(count, int) and count > 0 and not sum(getattr(s, weight) for s in self.organizations):
                yield WEIGHT_TOTAL_MESSAGE.format(weight=weight, count=count, people=kind)
                return
        if not all(isinstance(count, int) and count >= 0 for count, _ in people.values()):
            return
        therapists = split_by_weight(self.therapists_count, [s.therapist_weight for s in self.organizations])
        patients = split_by_weight(self.patients_count, [s.patient_weight for s in self.organizations])
        for index, spec in enumerate(self.organizations):
            if patients[index] and not therapists[index]:
                yield NO_THERAPIST_MESSAGE.format(
                    index=index, slug=spec.slug, patients=count_noun(patients[index], "patient")
                )


def split_by_weight(total: int, weights: Sequence[int]) -> list[int]:
    """Split total into whole shares proportional to weights (largest remainder; ties go to the earlier)."""
    weight_sum = sum(weights)
    if not weight_sum:
        return [0] * len(weights)
    shares = [total * weight // weight_sum for weight in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % weight_sum), i))
    for index in remainders[: total - sum(shares)]:
        shares[index] += 1
    return shares


def _spec_errors(index: int, spec: OrganizationSpec):
    if not isinstance(spec.name, str) or not spec.name.strip() or len(spec.name) > MAX_NAME_LENGTH:
        yield ORGANIZATION_NAME_MESSAGE.format(index=index, high=MAX_NAME_LENGTH, value=spec.name)
    elif "\x00" in spec.name:  # PostgreSQL cannot store it; every other character is stored as given
        yield NUL_NAME_MESSAGE.format(index=index)
    if not isinstance(spec.slug, str) or not SLUG_PATTERN.match(spec.slug) or len(spec.slug) > MAX_SLUG_LENGTH:
        yield ORGANIZATION_SLUG_MESSAGE.format(index=index, high=MAX_SLUG_LENGTH, value=spec.slug)
    for weight in ("therapist_weight", "patient_weight"):
        for _, message in _integer_errors(f"organizations[{index}].{weight}", getattr(spec, weight), 0, MAX_WEIGHT):
            yield message


def _integer_errors(name: str, value: object, low: int, high: int):
    if not isinstance(value, int) or isinstance(value, bool):
        yield name, TYPE_MESSAGE.format(name=name, kind="a whole number", value=value)
    elif not low <= value <= high:
        yield name, RANGE_MESSAGE.format(name=name, low=low, high=high, value=value)


def _is_range_pair(value: object) -> bool:
    return (
        isinstance(value, tuple)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        and 0 <= value[0] <= value[1]
    )


def serialize_request(request: SeedRequest) -> dict:
    """The request as JSON-ready parameters for the ledger; the password never leaves the run."""
    parameters = asdict(request)
    parameters.pop("password")
    parameters["end_date"] = request.end_date.isoformat() if request.end_date else None
    parameters["people"] = [
        {key: value.isoformat() if isinstance(value, date) else value for key, value in person.items()}
        for person in parameters["people"]
    ]
    return parameters


def request_from_parameters(parameters: dict, password_hash: str | None) -> SeedRequest:
    """The request a ledger entry keeps (serialize_request's output), read back."""
    fields = dict(parameters)
    fields["end_date"] = date.fromisoformat(fields["end_date"]) if fields.get("end_date") else None
    fields["organizations"] = tuple(OrganizationSpec(**spec) for spec in fields.get("organizations", ()))
    fields["people"] = tuple(_person(person) for person in fields.get("people", ()))
    for name in ("templates_per_therapist", "exceptions_per_therapist"):
        if name in fields:
            fields[name] = tuple(fields[name])
    # The password itself never reached the queue; its hash goes to the logins (generate's password_hash).
    return SeedRequest(**fields, password=password_hash)


def _person(person: dict) -> PersonSpec:
    dates = {key: date.fromisoformat(person[key]) for key in ("checkins_from", "checkins_to") if person.get(key)}
    return PersonSpec(**{**person, **dates})
