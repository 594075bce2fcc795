import re
import signal
import sys
import threading
from argparse import ArgumentTypeError, BooleanOptionalAction, RawDescriptionHelpFormatter
from dataclasses import replace
from datetime import date
from getpass import getpass

from django.core.checks import Tags
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter
from django.db import DEFAULT_DB_ALIAS

import seeding
from seeding.background import FOLLOW_HINT, enqueue_run
from seeding.management.command_line import ENABLE_HINT, OPTION_OF_FIELD, repeat_command
from seeding.management.database import ensure_database_ready
from seeding.management.progress import ProgressPrinter
from seeding.models import SeedRun
from seeding.people import PEOPLE_FILE_HELP, read_people, request_with_people
from seeding.request import (
    API_LIMITS,
    MOOD_PATTERNS,
    SeedRequest,
    command_limits,
    describe_counts,
    field_help,
    serialize_request,
)
from seeding.scenarios import BUILT_IN_SCENARIOS, ScenarioError, load_scenario, scenario_request
from seeding.service import (
    ClearBlocked,
    DatabaseNotAllowed,
    RunNotFound,
    RunNotUndoable,
    SeedingDisabled,
    SeedingError,
    clear_synthetic_data,
    generate,
    undo_run,
)
from seeding.shards import MAX_SHARDS

CLEAR_PROMPT = "This deletes every synthetic row in database '{database}' (real rows stay). Type 'yes' to go on: "
NOT_CONFIRMED_MESSAGE = "Nothing was changed: clearing was not confirmed."
INVALID_MESSAGE = "Nothing was written: {errors}"
INTERRUPTED_MESSAGE = "Interrupted: nothing was written."
TERMINATED_MESSAGE = "Stopped by SIGTERM: nothing was written."
EMPTY_SCENARIO_MESSAGE = "--scenario is empty: give a built-in scenario ({built_in}) or the path of a TOML file."
MODE_CLASH_MESSAGE = "{mode} generates nothing, so {options} cannot go with it; run those as a separate seed command."
SHARDS_NEED_BACKGROUND_MESSAGE = "--shards splits a background run: add --background, or leave --shards out."
KEEP_REFERENCED_MESSAGE = "--keep-referenced applies only with --clear, --clear-only or --undo."
DATE_FORMAT_MESSAGE = "expected a date written YYYY-MM-DD, such as 2026-06-30; got {value!r}"
GENERATION_OPTIONS = [
    "scenario",
    "patients",
    "therapists",
    "admins",
    "checkins_per_user",
    "checkin_adherence",
    "mood_pattern",
    "clear",
    "seed",
    "locale",
    "end_date",
    "with_logins",
    "password",
    "appointments_per_patient",
    "people",
]
# A field's value came from one of these options (the rest come from the scenario or the defaults).
DEST_OF_FIELD = {
    "patients_count": "patients",
    "therapists_count": "therapists",
    "admins_count": "admins",
    "clear_db": "clear",
    **{name: name for name in ("checkins_per_user", "mood_pattern", "seed", "locale", "end_date", "with_logins")},
    "checkin_adherence": "checkin_adherence",
    "password": "password",
    "keep_referenced": "keep_referenced",
    "appointments_per_patient": "appointments_per_patient",
    "people_file": "people",
}
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


class Terminated(SystemExit):
    """SIGTERM, raised where the command is, so that the run is marked failed and its transaction rolled back."""


