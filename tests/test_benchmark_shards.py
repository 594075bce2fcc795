"""The benchmark's sharded runs at a tiny size, on workers it starts itself: wiring and output, never timings."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from seeding.models import SeedRun, SeedShard

TINY = ("--sizes", "3650", "--tools", "ours", "--scenario-size", "0")  # 10 patients x 365 days


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)  # the workers are processes of their own: they see committed rows only
def test_the_benchmark_times_a_sharded_run_beside_one_shard_on_the_workers_it_starts():
    out = StringIO()
    call_command("seed_benchmark", *TINY, "--shards", "3", "--workers", "2", stdout=out, stderr=StringIO())

    table = out.getvalue().partition("Background runs on 2 worker(s)")[2]
    rows = re.findall(r"^\s+([\d,]+)\s+(\d+)\s+[\d.]+\s+[\d,]+\s+[\d.]+ x$", table, re.MULTILINE)
    assert rows == [("3,661", "1"), ("3,661", "3")]  # 3,650 check-ins and 11 profiles
    sharded = SeedRun.objects.filter(shards__isnull=False).distinct().get()
    assert sharded.status == "succeeded"
    assert list(SeedShard.objects.values_list("status", flat=True)) == ["succeeded"] * 3


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL runs shards")
@pytest.mark.django_db
def test_the_benchmark_says_shards_need_postgresql():
    with pytest.raises(CommandError, match="--shards needs PostgreSQL"):
        call_command("seed_benchmark", *TINY, "--shards", "2", stdout=StringIO(), stderr=StringIO())
