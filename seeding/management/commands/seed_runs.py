from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone

import seeding
from seeding.management.database import ensure_database_ready
from seeding.models import SeedRun
from seeding.request import describe_counts

SHORT_ID_LENGTH = 8  # `seed --undo` takes any unique start of an id
ERROR_WIDTH = 60
COLUMNS = ("id", "started", "kind", "status", "source", "error", "rows")  # rows, the widest, last
NO_RUNS_MESSAGE = "No seeding runs yet: `python manage.py seed --patients 5` makes one."


class Command(BaseCommand):
    help = "List seeding runs, clears and undos, newest first; `seed --undo ID` takes an id shown here."

    def get_version(self) -> str:
        return seeding.__version__

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=20, help="How many entries to list (default %(default)s).")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias (default %(default)s).")

    def handle(self, *args, **options):
        ensure_database_ready(options["database"])
        runs = SeedRun.objects.using(options["database"]).order_by("-started_at")[: max(options["limit"], 0)]
        rows = [_row(run) for run in runs]
        if not rows:
            self.stdout.write(NO_RUNS_MESSAGE)
            return
        widths = [max(len(row[i]) for row in [COLUMNS, *rows]) for i in range(len(COLUMNS) - 1)]
        for row in [COLUMNS, *rows]:
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            self.stdout.write("  ".join([*cells, row[-1]]).rstrip())


def _row(run: SeedRun) -> tuple[str, ...]:
    error = run.error.splitlines()[0] if run.error else ""
    if len(error) > ERROR_WIDTH:
        error = error[: ERROR_WIDTH - 1] + "…"
    return (
        str(run.id)[:SHORT_ID_LENGTH],
        timezone.localtime(run.started_at).strftime("%Y-%m-%d %H:%M"),
        run.kind,
        run.status,
        run.source,
        error or "-",
        describe_counts(run.counts) if run.counts else "-",
    )
