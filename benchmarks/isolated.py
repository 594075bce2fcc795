"""Measure ours in a fresh process, so its peak memory is its own and not the benchmark's.

The spawned child imports this module, and unpickles the SeedRequest, before Django is set up: neither
may import models at import time.
"""

import multiprocessing
import os


def measure_ours_in_fresh_process(request, *, using: str, database: dict):
    """Run benchmarks.tools.measure_ours in a spawned child on the same database; return its Measurement."""
    context = multiprocessing.get_context("spawn")
    settings_module = os.environ["DJANGO_SETTINGS_MODULE"]
    with context.Pool(processes=1, maxtasksperchild=1) as pool:
        return pool.apply(_measure_in_child, (settings_module, using, database, request))


def _measure_in_child(settings_module: str, using: str, database: dict, request):
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    import django
    from django.conf import settings

    # The parent's own connection settings: under pytest they name the test database, not DATABASE_URL's.
    settings.DATABASES[using] = database
    django.setup()

    from benchmarks.tools import measure_ours

    return measure_ours(request, using=using)
