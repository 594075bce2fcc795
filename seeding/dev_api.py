"""POST /api/db/seed: in development only, replace all synthetic data with the demo-clinic scenario.

Open, as the clinic scenario asks (`curl -X POST http://localhost:8000/api/db/seed`), so it refuses what a
web page could send: a request from another origin, or a body of a type a page may post without asking.
"""

from urllib.parse import urlsplit

from django.conf import settings
from rest_framework import status
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from seeding import api_schema
from seeding.api import SeedingAPIView
from seeding.models import SeedRun
from seeding.request import API_LIMITS
from seeding.scenarios import scenario_request
from seeding.service import (
    SEEDING_DISABLED_MESSAGE,
    SeedingBusy,
    SeedingConflict,
    SeedingError,
    SeedReport,
    generate,
    is_seeding_enabled,
)
from seeding.throttles import DevelopmentSeedRateThrottle

DEMO_SCENARIO = "demo-clinic"
CROSS_SITE_MESSAGE = (
    "Refused: the request comes from another site (its Origin or Referer is neither this server nor in "
    "CSRF_TRUSTED_ORIGINS), or carries a body a web page could send unasked. Call it as "
    "`curl -X POST <server>/api/db/seed`."
)
# Content types a page may POST cross-site without a CORS preflight.
BROWSER_SIMPLE_TYPES = {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data"}
# The clinic front-end's response keys (camelCase, as it reads them) -> the generator whose rows each counts.
# "users" counts every profile, patients included.
RESPONSE_COUNTS = {
    "users": "profiles",
    "organizations": "organizations",
    "memberships": "memberships",
    "patients": "enrollments",
    "treatmentPlans": "treatment_plans",
    "weeklyTemplates": "weekly_availability",
    "availabilityExceptions": "availability_exceptions",
}


def seeded_counts(report: SeedReport | None) -> dict[str, int]:
    rows = report.rows if report else {}
    return {key: rows.get(generator, 0) for key, generator in RESPONSE_COUNTS.items()}


def is_cross_site(request) -> bool:
    trusted = {f"{request.scheme}://{request.get_host()}", *settings.CSRF_TRUSTED_ORIGINS}
    origin = request.headers.get("Origin")
    if origin is None and request.headers.get("Referer"):
        referer = urlsplit(request.headers["Referer"])
        origin = f"{referer.scheme}://{referer.netloc}"
    if origin is not None and origin not in trusted:
        return True
    content_type = request.content_type.split(";")[0].strip().lower()
    return content_type in BROWSER_SIMPLE_TYPES and bool(request.body)


class DevelopmentOnly(BasePermission):
    message = SEEDING_DISABLED_MESSAGE

    def has_permission(self, request, view) -> bool:
        return settings.DEBUG and is_seeding_enabled()


class SameSiteOnly(BasePermission):
    message = CROSS_SITE_MESSAGE

    def has_permission(self, request, view) -> bool:
        return not is_cross_site(request)


class SeedDemoClinicView(SeedingAPIView):
    authentication_classes = ()
    permission_classes = [DevelopmentOnly, SameSiteOnly]
    throttle_classes = [DevelopmentSeedRateThrottle]

    @api_schema.development_seed
    def post(self, request):
        seed_request = scenario_request(DEMO_SCENARIO, clear_db=True)
        try:
            report = generate(seed_request, limits=API_LIMITS, source=SeedRun.Source.API)
        except (SeedingBusy, SeedingConflict):
            raise  # a 409, as everywhere in the API
        except SeedingError as exc:  # the service logged it; the message names the run, not the database's text
            body = {"success": seeded_counts(None), "errors": [str(exc)], "runId": None}
            return Response(body, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
        return Response({"success": seeded_counts(report), "errors": [], "runId": str(report.run_id)})
