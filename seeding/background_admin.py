"""The admin's side of background runs: queue the generate form's request, and cancel a run from its page.

The run's page (seedrun_change_form.html) shows a progress bar per kind of row and reloads itself every two
seconds while the run is queued or running; its Cancel button posts here.
"""

from functools import partial

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse

from seeding.background import RunNotCancellable, cancel_run, enqueue_run
from seeding.models import SeedRun
from seeding.permissions import may_generate
from seeding.service import RunNotFound, SeedingBusy, is_seeding_enabled

CANCEL_URL_NAME = "seeding_seedrun_cancel"
REFRESH_SECONDS = 2
QUEUED_MESSAGE = "Queued run {run_id}: this page follows it until it ends."
CANCEL_ASKED_MESSAGE = "Run {run_id} is {status}: it stops within seconds, none of its rows kept."


def cancel_urls(model_admin: admin.ModelAdmin) -> list[URLPattern]:
    view = model_admin.admin_site.admin_view(partial(cancel_view, model_admin))
    return [path("<path:object_id>/cancel/", view, name=CANCEL_URL_NAME)]


def run_page_context(run: SeedRun | None, request: HttpRequest) -> dict:
    """What the run's page needs to show progress, refresh itself and offer Cancel."""
    if run is None:
        return {}
    is_live = run.status in (SeedRun.Status.QUEUED, SeedRun.Status.RUNNING)
    return {
        "progress_bars": [
            (kind, counts["done"], counts["total"], f"{counts['done']:,} of {counts['total']:,}")
            for kind, counts in run.progress.items()
        ],
        "shards": [(shard, f"{shard.done:,} of {shard.total:,}") for shard in run.shards.all()],
        "refresh_seconds": REFRESH_SECONDS if is_live else None,
        "may_cancel": is_live and is_seeding_enabled() and may_generate(request.user),
    }


def queue_from_admin(model_admin: admin.ModelAdmin, request: HttpRequest, seed_request, shards: int) -> HttpResponse:
    """The generate form with "Run in the background": queue it, then show the run's page."""
    run = enqueue_run(seed_request, source=SeedRun.Source.ADMIN, requested_by=request.user, shards=shards)
    model_admin.message_user(request, QUEUED_MESSAGE.format(run_id=run.id), messages.SUCCESS)
    return redirect(reverse("admin:seeding_seedrun_change", args=[run.pk]))


def cancel_view(model_admin: admin.ModelAdmin, request: HttpRequest, object_id: str) -> HttpResponse:
    if request.method != "POST" or not (is_seeding_enabled() and may_generate(request.user)):
        raise PermissionDenied
    try:
        run = cancel_run(object_id)
    except (RunNotFound, RunNotCancellable, SeedingBusy) as exc:
        model_admin.message_user(request, str(exc), messages.ERROR)
    else:
        model_admin.message_user(request, CANCEL_ASKED_MESSAGE.format(run_id=run.id, status=run.status))
    return redirect(reverse("admin:seeding_seedrun_change", args=[object_id]))
