"""A run's rows exported as fixtures: Django's JSON fixture format for loaddata, or one CSV file per table.

Rows stream out in chunks, so the memory an export needs does not grow with the run. The run's ledger
entry comes first (without who asked for it: that login is a person's, not the run's), so that the loaded
rows are still a run that can be undone; then its logins (auth_user rows and their SyntheticLogin
records), so that loaddata finds every row a profile points at.
"""

import csv
import json
from collections.abc import Iterator
from datetime import datetime, time
from pathlib import Path
from uuid import UUID

from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.python import Serializer as PythonSerializer
from django.db import DEFAULT_DB_ALIAS, models

from seeding.generators import generation_order
from seeding.models import SeedRun, SyntheticLogin
from seeding.ownership import RUN_FIELD

FORMATS = ("json", "csv")
CHUNK_ROWS = 2000
REQUESTER = "requested_by"  # the ledger's link to who asked: a person's login, left out of an export
FORMAT_MESSAGE = f"format must be one of {', '.join(FORMATS)}; got {{value!r}}."


class ExactJSONEncoder(DjangoJSONEncoder):
    """Django's fixture encoder, keeping microseconds: its own rounds times to milliseconds."""

    def default(self, o):
        if isinstance(o, datetime | time):
            return o.isoformat()
        return super().default(o)


def run_querysets(run_id: UUID, using: str = DEFAULT_DB_ALIAS) -> Iterator[models.QuerySet]:
    """Every table's rows of one run, each after the tables it points at; its ledger entry first."""
    yield SeedRun._base_manager.using(using).filter(pk=run_id)
    yield get_user_model()._base_manager.using(using).filter(synthetic_login__run_id=run_id).order_by("pk")
    yield SyntheticLogin._base_manager.using(using).filter(run_id=run_id).order_by("pk")
    seen = {get_user_model()}
    for generator in generation_order():
        model = generator.model
        if model in seen or not any(field.name == RUN_FIELD for field in model._meta.fields):
            continue
        seen.add(model)
        yield model._base_manager.using(using).filter(**{RUN_FIELD: run_id}).order_by("pk")


def export_json(run_id: UUID, output: Path, *, using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Write the run as one fixture file; return the rows written per table."""
    counts = {}
    with output.open("w", encoding="utf-8") as file:
        file.write("[")
        first = True
        for queryset in run_querysets(run_id, using):
            counts[queryset.model._meta.db_table] = 0
            for chunk in _chunks(queryset):
                for record in PythonSerializer().serialize(chunk):
                    if queryset.model is SeedRun:
                        record["fields"][REQUESTER] = None
                    file.write("\n" if first else ",\n")
                    json.dump(record, file, cls=ExactJSONEncoder, ensure_ascii=False)
                    first = False
                counts[queryset.model._meta.db_table] += len(chunk)
        file.write("\n]\n")
    return counts


def export_csv(run_id: UUID, output: Path, *, using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Write the run as one CSV file per table (a header, then its rows) into a directory."""
    output.mkdir(parents=True, exist_ok=True)
    counts = {}
    for queryset in run_querysets(run_id, using):
        table = queryset.model._meta.db_table
        columns = [field.attname for field in queryset.model._meta.concrete_fields]
        with (output / f"{table}.csv").open("w", encoding="utf-8", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(columns)
            counts[table] = 0
            detached = columns.index(f"{REQUESTER}_id") if queryset.model is SeedRun else None
            for row in queryset.values_list(*columns).iterator(chunk_size=CHUNK_ROWS):
                writer.writerow(_csv_value(None if i == detached else value) for i, value in enumerate(row))
                counts[table] += 1
    return counts


def _chunks(queryset: models.QuerySet) -> Iterator[list]:
    chunk = []
    for row in queryset.iterator(chunk_size=CHUNK_ROWS):
        chunk.append(row)
        if len(chunk) == CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _csv_value(value: object) -> object:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else value
