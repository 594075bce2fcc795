"""Scenarios: named sets of SeedRequest values, built in or read from a TOML file; given options override them."""

import tomllib
from dataclasses import fields
from pathlib import Path

from seeding.request import OrganizationSpec, SeedRequest

# 002's SEED_CONFIG: three clinics, ten staff split 4/3/3, twenty patients split 8/6/6.
DEMO_CLINIC = {
    "patients_count": 20,
    "therapists_count": 10,
    "admins_count": 0,
    "checkins_per_user": 30,
    "mood_pattern": "mixed",
    "with_logins": True,
    "password": "Password123",
    "organizations": (
        OrganizationSpec(name="Kine Clinic A", slug="kine-clinic-a", therapist_weight=4, patient_weight=8),
        OrganizationSpec(name="Kine Clinic B", slug="kine-clinic-b", therapist_weight=3, patient_weight=6),
        OrganizationSpec(name="Kine Clinic C", slug="kine-clinic-c", therapist_weight=3, patient_weight=6),
    ),
    "templates_per_therapist": (3, 5),
    "exceptions_per_therapist": (2, 4),
    "exception_days": 90,
    "plans_per_patient": 3,
}
BUILT_IN_SCENARIOS = {"demo-clinic": DEMO_CLINIC}

# A scenario describes data; whether to clear first is the caller's decision.
SCENARIO_KEYS = tuple(f.name for f in fields(SeedRequest) if f.name != "clear_db")
ORGANIZATION_KEYS = tuple(f.name for f in fields(OrganizationSpec))
REQUIRED_ORGANIZATION_KEYS = ("name", "slug")
PAIR_KEYS = ("templates_per_therapist", "exceptions_per_therapist")

UNKNOWN_SCENARIO_MESSAGE = "Unknown scenario {name!r}: not a built-in one ({built_in}) and not a file."
UNREADABLE_MESSAGE = "{path}: cannot be read ({error})."
SYNTAX_MESSAGE = "{path}: not valid TOML: {error}."
UNKNOWN_KEY_MESSAGE = "{path}: unknown key {key!r}; a scenario may set {allowed}."
ORGANIZATIONS_SHAPE_MESSAGE = "{path}: key 'organizations' must be an array of tables, written [[organizations]]."
UNKNOWN_ORGANIZATION_KEY_MESSAGE = (
    "{path}: unknown key 'organizations[{index}].{key}'; an organization may set {allowed}."
)
MISSING_ORGANIZATION_KEY_MESSAGE = "{path}: key 'organizations[{index}].{key}' is missing."


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
    return SeedRequest(**(values | given))


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
    return values


def _organizations(path: Path, tables: object) -> tuple[OrganizationSpec, ...]:
    if not isinstance(tables, list) or not all(isinstance(table, dict) for table in tables):
        raise ScenarioError(ORGANIZATIONS_SHAPE_MESSAGE.format(path=path))
    allowed = ", ".join(ORGANIZATION_KEYS)
    for index, table in enumerate(tables):
        for key in table:
            if key not in ORGANIZATION_KEYS:
                message = UNKNOWN_ORGANIZATION_KEY_MESSAGE.format(path=path, index=index, key=key, allowed=allowed)
                raise ScenarioError(message)
        for key in REQUIRED_ORGANIZATION_KEYS:
            if key not in table:
                raise ScenarioError(MISSING_ORGANIZATION_KEY_MESSAGE.format(path=path, index=index, key=key))
    return tuple(OrganizationSpec(**table) for table in tables)