class Command(BaseCommand):
    help = "Generate synthetic clinic data (profiles, check-ins...), clear it, or undo one run."
    # The checks of what seeding writes (models, fields, constraints); the URL, admin and template checks
    # import every view and API module, a sixth of a short run's time, and `manage.py check` runs them all.
    requires_system_checks = [Tags.models]

    def get_version(self) -> str:
        return seeding.__version__

    def create_parser(self, prog_name, subcommand, **kwargs):
        limits = command_limits()
        epilog = EPILOG.format(
            command=f"{prog_name} {subcommand}",
            high=limits.max_patients,
            api=API_LIMITS,
        )
        return super().create_parser(prog_name, subcommand, formatter_class=HelpFormatter, epilog=epilog, **kwargs)

    def add_arguments(self, parser):
        limits = command_limits()

        def help_of(name: str) -> str:
            return field_help(name, limits)

        parser.add_argument(
            "--scenario",
            metavar="NAME_OR_PATH",
            help=f"A built-in scenario ({', '.join(BUILT_IN_SCENARIOS)}) or a TOML scenario file; "
            "every other option given overrides it.",
        )
        parser.add_argument("--patients", type=int, help=help_of("patients_count"))
        parser.add_argument("--therapists", type=int, help=help_of("therapists_count"))
        parser.add_argument("--admins", type=int, help=help_of("admins_count"))
        parser.add_argument("--checkins-per-user", type=int, help=help_of("checkins_per_user"))
        parser.add_argument("--checkin-adherence", type=float, metavar="SHARE", help=help_of("checkin_adherence"))
        parser.add_argument("--mood-pattern", choices=MOOD_PATTERNS, help=help_of("mood_pattern"))
        parser.add_argument("--appointments-per-patient", type=int, help=help_of("appointments_per_patient"))
        parser.add_argument("--people", metavar="FILE", help=PEOPLE_FILE_HELP)
        parser.add_argument("--clear", action="store_true", default=None, help=help_of("clear_db"))
        parser.add_argument("--seed", type=int, help=help_of("seed"))
        parser.add_argument("--locale", help=help_of("locale"))
        parser.add_argument("--end-date", type=iso_date, metavar="YYYY-MM-DD", help=help_of("end_date"))
        parser.add_argument(
            "--with-logins",
            action=BooleanOptionalAction,
            help=help_of("with_logins") + " --no-with-logins turns off a scenario's logins.",
        )
        parser.add_argument("--password", help=help_of("password") + " Asked for on a terminal when omitted.")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--clear-only", action="store_true", help="Only delete all synthetic data.")
        mode.add_argument(
            "--undo",
            metavar="RUN_ID",
            help="Delete exactly the rows of one earlier run: its id, or a unique start of it (see seed_runs).",
        )
        parser.add_argument(
            "--keep-referenced",
            action="store_true",
            default=None,
            help="With --clear, --clear-only or --undo: keep the synthetic rows that real rows refer to, "
            "instead of refusing.",
        )
        parser.add_argument(
            "--background",
            action="store_true",
            help="Queue the run for a background worker (manage.py db_worker) and print its id at once.",
        )
        parser.add_argument(
            "--shards",
            type=int,
            metavar="N",
            help=f"With --background: split the run's check-ins into N shards (1 to {MAX_SHARDS}, ranges of "
            "patients) that any number of workers write side by side; PostgreSQL only.",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias (default %(default)s).")
        parser.add_argument("--no-input", "--noinput", action="store_false", dest="interactive", help="Never prompt.")

    def handle(self, *args, **options):
        is_main_thread = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGTERM, _raise_terminated) if is_main_thread else None
        try:
            self._handle(options)
        except KeyboardInterrupt:
            raise CommandError(INTERRUPTED_MESSAGE, returncode=EXIT_INTERRUPTED) from None
        except Terminated:
            raise CommandError(TERMINATED_MESSAGE, returncode=EXIT_TERMINATED) from None
        finally:
            if is_main_thread:
                signal.signal(signal.SIGTERM, previous)

    def _handle(self, options) -> None:
        self._check_modes(options)
        ensure_database_ready(options["database"])
        keep_referenced = bool(options["keep_referenced"])
        common = {"source": SeedRun.Source.COMMAND, "using": options["database"]}
        try:
            if options["undo"]:
                return self._report_deleted(
                    undo_run(options["undo"], keep_referenced=keep_referenced, **common), options
                )
            if options["clear_only"]:
                self._confirm_clearing(options)
                report = clear_synthetic_data(keep_referenced=keep_referenced, **common)
                return self._report_deleted(report, options)
            request = self._request(options)
            if request.clear_db:
                self._confirm_clearing(options)
            if options["background"]:
                run = enqueue_run(
                    request, source=SeedRun.Source.COMMAND, using=options["database"], shards=options["shards"] or 1
                )
                self.stdout.write(f"Queued run {run.id}.\n{FOLLOW_HINT.format(run_id=run.id)}")
                return None
            progress = ProgressPrinter(self.stderr, verbosity=options["verbosity"])
            report = generate(request, limits=command_limits(), progress=progress, **common)
        except ValidationError as exc:
            raise CommandError(INVALID_MESSAGE.format(errors=self._validation_text(exc, options))) from exc
        except DatabaseNotAllowed as exc:
            raise CommandError(str(exc)) from exc
        except SeedingDisabled as exc:
            raise CommandError(f"{exc}. {ENABLE_HINT}") from exc
        except (SeedingError, ScenarioError, RunNotFound, RunNotUndoable, ClearBlocked) as exc:
            raise CommandError(str(exc)) from exc
        if options["verbosity"]:
            parameters = {**serialize_request(request), "scenario": options["scenario"], "end_date": report.end_date}
            self.stdout.write(_summary(report, repeat_command(parameters, seed=report.seed)))

    def _check_modes(self, options) -> None:
        mode = "--undo" if options["undo"] else "--clear-only" if options["clear_only"] else None
        given = [f"--{dest.replace('_', '-')}" for dest in GENERATION_OPTIONS if options[dest] is not None]
        if mode and given:
            raise CommandError(MODE_CLASH_MESSAGE.format(mode=mode, options=", ".join(given)))
        if options["keep_referenced"] and not (mode or options["clear"]):
            raise CommandError(KEEP_REFERENCED_MESSAGE)
        if options["shards"] is not None and not options["background"]:
            raise CommandError(SHARDS_NEED_BACKGROUND_MESSAGE)
        if options["scenario"] == "":
            raise CommandError(EMPTY_SCENARIO_MESSAGE.format(built_in=", ".join(BUILT_IN_SCENARIOS)))

    def _request(self, options) -> SeedRequest:
        request = scenario_request(
            options["scenario"],
            patients_count=options["patients"],
            therapists_count=options["therapists"],
            admins_count=options["admins"],
            checkins_per_user=options["checkins_per_user"],
            checkin_adherence=options["checkin_adherence"],
            mood_pattern=options["mood_pattern"],
            clear_db=options["clear"],
            keep_referenced=options["keep_referenced"],
            seed=options["seed"],
            locale=options["locale"],
            end_date=options["end_date"],
            with_logins=options["with_logins"],
            password=options["password"] or None,
            appointments_per_patient=options["appointments_per_patient"],
        )
        if options["people"]:
            people = read_people(options["people"], request, using=options["database"])
            request = request_with_people(request, people, source=options["people"])
        if request.with_logins and not request.password and options["interactive"] and sys.stdin.isatty():
            request = replace(request, password=_ask_password())
        return request

    def _confirm_clearing(self, options) -> None:
        if not (options["interactive"] and sys.stdin.isatty()):
            return
        if input(CLEAR_PROMPT.format(database=options["database"])).strip().lower() != "yes":
            raise CommandError(NOT_CONFIRMED_MESSAGE)

    def _report_deleted(self, report, options) -> None:
        if options["verbosity"]:
            self.stdout.write(self.style.SUCCESS(report.message))

    def _validation_text(self, exc: ValidationError, options) -> str:
        """Each message once, naming the option the person typed, or the scenario's key the value came from."""
        scenario_keys = set(load_scenario(options["scenario"])) if options["scenario"] else set()
        lines = []
        for field, messages in exc.message_dict.items():
            for message in messages:
                for name, option in OPTION_OF_FIELD.items():
                    if options.get(DEST_OF_FIELD[name]) is not None or name not in scenario_keys:
                        message = _rename(message, name, option)
                if field in scenario_keys and options.get(DEST_OF_FIELD.get(field, field)) is None:
                    message = f"{options['scenario']}: {message}"
                lines.append(message)
        return lines[0] if len(lines) == 1 else "".join(f"\n  {line}" for line in lines)


