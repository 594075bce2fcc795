"""How a seeding request reads on the seed command's line: each field's option, and the command that repeats a run."""

import shlex
from collections.abc import Mapping

# Said wherever seeding refuses because it is off, including before settings load (manage.py).
ENABLE_HINT = (
    "Seeding is for development: run it with DEBUG=true, or set SEEDING_ENABLED=true "
    "(it then writes only to the databases SEEDING_ALLOWED_DATABASES names)."
)
SEEDING_COMMANDS = ("seed", "seed_runs")

# The request field behind each option that takes a value, in the order --help and repeated commands show them.
VALUE_OPTIONS = {
    "patients_count": "--patients",
    "therapists_count": "--therapists",
    "admins_count": "--admins",
    "checkins_per_user": "--checkins-per-user",
    "checkin_adherence": "--checkin-adherence",
    "mood_pattern": "--mood-pattern",
    "appointments_per_patient": "--appointments-per-patient",
    "people_file": "--people",
    "seed": "--seed",
    "locale": "--locale",
    "end_date": "--end-date",
    "password": "--password",
}
FLAG_OPTIONS = {"clear_db": "--clear", "with_logins": "--with-logins", "keep_referenced": "--keep-referenced"}
OPTION_OF_FIELD = {**VALUE_OPTIONS, **FLAG_OPTIONS}
REPEATED_FIELDS = [name for name in VALUE_OPTIONS if name not in ("seed", "end_date", "password")]
COUNT_OF_ROLE = {"patient": "patients_count", "therapist": "therapists_count", "admin": "admins_count"}


def repeat_command(parameters: Mapping[str, object], *, seed: int | None) -> str:
    """The seed command that writes a run's rows again, from the parameters its ledger entry keeps.

    The password is left out: the command asks for it (a scenario's own password still applies). The people
    file adds its people to the counts again, so the counts it added are taken off.
    """
    parameters = _counts_without_imported_people(parameters)
    parts = ["python", "manage.py", "seed"]
    if parameters.get("scenario"):
        parts += ["--scenario", str(parameters["scenario"])]
    for name in REPEATED_FIELDS:
        if parameters.get(name) is not None:
            parts += [VALUE_OPTIONS[name], str(parameters[name])]
    parts.append("--with-logins" if parameters.get("with_logins") else "--no-with-logins")
    if parameters.get("clear_db"):
        parts.append("--clear")
        if parameters.get("keep_referenced"):
            parts.append("--keep-referenced")
    if seed is not None:
        parts += ["--seed", str(seed)]
    if parameters.get("end_date"):
        parts += ["--end-date", str(parameters["end_date"])]
    return shlex.join(parts)


def _counts_without_imported_people(parameters: Mapping[str, object]) -> dict[str, object]:
    """The counts before --people added the file's people: those listed after the scenario's own."""
    parameters = dict(parameters)
    if not parameters.get("people_file"):
        return parameters
    # Imported here: manage.py reads this module before settings exist, and scenarios need them.
    from seeding.scenarios import ScenarioError, load_scenario

    try:
        own = len(load_scenario(str(parameters["scenario"])).get("people", ())) if parameters.get("scenario") else 0
    except ScenarioError:
        return parameters  # the scenario is gone: the command cannot be repeated as it was anyway
    for person in list(parameters.get("people") or ())[own:]:
        name = COUNT_OF_ROLE.get(person.get("role"))
        if name and isinstance(parameters.get(name), int):
            parameters[name] -= 1
    return parameters
