from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from seeding.export import FORMATS, export_csv, export_json
from seeding.service import RunNotFound, find_run


class Command(BaseCommand):
    help = (
        "Export one seeding run's rows: --format json writes a fixture for loaddata (the run's logins included), "
        "--format csv a directory with one CSV file per table."
    )

    def add_arguments(self, parser):
        parser.add_argument("run_id", metavar="RUN_ID", help="The run's id, or a unique start of it (see seed_runs).")
        parser.add_argument("--format", choices=FORMATS, default="json", help="json (default) or csv.")
        parser.add_argument("--output", required=True, type=Path, help="The fixture file (json) or directory (csv).")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias (default %(default)s).")

    def handle(self, *args, **options):
        try:
            run = find_run(options["run_id"], using=options["database"])
        except RunNotFound as exc:
            raise CommandError(str(exc)) from exc
        export = export_json if options["format"] == "json" else export_csv
        try:
            counts = export(run.id, options["output"], using=options["database"])
        except OSError as exc:
            raise CommandError(f"--output {options['output']}: cannot be written ({exc.strerror}).") from exc
        if options["verbosity"]:
            rows = ", ".join(f"{table}={count}" for table, count in counts.items())
            self.stdout.write(f"Exported run {run.id} to {options['output']}: {rows}.")
