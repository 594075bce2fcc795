"""Seeding in the admin: form -> request -> generate() -> message, clearing with a confirmation, the run ledger.

Who may seed is seeding/permissions.py's one rule, the same as the API's (generating: may_generate;
deleting test data, or clearing it before a run: may_clear). When SEEDING_ENABLED is false the actions and
buttons are hidden and their pages refuse with the service's message.
"""

import json
from uuid import UUID

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html

from clinic.admin import ProfileAdmin
from clinic.models import Profile
from seeding import background_admin
from seeding.forms import LIMITS, SeedForm
from seeding.management.command_line import repeat_command
from seeding.models import SeedRun
from seeding.permissions import CLEAR_REFUSED_MESSAGE, GENERATE_REFUSED_MESSAGE, may_clear, may_generate
from seeding.report_admin import report_urls
from seeding.request import KIND_LABELS, count_noun, describe_counts
from seeding.service import (
    ClearBlocked,
    ClearReport,
    RunNotFound,
    RunNotUndoable,
    SeedingDisabled,
    SeedingError,
    blockers_of_clear,
    clear_synthetic_data,
    count_synthetic_data,
    ensure_seeding_enabled,
    find_run,
    generate,
    is_seeding_enabled,
    undo_run,
)

SELECTION_FREE_ACTIONS = ("generate_test_data", "delete_test_data")
CHANGELIST = "admin:clinic_profile_changelist"
SHORT_ID_LENGTH = 8  # enough to undo by: `seed --undo` takes a unique start of an id
ERROR_SUMMARY_LENGTH = 60  # the run list stays within a 1280-pixel window; the run's page has it all

admin.site.unregister(Profile)


@admin.register(Profile)
class SeedingProfileAdmin(ProfileAdmin):
    actions = ["generate_test_data", "delete_test_data"]
    change_list_template = "admin/seeding/profile_change_list.html"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("generate-test-data/", view(self.generate_test_data_view), name="clinic_profile_generate_test_data"),
            path("delete-test-data/", view(self.delete_test_data_view), name="clinic_profile_delete_test_data"),
            path("undo-run/<uuid:run_id>/", view(self.delete_test_data_view), name="clinic_profile_undo_run"),
            *super().get_urls(),
        ]

    def has_generate_test_data_permission(self, request: HttpRequest) -> bool:
        return is_seeding_enabled() and may_generate(request.user)

    def has_delete_test_data_permission(self, request: HttpRequest) -> bool:
        return is_seeding_enabled() and may_clear(request.user)

    @admin.action(description="Generate test data", permissions=["generate_test_data"])
    def generate_test_data(self, request, queryset):
        return redirect("admin:clinic_profile_generate_test_data")

    @admin.action(description="Delete test data", permissions=["delete_test_data"])
    def delete_test_data(self, request, queryset):
        return redirect("admin:clinic_profile_delete_test_data")

    def changelist_view(self, request, extra_context=None):
        action = self.get_actions(request).get(request.POST.get("action", ""))
        if action and action.name in SELECTION_FREE_ACTIONS:
            # Django refuses an action on an empty selection; these two never look at the selection.
            return action.func(self, request, self.get_queryset(request).none())
        extra_context = {
            **(extra_context or {}),
            "may_generate": self.has_generate_test_data_permission(request),
            "may_delete": self.has_delete_test_data_permission(request),
        }
        return super().changelist_view(request, extra_context)

    def generate_test_data_view(self, request: HttpRequest) -> HttpResponse:
        if refusal := self._refusal(request, may_generate, GENERATE_REFUSED_MESSAGE):
            return refusal
        form = SeedForm(request.POST or None, request.FILES or None, may_clear=may_clear(request.user))
        if form.is_valid() and form.cleaned_data.get("background"):
            try:
                return background_admin.queue_from_admin(
                    self, request, form.seed_request(), shards=form.cleaned_data["shards"] or 1
                )
            except ValidationError as exc:
                form.add_request_errors(exc)
            except SeedingDisabled as exc:
                self.message_user(request, str(exc), messages.ERROR)
        elif form.is_valid():
            try:
                report = generate(
                    form.seed_request(), limits=LIMITS, source=SeedRun.Source.ADMIN, requested_by=request.user
                )
            except ValidationError as exc:
                form.add_request_errors(exc)
            except (SeedingDisabled, SeedingError) as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(request, f"{report.message} (seed {report.seed}).", messages.SUCCESS)
                return redirect(CHANGELIST)
        adminform = helpers.AdminForm(form, form.fieldsets(), {})
        return self._render(request, "generate_test_data.html", "Generate test data", adminform=adminform)

    def delete_test_data_view(self, request: HttpRequest, run_id: UUID | None = None) -> HttpResponse:
        """Clearing (every run's rows) or undoing one run: the same confirmation, permission and rule."""
        if refusal := self._refusal(request, may_clear, CLEAR_REFUSED_MESSAGE):
            return refusal
        try:
            run = find_run(run_id) if run_id else None
        except RunNotFound as exc:
            raise Http404(str(exc)) from exc
        if request.method == "POST":
            try:
                report = self._remove(request, run, keep_referenced=request.POST.get("keep_referenced") == "on")
            except (ClearBlocked, RunNotUndoable, SeedingError) as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(request, report.message, messages.SUCCESS)
                return redirect(CHANGELIST)
        title = f"Undo run {run.id}" if run else "Delete test data"
        context = {
            "run": run,
            "model_count": _readable_counts(count_synthetic_data(run_id=run.id if run else None)),
            "blockers": blockers_of_clear(run.id if run else None),
        }
        return self._render(request, "delete_test_data.html", title, **context)

    def _remove(self, request: HttpRequest, run: SeedRun | None, *, keep_referenced: bool) -> ClearReport:
        who = {"source": SeedRun.Source.ADMIN, "requested_by": request.user, "keep_referenced": keep_referenced}
        return undo_run(run.id, **who) if run else clear_synthetic_data(**who)

    def _refusal(self, request: HttpRequest, may, refused_message: str) -> HttpResponse | None:
        """403 for users who may not; the service's message when seeding is off here."""
        if not may(request.user):
            raise PermissionDenied(refused_message)
        try:
            ensure_seeding_enabled()
        except SeedingDisabled as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return redirect(CHANGELIST)
        return None

    def _render(self, request: HttpRequest, template: str, title: str, **context) -> TemplateResponse:
        context = {**self.admin_site.each_context(request), "opts": self.opts, "title": title, **context}
        return TemplateResponse(request, f"admin/seeding/{template}", context)


