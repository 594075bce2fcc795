"""Ours as a person runs it: `manage.py seed` in a process of its own, timed from launch to exit.

The parent starts `python -m benchmarks.fresh_process SETTINGS ALIAS DATABASE SEED_ARGUMENTS...`. The child
points the alias at the parent's database (under pytest, the test database rather than DATABASE_URL's), runs
the seed command as manage.py does (system checks included), then prints one JSON line: when Django was ready,
and its own peak memory. This module imports nothing heavy: its import is part of the time measured.
"""

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ProcessRun:
    seconds: float  # from launch to exit
    startup_seconds: float  # from launch to Django set up: the interpreter, imports, settings, apps
    peak_rss_mb: float


class FreshProcessFailed(Exception):
    """The seed command failed in its own process; the message carries its output."""


def run_seed_in_fresh_process(seed_arguments: Sequence[str], *, using: str, database: dict) -> ProcessRun:
    command = [
        sys.executable,
        "-m",
        "benchmarks.fresh_process",
        os.environ["DJANGO_SETTINGS_MODULE"],
        using,
        json.dumps(database, default=str),
        *seed_arguments,
    ]
    launched = time.time()
    result = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
    seconds = time.time() - launched
    if result.returncode:
        raise FreshProcessFailed(f"seed {' '.join(seed_arguments)} exited with {result.returncode}:\n{result.stderr}")
    figures = json.loads(result.stdout.splitlines()[-1])
    return ProcessRun(seconds, figures["ready_at"] - launched, figures["peak_rss_mb"])


def peak_rss_mb() -> float:
    """This process's peak resident memory so far.

    On Linux, VmHWM of /proc/self/status: getrusage's ru_maxrss survives exec, so a child spawned by a
    benchmark that had grown large would report the parent's peak as its own.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 2**10  # kB
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes on macOS, KiB on Linux


def _run_seed(settings_module: str, using: str, database: str, *seed_arguments: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    import django
    from django.conf import settings
    from django.core.management import ManagementUtility

    from manage import skip_final_collection

    settings.DATABASES[using] = json.loads(database)
    django.setup()
    ready_at = time.time()
    ManagementUtility(["manage.py", "seed", *seed_arguments, "--database", using]).execute()
    print(json.dumps({"ready_at": ready_at, "peak_rss_mb": peak_rss_mb()}))
    skip_final_collection()  # as manage.py ends


if __name__ == "__main__":
    _run_seed(*sys.argv[1:])
