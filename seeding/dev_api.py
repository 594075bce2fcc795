"""POST /api/db/seed (002): in development only, replace all synthetic data with the demo-clinic scenario."""

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from seeding.models import SeedRun
from seeding.request import API_LIMITS
from seeding.scenarios import scenario_request
from seeding.service import SEEDING_DISABLED_MESSAGE, SeedingError, SeedReport, generate, is_seeding_enabled

DEMO_SCENARIO = "demo-clinic"
# 002's response keys (camelCase, as its front-end reads them) -> the generator whose rows each counts.
# "users" counts every profile, patients included, as 000's users_created does.
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


class SeedDemoClinicView(APIView):
    # 002: open to anyone, because it answers only where DEBUG and SEEDING_ENABLED are both on.
    authentication_classes = ()
    permission_classes = (AllowAny,)

    # Left out of the OpenAPI schema, which describes the admin API: this is a development convenience
    # (and has no input that schemathesis could fuzz in negative mode).
    @extend_schema(exclude=True)
    def post(self, request):
        if not (settings.DEBUG and is_seeding_enabled()):
            raise PermissionDenied(SEEDING_DISABLED_MESSAGE)
        seed_request = scenario_request(DEMO_SCENARIO, clear_db=True)
        try:
            report = generate(seed_request, limits=API_LIMITS, source=SeedRun.Source.API)
        except SeedingError as exc:
            body = {"success": seeded_counts(None), "errors": [str(exc)]}
            return Response(body, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
        return Response({"success": seeded_counts(report), "errors": []})
