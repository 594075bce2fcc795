import sys
from argparse import BooleanOptionalAction
from dataclasses import replace
from datetime import date
from getpass import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from seeding.progress import ProgressPrinter
from seeding.request import MOOD_PATTERNS, SeedRequest
from seeding.scenarios import ScenarioError, scenario_request
from seeding.service import SeedingDisabled, SeedingError, clear_synthetic_data, generate, undo_run

DEFAULTS = SeedRequest()
CLEAR_PROMPT = "This deletes every synthetic row in database '{database}' (real rows stay). Type 'yes' to go on: "


class Command(BaseCommand):
    help = "Generate synthetic clinic data (profiles, check-ins...), clear it, or undo one run."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scenario",
            metavar="NAME_OR_PATH",
            help="A built-in scenario (demo-clinic) or a TOML scenario file; every other option given overrides it.",
        )
        parser.add_argument("--patients", type=int, help=f"Patients (default {DEFAULTS.patients_count}).")
        parser.add_argument("--therapists", type=int, help=f"Therapists (default {DEFAULTS.therapists_count}).")
        parser.add_argument("--admins", type=int, help=f"Admins (default {DEFAULTS.admins_count}).")
        parser.add_argument(
            "--checkins-per-user",
            type=int,
            help=f"Check-ins per patient, 1 to 365 (default {DEFAULTS.checkins_per_user}).",
        )
        parser.add_argument(
            "--mood-pattern", choices=MOOD_PATTERNS, help=f"Mood pattern (default {DEFAULTS.mood_pattern})."
        )
        parser.add_argument(
            "--clear",
            action="store_true",
            default=None,
            help="Delete all synthetic data first, in the same transaction.",
        )
        parser.add_argument("--seed", type=int, help="Random seed; the same seed and end date give the same rows.")
        parser.add_argument("--locale", help=f"Faker locale for names and notes (default {DEFAULTS.locale}).")
        parser.add_argument(
            "--end-date", type=date.fromisoformat, help="Date of the latest check-in, YYYY-MM-DD (default today)."
        )
        parser.add_argument(
            "--with-logins",
            action=BooleanOptionalAction,
            help="Give every synthetic profile a Django login (or, with --no-with-logins, none).",
        )
        parser.add_argument("--password", help="Password of the generated logins (asked for when omitted).")
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--clear-only", action="store_true", help="Only delete all synthetic data.")
        action.add_argument("--undo", metavar="RUN_ID", help="Delete exactly the rows of one earlier run.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias (default %(default)s).")
        parser.add_argument("--no-input", "--noinput", action="store_false", dest="interactive", help="Never prompt.")

    def handle(self, *args, **options):
        try:
            if options["undo"]:
                return self._report_deleted(undo_run(options["undo"], using=options["database"]), options)
            if options["clear_only"]:
                self._confirm_clearing(options)
                return self._report_deleted(clear_synthetic_data(using=options["database"]), options)
            if options["clear"]:
                self._confirm_clearing(options)
            report = generate(
                self._request(options),
                using=options["database"],
                progress=ProgressPrinter(self.stderr, verbosity=options["verbosity"]),
            )
        except ValidationError as exc:
            raise CommandError(_validation_text(exc)) from exc
        except (SeedingDisabled, SeedingError, ScenarioError) as exc:
            raise CommandError(str(exc)) from exc
        if options["verbosity"]:
            self.stdout.write(_summary(report))

    def _request(self, options) -> SeedRequest:
        request = scenario_request(
            options["scenario"],
            patients_count=options["patients"],
            therapists_count=options["therapists"],
            admins_count=options["admins"],
            checkins_per_user=options["checkins_per_user"],
            mood_pattern=options["mood_pattern"],
            clear_db=options["clear"],
            seed=options["seed"],
            locale=options["locale"],
            end_date=options["end_date"],
            with_logins=options["with_logins"],
            password=options["password"] or None,
        )
        if request.with_logins and not request.password and options["interactive"]:
            request = replace(request, password=getpass("Password for the generated logins: ") or None)
        return request

    def _confirm_clearing(self, options) -> None:
        if not (options["interactive"] and sys.stdin.isatty()):
            return
        if input(CLEAR_PROMPT.format(database=options["database"])).strip().lower() != "yes":
            raise CommandError("Nothing was changed: clearing was not confirmed.")

    def _report_deleted(self, deleted: dict[str, int], options) -> None:
        if options["verbosity"]:
            parts = ", ".join(f"{count} {kind}" for kind, count in deleted.items())
            self.stdout.write(self.style.SUCCESS(f"Deleted {parts}."))


def _validation_text(exc: ValidationError) -> str:
    by_field = exc.message_dict if hasattr(exc, "error_dict") else {"request": exc.messages}
    lines = [f"{field}: {message}" for field, messages in by_field.items() for message in messages]
    return "Invalid request, nothing was written.\n" + "\n".join(lines)


def _summary(report) -> str:
    lines = {
        "run id": report.run_id,
        "seed": f"{report.seed} (repeat with --seed {report.seed} --end-date {report.end_date})",
        "users_created": report.users_created,
        "patients_created": report.patients_created,
        "therapists_created": report.therapists_created,
        "admins_created": report.admins_created,
        "checkins_per_user": report.checkins_per_user,
        "total_checkins": report.total_checkins,
        "mood_pattern": report.mood_pattern,
        "rows": ", ".join(f"{kind}={count}" for kind, count in report.rows.items()),
    }
    if report.cleared:
        lines["cleared first"] = ", ".join(f"{kind}={count}" for kind, count in report.cleared.items())
    lines["elapsed"] = f"{report.elapsed_seconds:.2f} s"
    return "\n".join([report.message, *(f"  {label:<19}{value}" for label, value in lines.items())])
