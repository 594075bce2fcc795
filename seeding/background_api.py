"""The API of background runs: queue a generate-data request, and cancel a run.

Kept beside seeding/api.py, whose GenerateDataView hands a request with "background": true to
queue_generate_data(); the status of a run is the ledger entry that GET /api/admin/seed-runs/<id>/ shows.
"""

from django.urls import reverse
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from seeding.background import RunNotCancellable, cancel_run, enqueue_run
from seeding.models import SeedRun
from seeding.permissions import CLEAR_REFUSED_MESSAGE, may_clear
from seeding.request import FIELD_HELP, SeedRequest, command_limits, field_bounds, field_help
from seeding.serializers import GenerateDataSerializer, JSONBooleanField, SeedRunSerializer, WholeNumberField
from seeding.shards import MAX_SHARDS

SHARDS_HELP = (
    "With background: split the run's check-ins into this many shards (ranges of patients), which any number "
    "of workers write side by side, each in a transaction of its own; PostgreSQL only."
)
SHARDS_NEED_BACKGROUND_MESSAGE = 'shards split a background run: add "background": true, or leave shards out.'
BACKGROUND_HELP = (
    "Queue the run for a background worker and answer 202 at once with its status URL; background runs take "
    "the command's limits (SEEDING_MAX_PATIENTS)."
)


def background_count_field(name: str) -> WholeNumberField:
    low, high = field_bounds(command_limits())[name]
    return WholeNumberField(
        low, high, default=getattr(SeedRequest(), name), help_text=field_help(name, command_limits())
    )


class GenerateDataOrQueueSerializer(GenerateDataSerializer):
    """generate-data's request as documented: the synchronous run's fields and limits, `background` and `shards`."""

    background = JSONBooleanField(default=False, help_text=BACKGROUND_HELP)
    shards = WholeNumberField(1, MAX_SHARDS, default=1, help_text=SHARDS_HELP)

    def validate(self, attrs: dict) -> dict:
        attrs = super().validate(attrs)
        if attrs["shards"] > 1 and not attrs["background"]:
            raise serializers.ValidationError({"shards": SHARDS_NEED_BACKGROUND_MESSAGE})
        return attrs


class BackgroundGenerateDataSerializer(GenerateDataOrQueueSerializer):
    """generate-data's fields with the command's limits, for a request that names background or shards."""

    patients_count = background_count_field("patients_count")
    therapists_count = background_count_field("therapists_count")
    admins_count = background_count_field("admins_count")
    num_users = WholeNumberField(
        1, command_limits().max_patients, required=False, help_text=FIELD_HELP["patients_count"]
    )


def queue_generate_data(request, data: dict) -> Response:
    """202 with the queued run, its id and where to follow it."""
    if data["clear_db"] and not may_clear(request.user):
        raise exceptions.PermissionDenied(CLEAR_REFUSED_MESSAGE)
    shards = data.pop("shards")
    run = enqueue_run(SeedRequest(**data), source=SeedRun.Source.API, requested_by=request.user, shards=shards)
    return Response(run_status(request, run), status=status.HTTP_202_ACCEPTED)


def run_status(request, run: SeedRun) -> dict:
    url = request.build_absolute_uri(reverse("seed-run-detail", kwargs={"run_id": str(run.id)}))
    return {"run_id": str(run.id), "status_url": url, **SeedRunSerializer(run).data}


def cancel_response(request, run_id: str) -> Response:
    try:
        run = cancel_run(run_id)
    except RunNotCancellable as exc:
        return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
    return Response(run_status(request, run), status=status.HTTP_202_ACCEPTED)
