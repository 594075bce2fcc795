"""Scenarios: named sets of SeedRequest values, built in or read from a TOML file; given options override them."""

import tomllib
from dataclasses import fields
from pathlib import Path

from seeding.request import OrganizationSpec, PersonSpec, SeedRequest

# The clinic specification's SEED_CONFIG: three clinics, ten staff split 4/3/3 (nine therapists 3/3/3 and the admin
# admin@seed.local in the first), twenty patients split 8/6/6.
DEMO_ADMIN = PersonSpec(email="admin@seed.local", full_name="Seed Admin", role="admin")
DEMO_CLINIC = {
    "patients_count": 20,
    "therapists_count": 9,
    "admins_count": 1,
    "people": (DEMO_ADMIN,),
    "checkins_per_user": 30,
    "mood_pattern": "mixed",
    "with_logins": True,
    "password": "Password123",
    "organizations": (
        OrganizationSpec(name="Kine Clinic A", slug="kine-clinic-a", therapist_weight=3, patient_weight=8),
        OrganizationSpec(name="Kine Clinic B", slug="kine-clinic-b", therapist_weight=3, patient_weight=6),
        OrganizationSpec(name="Kine Clinic C", slug="kine-clinic-c", therapist_weight=3, patient_weight=6),
    ),
    "templates_per_therapist": (3, 5),
    "exceptions_per_therapist": (2, 4),
    "exception_days": 90,
    "plans_per_patient": 3,
    "appointments_per_patient": 4,
}
BUILT_IN_SCENARIOS = {"demo-clinic": DEMO_CLINIC}

# A scenario describes data; whether to clear first is the caller's decision, and people files are the caller's.
SCENARIO_KEYS = tuple(f.name for f in fields(SeedRequest) if f.name not in ("clear_db", "people_file"))
ORGANIZATION_KEYS = tuple(f.name for f in fields(OrganizationSpec))
REQUIRED_ORGANIZATION_KEYS = ("name", "slug")
PERSON_KEYS = tuple(f.name for f in fields(PersonSpec))
REQUIRED_PERSON_KEYS = ("email", "full_name", "role")
PAIR_KEYS = ("templates_per_therapist", "exceptions_per_therapist")

UNKNOWN_SCENARIO_MESSAGE = "Unknown scenario {name!r}: not a built-in one ({built_in}) and not a file."
UNREADABLE_MESSAGE = "{path}: cannot be read ({error})."
SYNTAX_MESSAGE = "{path}: not valid TOML: {error}."
UNKNOWN_KEY_MESSAGE = "{path}: unknown key {key!r}; a scenario may set {allowed}."
TABLES_SHAPE_MESSAGE = "{path}: key '{name}' must be an array of tables, written [[{name}]]."
UNKNOWN_TABLE_KEY_MESSAGE = "{path}: unknown key '{name}[{index}].{key}'; each of {name} may set {allowed}."
MISSING_TABLE_KEY_MESSAGE = "{path}: key '{name}[{index}].{key}' is missing."


class ScenarioError(Exception):
    """A scenario is unknown or its file is malformed; the message names the file and the line or key."""


def load_scenario(name_or_path: str) -> dict[str, object]:
    """The SeedRequest values of a built-in scenario, or of a TOML scenario file."""
    if name_or_path in BUILT_IN_SCENARIOS:
        return dict(BUILT_IN_SCENARIOS[name_or_path])
    path = Path(name_or_path)
    if not path.is_file():
        built_in = ", ".join(BUILT_IN_SCENARIOS)
        raise ScenarioError(UNKNOWN_SCENARIO_MESSAGE.format(name=name_or_path, built_in=built_in))
    try:
        with path.open("rb") as file:
            table = tomllib.load(file)
    except tomllib.TOMLDecodeError as exc:  # its message ends with "(at line L, column C)"
        raise ScenarioError(SYNTAX_MESSAGE.format(path=path, error=exc)) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(UNREADABLE_MESSAGE.format(path=path, error=exc)) from exc
    return _scenario_values(path, table)


def scenario_request(scenario: str | None = None, **overrides: object) -> SeedRequest:
    """The request a scenario describes, each override that is not None replacing the scenario's value."""
    values = load_scenario(scenario) if scenario else {}
    given = {name: value for name, value in overrides.items() if value is not None}
    if given.get("with_logins") is False and "password" not in given:
        values.pop("password", None)  # the scenario's password belongs to the logins just switched off
    return SeedRequest(**(values | given | ({"scenario": scenario} if scenario else {})))


def _scenario_values(path: Path, table: dict) -> dict[str, object]:
    allowed = ", ".join(SCENARIO_KEYS)
    for key in table:
        if key not in SCENARIO_KEYS:
            raise ScenarioError(UNKNOWN_KEY_MESSAGE.format(path=path, key=key, allowed=allowed))
    values = dict(table)
    for key in PAIR_KEYS:
        if isinstance(values.get(key), list):
            values[key] = tuple(values[key])
    if "organizations" in values:
        values["organizations"] = _organizations(path, values["organizations"])
    if "people" in values:
        values["people"] = _people(path, values["people"])
    return values


def _organizations(path: Path, tables: object) -> tuple[OrganizationSpec, ...]:
    return tuple(
        OrganizationSpec(**table)
        for table in _tables(path, "organizations", tables, ORGANIZATION_KEYS, REQUIRED_ORGANIZATION_KEYS)
    )


def _people(path: Path, tables: object) -> tuple[PersonSpec, ...]:
    return tuple(PersonSpec(**table) for table in _tables(path, "people", tables, PERSON_KEYS, REQUIRED_PERSON_KEYS))


def _tables(path: Path, name: str, tables: object, keys: tuple[str, ...], required: tuple[str, ...]) -> list[dict]:
    """An array of tables ([[name]]) whose keys are all known and whose required keys are all there."""
    if not isinstance(tables, list) or not all(isinstance(table, dict) for table in tables):
        raise ScenarioError(TABLES_SHAPE_MESSAGE.format(path=path, name=name))
    allowed = ", ".join(keys)
    for index, table in enumerate(tables):
        for key in table:
            if key not in keys:
                message = UNKNOWN_TABLE_KEY_MESSAGE.format(path=path, name=name, index=index, key=key, allowed=allowed)
                raise ScenarioError(message)
        for key in required:
            if key not in table:
                raise ScenarioError(MISSING_TABLE_KEY_MESSAGE.format(path=path, name=name, index=index, key=key))
    return tables