@admin.register(SeedRun)
class SeedRunAdmin(admin.ModelAdmin):
    """The ledger, read-only: only the service writes runs. A run's page can undo it and repeat it."""

    # Within a 1280-pixel window: short ids, a total of rows and the error's first words; the page has the rest.
    # Who asked, from where and for how long are on the run's page (and the source a filter).
    list_display = ["short_id", "started_at", "kind", "status", "total_rows", "error_summary"]
    list_filter = ["kind", "status", "source"]
    list_select_related = ["requested_by"]
    change_form_template = "admin/seeding/seedrun_change_form.html"
    fields = [
        "id",
        "kind",
        "source",
        "status",
        "requested_by",
        "seed",
        "repeat",
        "parameters_json",
        "row_counts",
        "error",
        "started_at",
        "finished_at",
        "duration",
    ]
    readonly_fields = fields

    def get_urls(self):
        return [*report_urls(self), *background_admin.cancel_urls(self), *super().get_urls()]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_object(request, object_id)
        may_undo = (
            run is not None
            and run.kind == SeedRun.Kind.GENERATE
            and run.status == SeedRun.Status.SUCCEEDED
            and is_seeding_enabled()
            and may_clear(request.user)
        )
        extra_context = {
            **(extra_context or {}),
            "may_undo": may_undo,
            **background_admin.run_page_context(run, request),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="id")
    def short_id(self, run: SeedRun) -> str:
        return str(run.id)[:SHORT_ID_LENGTH]

    @admin.display(description="rows")
    def total_rows(self, run: SeedRun) -> str:
        return count_noun(sum(run.counts.values()), "row") if run.counts else "-"

    @admin.display(description="rows")
    def row_counts(self, run: SeedRun) -> str:
        return describe_counts(run.counts) if run.counts else "-"

    @admin.display(description="error")
    def error_summary(self, run: SeedRun) -> str:
        first_line = run.error.splitlines()[0] if run.error else ""
        return first_line if len(first_line) <= ERROR_SUMMARY_LENGTH else first_line[: ERROR_SUMMARY_LENGTH - 1] + "…"

    @admin.display(description="duration")
    def duration(self, run: SeedRun) -> str:
        return "-" if run.duration_seconds is None else f"{run.duration_seconds:.2f} s"

    @admin.display(description="repeat with")
    def repeat(self, run: SeedRun) -> str:
        if run.kind != SeedRun.Kind.GENERATE:
            return "-"
        return format_html("<code>{}</code>", repeat_command(run.parameters, seed=run.seed))

    @admin.display(description="parameters")
    def parameters_json(self, run: SeedRun) -> str:
        return format_html("<pre>{}</pre>", json.dumps(run.parameters, indent=2, sort_keys=True))


def _readable_counts(counts: dict[str, int]) -> list[tuple[str, int]]:
    return [(KIND_LABELS.get(kind, (kind, kind))[count != 1], count) for kind, count in counts.items() if count]