class HelpFormatter(DjangoHelpFormatter, RawDescriptionHelpFormatter):
    """Django's option order, and the examples below the options kept as written."""


EPILOG = """\
examples:
  {command} --patients 5                      5 patients, 1 therapist, 30 check-ins each
  {command} --scenario demo-clinic --seed 2024 --clear
  {command} --clear-only                      delete all synthetic data, nothing else
  {command} --undo 3f2a9c1e                   delete one run's rows (ids from `seed_runs`)

limits: --patients, --therapists and --admins up to {high:,} each (SEEDING_MAX_PATIENTS); the API and the
admin allow {api.max_patients} patients, {api.max_therapists} therapists and {api.max_admins} admins a run.
Seeding runs only where it is enabled: DEBUG=true, or SEEDING_ENABLED=true.
"""


def iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ArgumentTypeError(DATE_FORMAT_MESSAGE.format(value=value)) from None


def _raise_terminated(signum, frame):
    raise Terminated(EXIT_TERMINATED)


def _ask_password() -> str | None:
    try:
        return getpass("Password for the generated logins: ") or None
    except EOFError:
        return None


def _rename(message: str, name: str, option: str) -> str:
    """The first mention of a field, as its option: a later 'locale' is the word, not the field."""
    return re.sub(rf"\b{re.escape(name)}\b", option, message, count=1)


def _summary(report, repeat: str) -> str:
    lines = {
        "run id": report.run_id,
        "seed": report.seed,
        "end date": report.end_date,
        "users_created": report.users_created,
        "patients_created": report.patients_created,
        "therapists_created": report.therapists_created,
        "admins_created": report.admins_created,
        "checkins_per_user": report.checkins_per_user,
        "total_checkins": report.total_checkins,
        "mood_pattern": report.mood_pattern,
        "rows": describe_counts(report.rows),
    }
    if report.cleared:
        lines["cleared first"] = describe_counts(report.cleared)
    if report.kept:
        lines["kept"] = f"{describe_counts(report.kept)} (real rows point at them)"
    if report.unplaced_appointments:
        lines["not booked"] = f"{report.unplaced_appointments:,} appointments (full calendars)"
    lines["elapsed"] = f"{report.elapsed_seconds:.2f} s"
    lines["repeat with"] = repeat
    return "\n".join([report.message, *(f"  {label:<19}{value}" for label, value in lines.items())])
