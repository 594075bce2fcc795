"""The validated seeding request: its fields, defaults and limits, in one place."""

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from faker.config import AVAILABLE_LOCALES

MOOD_PATTERNS = ("stable", "cycling", "random", "mixed")
CHECKINS_PER_USER_RANGE = (1, 365)
SEED_RANGE = (0, 2**63 - 1)

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
ORGANIZATION_SLUG_MESSAGE = (
    "organizations[{index}].slug must be lower-case letters, digits and single hyphens, "
    "at most {high} characters; got {value!r}."
)
DUPLICATE_SLUG_MESSAGE = (
    "organizations[{index}].slug {value!r} repeats an earlier organization's; slugs must be unique."
)
WEIGHT_TOTAL_MESSAGE = "organizations: the {weight} values add up to 0, so the {count} {people} have nowhere to go."
NO_THERAPIST_MESSAGE = (
    "organizations[{index}] ({slug}) gets {patients} patients but no therapist; "
    "raise its therapist_weight or therapists_count."
)


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


@dataclass(frozen=True)
class OrganizationSpec:
    """One clinic of a scenario; the weights split the run's therapists and patients between clinics."""

    name: str
    slug: str
    therapist_weight: int = 1
    patient_weight: int = 1


@dataclass(frozen=True, kw_only=True)
class SeedRequest:
    patients_count: int = 2
    therapists_count: int = 1
    admins_count: int = 0
    checkins_per_user: int = 30
    mood_pattern: str = "stable"
    clear_db: bool = False
    seed: int | None = None
    locale: str = "en_US"
    end_date: date | None = None
    with_logins: bool = False
    password: str | None = field(default=None, repr=False)
    # The clinic scenario (002); no organizations means profiles and check-ins only (000).
    organizations: tuple[OrganizationSpec, ...] = ()
    templates_per_therapist: tuple[int, int] = (3, 5)
    exceptions_per_therapist: tuple[int, int] = (2, 4)
    exception_days: int = 90
    plans_per_patient: int = 3

    def validated(self, limits: Limits) -> "SeedRequest":
        """Return self if every field is valid; otherwise raise ValidationError keyed by field name."""
        errors: dict[str, list[str]] = {}
        for name, message in self._field_errors(limits):
            errors.setdefault(name, []).append(message)
        if errors:
            raise ValidationError(errors)
        return self

    def _field_errors(self, limits: Limits):
        counts = {
            "patients_count": limits.max_patients,
            "therapists_count": limits.max_therapists,
            "admins_count": limits.max_admins,
        }
        for name, high in counts.items():
            yield from _integer_errors(name, getattr(self, name), 0, high)
        yield from _integer_errors("checkins_per_user", self.checkins_per_user, *CHECKINS_PER_USER_RANGE)
        if self.patients_count == 0 and self.therapists_count == 0:
            yield "non_field_errors", NO_PROFILES_MESSAGE
        if self.mood_pattern not in MOOD_PATTERNS:
            yield "mood_pattern", MOOD_PATTERN_MESSAGE
        if self.seed is not None:
            yield from _integer_errors("seed", self.seed, *SEED_RANGE)
        if self.locale not in AVAILABLE_LOCALES:
            yield "locale", LOCALE_MESSAGE.format(value=self.locale)
        if self.end_date is not None and not isinstance(self.end_date, date):
            yield "end_date", TYPE_MESSAGE.format(name="end_date", kind="a date (YYYY-MM-DD)", value=self.end_date)
        elif self.end_date is not None and self.end_date > timezone.localdate():
            yield "end_date", FUTURE_END_DATE_MESSAGE.format(value=self.end_date)
        elif self.end_date is not None and self.end_date < EARLIEST_END_DATE:
            yield "end_date", EARLY_END_DATE_MESSAGE.format(value=self.end_date)
        for name in ("clear_db", "with_logins"):
            if not isinstance(getattr(self, name), bool):
                yield name, TYPE_MESSAGE.format(name=name, kind="true or false", value=getattr(self, name))
        if bool(self.password) != bool(self.with_logins):
            yield "password", PASSWORD_MESSAGE
        for name in ("templates_per_therapist", "exceptions_per_therapist"):
            if not _is_range_pair(getattr(self, name)):
                yield name, DISTRIBUTION_MESSAGE.format(name=name, value=getattr(self, name))
        yield from _integer_errors("exception_days", self.exception_days, 1, 3650)
        yield from _integer_errors("plans_per_patient", self.plans_per_patient, 1, 20)
        yield from self._schedule_errors()
        yield from self._organization_errors()

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
                yield NO_THERAPIST_MESSAGE.format(index=index, slug=spec.slug, patients=patients[index])


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


def request_parameters(request: SeedRequest) -> dict:
    """The request as JSON-ready parameters for the ledger; the password never leaves the run."""
    parameters = asdict(request)
    parameters.pop("password")
    parameters["end_date"] = request.end_date.isoformat() if request.end_date else None
    return parameters
