import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

import seeding
from seeding.report import ReportUnavailable, build_report
from seeding.report_charts import report_svg_files
from seeding.service import RunNotFound

FAILED_MESSAGE = "{count} of {total} checks failed: {names}."
SVG_WRITTEN_MESSAGE = "Pictures written to {path}: {names}."


class Command(BaseCommand):
    help = (
        "Validate one seeding run's rows: integrity checks and realism statistics, each against its expected "
        "range. Exits with status 1 when a check fails."
    )

    def get_version(self) -> str:
        return seeding.__version__

    def add_arguments(self, parser):
        parser.add_argument("run_id", nargs="?", help="The run (any unique start of its id); default the latest.")
        parser.add_argument("--json", action="store_true", help='Print {"run_id", "checks": [...]} as JSON.')
        parser.add_argument(
            "--svg-dir",
            metavar="DIR",
            type=Path,
            help="Also write the report's pictures to DIR, one SVG file each (DIR is created if missing).",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias (default %(default)s).")

    def handle(self, *args, **options):
        try:
            report = build_report(options["run_id"], using=options["database"])
        except (RunNotFound, ReportUnavailable) as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2, default=str))
        else:
            self.stdout.write(f"Run {report.run_id}")
            for check in report.checks:
                mark = self.style.SUCCESS("pass") if check.passed else self.style.ERROR("FAIL")
                self.stdout.write(f"  {mark}  {check.name}: {check.value} (expected {check.expected})")
            for reason in report.skipped:
                self.stdout.write(f"  skip  {reason}")
        if options["svg_dir"]:
            self._write_pictures(report, options["svg_dir"])
        if not report.passed:
            names = "; ".join(check.name for check in report.failed)
            raise CommandError(FAILED_MESSAGE.format(count=len(report.failed), total=len(report.checks), names=names))

    def _write_pictures(self, report, directory: Path) -> None:
        files = report_svg_files(report)
        directory.mkdir(parents=True, exist_ok=True)
        for name, svg in files.items():
            (directory / name).write_text(svg, encoding="utf-8")
        self.stderr.write(SVG_WRITTEN_MESSAGE.format(path=directory, names=", ".join(files) or "none (no check-ins)"))
