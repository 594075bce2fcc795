"""People imported from a file (CSV with a header, or JSON as a list of objects), validated as a whole.

Each row is one person: email, full_name, role, and optionally mood_pattern, checkins_from, checkins_to
and organization (a slug of the run's organizations). A file with any bad row is refused with every
error (up to MAX_ERRORS) by line; nothing is written.
"""

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import fields, replace
from datetime import date
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone

from clinic.models import Profile
from seeding.request import PersonSpec, SeedRequest

FIELD = "people"  # the request field (and option, --people) every error is filed under
COLUMNS = tuple(f.name for f in fields(PersonSpec))
REQUIRED_COLUMNS = ("email", "full_name", "role")
ROLES = tuple(Profile.Role.values)
PERSON_MOOD_PATTERNS = ("stable", "cycling", "random")
MAX_CHECKIN_DAYS = 365
MAX_ERRORS = 20
MAX_NAME_LENGTH = 200
MAX_FILE_BYTES = 1_000_000  # far more people than a run may ask for; an upload is read into memory
# What the command's --people and the admin's upload say about the file, in the same words.
PEOPLE_FILE_HELP = (
    "People to add, from a .csv file (with a header) or a .json list: email, full_name, role, and optionally "
    "mood_pattern, checkins_from, checkins_to, organization. Each is one more profile of their role; the file "
    "is checked as a whole first, and any error writes nothing."
)

FORMAT_MESSAGE = "{name}: a people file is .csv (with a header line) or .json (a list of objects); got {suffix!r}."
UNREADABLE_MESSAGE = "{name}: cannot be read ({error})."
JSON_SHAPE_MESSAGE = "{name}: a JSON people file is a list of objects, one per person."
MISSING_COLUMNS_MESSAGE = "{name}: the columns {columns} are required; the header has {header}."
UNKNOWN_COLUMN_MESSAGE = "{where}: unknown column {column!r}; a person may have {allowed}."
EMPTY_MESSAGE = "{where}: {column} is required."
EMAIL_MESSAGE = "{where}: email {value!r} is not a valid email address."
ROLE_MESSAGE = "{where}: role {value!r} is unknown; it is one of " + ", ".join(ROLES) + "."
NAME_MESSAGE = f"{{where}}: full_name is at most {MAX_NAME_LENGTH} characters."
MOOD_MESSAGE = "{where}: the mood pattern {value!r} is unknown; it is one of " + ", ".join(PERSON_MOOD_PATTERNS) + "."
DATE_MESSAGE = "{where}: {column} {value!r} is not a date written YYYY-MM-DD."
FUTURE_MESSAGE = "{where}: {column} {value} is in the future."
ORDER_MESSAGE = "{where}: checkins_from {start} is after checkins_to {end}."
RANGE_MESSAGE = f"{{where}}: the check-in range is {{days}} days; at most {MAX_CHECKIN_DAYS}."
ORGANIZATION_MESSAGE = "{where}: organization {value!r} is not one of the run's organizations ({allowed})."
DUPLICATE_MESSAGE = "{where}: email {value!r} repeats {first}."
TAKEN_MESSAGE = "{where}: email {value!r} is already taken by a profile or a login."
MORE_MESSAGE = "... and {count} more errors."
TOO_LARGE_MESSAGE = f"{{name}}: the file has {{size:,}} bytes; a people file has at most {MAX_FILE_BYTES:,}."


def read_people(path: str | Path, request: SeedRequest, *, using: str = DEFAULT_DB_ALIAS) -> tuple[PersonSpec, ...]:
    """The people of a file, checked against each other, the request and the database; ValidationError if any is bad."""
    path = Path(path)
    if path.is_file() and path.stat().st_size > MAX_FILE_BYTES:
        raise _invalid([TOO_LARGE_MESSAGE.format(name=path.name, size=path.stat().st_size)])
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise _invalid([UNREADABLE_MESSAGE.format(name=path.name, error=exc)]) from exc
    return parse_people(text, path.name, request, using=using)


def read_uploaded_people(upload, request: SeedRequest, *, using: str = DEFAULT_DB_ALIAS) -> tuple[PersonSpec, ...]:
    """The people of an uploaded file (the admin's), checked exactly as read_people() checks a file on disk."""
    if upload.size > MAX_FILE_BYTES:
        raise _invalid([TOO_LARGE_MESSAGE.format(name=upload.name, size=upload.size)])
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _invalid([UNREADABLE_MESSAGE.format(name=upload.name, error=exc)]) from exc
    return parse_people(text, upload.name, request, using=using)


def parse_people(
    text: str, name: str, request: SeedRequest, *, using: str = DEFAULT_DB_ALIAS
) -> tuple[PersonSpec, ...]:
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        rows = _csv_rows(text, name)
    elif suffix == ".json":
        rows = _json_rows(text, name)
    else:
        raise _invalid([FORMAT_MESSAGE.format(name=name, suffix=suffix)])
    errors: list[str] = []
    people = []
    first_line_of: dict[str, str] = {}
    for where, row in rows:
        person = _person(where, row, request, errors)
        if person is None:
            continue
        key = person.email.lower()
        if key in first_line_of:
            errors.append(DUPLICATE_MESSAGE.format(where=where, value=person.email, first=first_line_of[key]))
        first_line_of.setdefault(key, where)
        people.append((where, person))
    errors += _taken_errors(people, using)
    if errors:
        raise _invalid(errors)
    return tuple(person for _, person in people)


