import argparse
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from benchmarks.report import environment, format_report, report_as_json
from benchmarks.runners import (
    DEFAULT_BASELINE_MAX_ROWS,
    DEFAULT_SCENARIO_SIZE,
    DEFAULT_SEED,
    DEFAULT_SIZES,
    TEN_MILLION,
    BenchmarkPlan,
    run_benchmark,
)
from benchmarks.sharded import format_sharded, measure_sharded
from benchmarks.tools import DEFAULT_TOOLS, TOOLS, unavailable_tools
from seeding.service import SeedingDisabled

WARNING = "Benchmarking on database {name!r}: its synthetic rows are cleared again and again (real rows never are)."
UNAVAILABLE_MESSAGE = "--tools: {tools} need PostgreSQL; on {vendor}, choose among {available}."


class Command(BaseCommand):
    help = (
        "Benchmark seeding: rows/s of `manage.py seed` as a whole process beside the best loader of the same rows "
        "(COPY with the foreign keys added back in one pass, COPY without them, COPY checking them row by row; "
        "on SQLite executemany) and Django bulk_create, model-bakery and factory_boy, with our peak memory."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--sizes",
            type=_sizes,
            default=DEFAULT_SIZES,
            help="Check-ins per measurement, comma-separated "
            f"(default {','.join(map(str, DEFAULT_SIZES))}); 365 per patient.",
        )
        parser.add_argument("--include-10m", action="store_true", help="Also measure 10,000,000 check-ins.")
        parser.add_argument(
            "--tools",
            type=_tools,
            help=f"Comma-separated, from {','.join(TOOLS)} (default on PostgreSQL "
            f"{','.join(DEFAULT_TOOLS['postgresql'])}; on SQLite {','.join(DEFAULT_TOOLS['sqlite'])}; "
            "reseed = ours replacing an identical earlier run; copy_* need PostgreSQL).",
        )
        parser.add_argument(
            "--baseline-max-rows",
            type=_positive,
            default=DEFAULT_BASELINE_MAX_ROWS,
            help="bulk_create, bakery and factory_boy are measured at most at this many check-ins, and that rate "
            "is compared at larger sizes (default %(default)s); ours, COPY and executemany always at full size.",
        )
        parser.add_argument(
            "--scenario-size",
            type=int,
            default=DEFAULT_SCENARIO_SIZE,
            help="The clinic scenario (demo-clinic): this many patients, therapists and check-ins, seconds per "
            "table; 0 skips it (default %(default)s).",
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Seed of every run (default %(default)s).")
        parser.add_argument("--json", type=Path, metavar="PATH", help="Also write the figures as JSON to PATH.")
        parser.add_argument("--profile", action="store_true", help="Profile ours once with pyinstrument (artifacts/).")
        parser.add_argument(
            "--shards",
            type=_positive,
            help="Also time each size as a background run of this many shards, and as one shard, on --workers "
            "workers that the benchmark starts (PostgreSQL; TASKS_BACKEND picks db_worker or rqworker).",
        )
        parser.add_argument("--workers", type=_positive, default=2, help="Workers for --shards (default %(default)s).")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias (default %(default)s).")

    def handle(self, *args, **options):
        vendor = connections[options["database"]].vendor
        tools = options["tools"] or DEFAULT_TOOLS[vendor]
        if unavailable := unavailable_tools(tools, vendor):
            available = ",".join(tool for tool in TOOLS if not unavailable_tools([tool], vendor))
            raise CommandError(
                UNAVAILABLE_MESSAGE.format(tools=",".join(unavailable), vendor=vendor, available=available)
            )
        if options["shards"] and vendor != "postgresql":
            raise CommandError("--shards needs PostgreSQL: point DATABASE_URL at a PostgreSQL database.")
        plan = BenchmarkPlan(
            sizes=(*options["sizes"], TEN_MILLION) if options["include_10m"] else options["sizes"],
            tools=tools,
            baseline_max_rows=options["baseline_max_rows"],
            scenario_size=options["scenario_size"],
            seed=options["seed"],
            using=options["database"],
            with_profile=options["profile"],
        )
        self.stderr.write(WARNING.format(name=str(connections[plan.using].settings_dict["NAME"])))
        try:
            result = run_benchmark(plan, notify=self.stderr.write)
        except SeedingDisabled as exc:
            raise CommandError(f"{exc}: set SEEDING_ENABLED=true (or DEBUG=true) to benchmark.") from exc
        env = environment(plan.using)
        self.stdout.write(format_report(result, env))
        if options["shards"]:
            self._benchmark_shards(plan, options)
        if options["json"]:
            self._write_json(options["json"], report_as_json(result, env))

    def _benchmark_shards(self, plan: BenchmarkPlan, options) -> None:
        shards, workers = options["shards"], options["workers"]
        results = measure_sharded(
            plan.sizes, shards=shards, workers=workers, seed=plan.seed, end_date=timezone.localdate(),
            using=plan.using, notify=self.stderr.write,
        )  # fmt: skip
        self.stdout.write("\n" + format_sharded(results, workers))

    def _write_json(self, path: Path, figures: dict) -> None:
        try:
            path.write_text(json.dumps(figures, indent=2) + "\n")
        except OSError as exc:
            raise CommandError(f"The figures above could not be written to {path}: {exc}") from exc
        self.stderr.write(f"Figures written to {path}.")


def _sizes(text: str) -> tuple[int, ...]:
    return tuple(_positive(part) for part in text.split(","))


def _positive(text: str) -> int:
    try:
        value = int(text.strip().replace("_", ""))
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected whole numbers above zero, got {text!r}.")
    return value


def _tools(text: str) -> tuple[str, ...]:
    tools = tuple(part.strip() for part in text.split(","))
    if set(tools) - set(TOOLS):
        raise argparse.ArgumentTypeError(f"tools must be among {', '.join(TOOLS)}; got {text!r}.")
    return tools
