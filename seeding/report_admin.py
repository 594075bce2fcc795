"""The admin's page of one run's validation report: the checks in a table, the pictures as inline SVG."""

from functools import partial

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path

from seeding.report import ReportUnavailable, build_report
from seeding.report_charts import report_charts
from seeding.service import RunNotFound

REPORT_URL_NAME = "seeding_seedrun_report"


def report_urls(model_admin: admin.ModelAdmin) -> list[URLPattern]:
    """The report page's URL, below the run's own page."""
    view = model_admin.admin_site.admin_view(partial(seed_run_report_view, model_admin))
    return [path("<path:object_id>/report/", view, name=REPORT_URL_NAME)]


def seed_run_report_view(model_admin: admin.ModelAdmin, request: HttpRequest, object_id: str) -> HttpResponse:
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    try:
        report = build_report(object_id)
    except (RunNotFound, ReportUnavailable) as exc:
        model_admin.message_user(request, str(exc), messages.ERROR)
        return redirect("admin:seeding_seedrun_changelist")
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": f"Validation report of run {report.run_id}",
        "report": report,
        "charts": report_charts(report),
    }
    return TemplateResponse(request, "admin/seeding/seedrun_report.html", context)