def request_with_people(
    request: SeedRequest, people: Iterable[PersonSpec], *, source: str | None = None
) -> SeedRequest:
    """The request with the people added: each is one more profile of their role, on top of the generated ones.

    `source` (the file's path or name) is recorded with the run, so that its command can be repeated.
    """
    people = tuple(people)
    added = {role: sum(person.role == role for person in people) for role in ROLES}
    return replace(
        request,
        people=(*request.people, *people),
        people_file=source,
        patients_count=request.patients_count + added[Profile.Role.PATIENT],
        therapists_count=request.therapists_count + added[Profile.Role.THERAPIST],
        admins_count=request.admins_count + added[Profile.Role.ADMIN],
    )


def _invalid(errors: list[str]) -> ValidationError:
    shown = errors[:MAX_ERRORS]
    if len(errors) > MAX_ERRORS:
        shown.append(MORE_MESSAGE.format(count=len(errors) - MAX_ERRORS))
    return ValidationError({FIELD: shown})


def _csv_rows(text: str, name: str) -> list[tuple[str, Mapping]]:
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        message = MISSING_COLUMNS_MESSAGE.format(
            name=name, columns=", ".join(missing), header=", ".join(header) or "none"
        )
        raise _invalid([message])
    # The header is line 1; a row's line is where the reader stood after reading it.
    return [(f"{name} line {reader.line_num}", row) for row in reader]


def _json_rows(text: str, name: str) -> list[tuple[str, Mapping]]:
    try:
        items = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _invalid([f"{name}: not valid JSON: {exc}."]) from exc
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise _invalid([JSON_SHAPE_MESSAGE.format(name=name)])
    return [(f"{name} entry {number}", item) for number, item in enumerate(items, start=1)]


def _person(where: str, row: Mapping, request: SeedRequest, errors: list[str]) -> PersonSpec | None:
    found = len(errors)
    for column in row:
        if column not in COLUMNS:
            errors.append(UNKNOWN_COLUMN_MESSAGE.format(where=where, column=column, allowed=", ".join(COLUMNS)))
    values = {column: _text(row.get(column)) for column in COLUMNS}
    for column in REQUIRED_COLUMNS:
        if not values[column]:
            errors.append(EMPTY_MESSAGE.format(where=where, column=column))
    if values["email"]:
        try:
            validate_email(values["email"])
        except ValidationError:
            errors.append(EMAIL_MESSAGE.format(where=where, value=values["email"]))
    if values["role"] and values["role"] not in ROLES:
        errors.append(ROLE_MESSAGE.format(where=where, value=values["role"]))
    if len(values["full_name"]) > MAX_NAME_LENGTH:
        errors.append(NAME_MESSAGE.format(where=where))
    if values["mood_pattern"] and values["mood_pattern"] not in PERSON_MOOD_PATTERNS:
        errors.append(MOOD_MESSAGE.format(where=where, value=values["mood_pattern"]))
    dates = {column: _date(where, column, values[column], errors) for column in ("checkins_from", "checkins_to")}
    _range_errors(where, dates["checkins_from"], dates["checkins_to"], errors)
    slugs = [spec.slug for spec in request.organizations]
    if values["organization"] and values["organization"] not in slugs:
        allowed = ", ".join(slugs) or "the request has none"
        errors.append(ORGANIZATION_MESSAGE.format(where=where, value=values["organization"], allowed=allowed))
    if len(errors) > found:
        return None
    return PersonSpec(
        email=values["email"],
        full_name=values["full_name"],
        role=values["role"],
        mood_pattern=values["mood_pattern"] or None,
        checkins_from=dates["checkins_from"],
        checkins_to=dates["checkins_to"],
        organization=values["organization"] or None,
    )


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _date(where: str, column: str, value: str, errors: list[str]) -> date | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        errors.append(DATE_MESSAGE.format(where=where, column=column, value=value))
        return None
    if day > timezone.localdate():
        errors.append(FUTURE_MESSAGE.format(where=where, column=column, value=day))
    return day


def _range_errors(where: str, start: date | None, end: date | None, errors: list[str]) -> None:
    if start is None or end is None:
        return
    if start > end:
        errors.append(ORDER_MESSAGE.format(where=where, start=start, end=end))
    elif (end - start).days + 1 > MAX_CHECKIN_DAYS:
        errors.append(RANGE_MESSAGE.format(where=where, days=(end - start).days + 1))


def _taken_errors(people: list[tuple[str, PersonSpec]], using: str) -> list[str]:
    emails = [person.email for _, person in people]
    taken = {
        email.lower() for email in Profile.objects.using(using).filter(email__in=emails).values_list("email", flat=True)
    }
    users = get_user_model().objects.using(using).filter(username__in=emails).values_list("username", flat=True)
    taken |= {username.lower() for username in users}
    return [TAKEN_MESSAGE.format(where=where, value=p.email) for where, p in people if p.email.lower() in taken]
