"""Seeding in the admin: form -> request -> generate() -> message, clearing with a confirmation, the run ledger.

Who may seed: superusers, and staff who may add profiles (clinic.add_profile); deleting test data, or
clearing it before a run, also needs clinic.delete_profile. When SEEDING_ENABLED is false the actions and
buttons are hidden and their pages refuse with the service's message.
"""

import json

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html

from clinic.admin import ProfileAdmin
from clinic.models import Profile
from seeding.charts import checkin_chart_svg
from seeding.forms import LIMITS, SeedForm
from seeding.models import SeedRun
from seeding.service import (
    SeedingDisabled,
    SeedingError,
    clear_synthetic_data,
    count_synthetic_data,
    ensure_seeding_enabled,
    generate,
    is_seeding_enabled,
)

GENERATE_PERMISSION = "clinic.add_profile"
CLEAR_PERMISSION = "clinic.delete_profile"
SELECTION_FREE_ACTIONS = ("generate_test_data", "delete_test_data")
CHANGELIST = "admin:clinic_profile_changelist"

admin.site.unregister(Profile)


@admin.register(Profile)
class SeedingProfileAdmin(ProfileAdmin):
    actions = ["generate_test_data", "delete_test_data"]
    change_list_template = "admin/seeding/profile_change_list.html"
    change_form_template = "admin/seeding/profile_change_form.html"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("generate-test-data/", view(self.generate_test_data_view), name="clinic_profile_generate_test_data"),
            path("delete-test-data/", view(self.delete_test_data_view), name="clinic_profile_delete_test_data"),
            *super().get_urls(),
        ]

    def has_generate_test_data_permission(self, request: HttpRequest) -> bool:
        return is_seeding_enabled() and request.user.has_perm(GENERATE_PERMISSION)

    def has_delete_test_data_permission(self, request: HttpRequest) -> bool:
        return is_seeding_enabled() and request.user.has_perm(CLEAR_PERMISSION)

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
        if refusal := self._refusal(request, GENERATE_PERMISSION):
            return refusal
        form = SeedForm(request.POST or None, may_clear=request.user.has_perm(CLEAR_PERMISSION))
        if form.is_valid():
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

    def delete_test_data_view(self, request: HttpRequest) -> HttpResponse:
        if refusal := self._refusal(request, CLEAR_PERMISSION):
            return refusal
        if request.method == "POST":
            deleted = clear_synthetic_data()
            parts = ", ".join(f"{count} {kind}" for kind, count in deleted.items() if count) or "no rows"
            self.message_user(request, f"Deleted {parts}.", messages.SUCCESS)
            return redirect(CHANGELIST)
        model_count = [(kind.replace("_", " "), count) for kind, count in count_synthetic_data().items() if count]
        return self._render(request, "delete_test_data.html", "Delete test data", model_count=model_count)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.role == Profile.Role.PATIENT:
            context["checkin_chart"] = checkin_chart_svg(obj.check_ins.order_by("checkin_date"))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _refusal(self, request: HttpRequest, permission: str) -> HttpResponse | None:
        """403 for users who may not; the service's message when seeding is off here."""
        if not request.user.has_perm(permission):
            raise PermissionDenied
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
    """The ledger, read-only: only the service writes runs."""

    list_display = ["started_at", "source", "status", "requested_by", "seed", "row_counts", "duration"]
    list_filter = ["status", "source"]
    list_select_related = ["requested_by"]
    fields = [
        "id",
        "source",
        "status",
        "requested_by",
        "seed",
        "parameters_json",
        "row_counts",
        "error",
        "started_at",
        "finished_at",
        "duration",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="rows written")
    def row_counts(self, run: SeedRun) -> str:
        return ", ".join(f"{count} {kind}" for kind, count in run.counts.items() if count) or "-"

    @admin.display(description="duration")
    def duration(self, run: SeedRun) -> str:
        return "-" if run.duration_seconds is None else f"{run.duration_seconds:.2f} s"

    @admin.display(description="parameters")
    def parameters_json(self, run: SeedRun) -> str:
        return format_html("<pre>{}</pre>", json.dumps(run.parameters, indent=2, sort_keys=True))
