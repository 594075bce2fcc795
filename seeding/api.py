"""The seeding API: each view turns its input into a request, calls the service, and answers with the report.

Who may do what is seeding/permissions.py; shapes are seeding/serializers.py; the OpenAPI declarations
are seeding/api_schema.py. Every service error becomes its answer in one place, error_response().
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, generics, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import APIView
from rest_framework_simplejwt import views as jwt_views

from seeding import api_schema, background_api
from seeding.models import SeedRun
from seeding.parsers import BoundedJSONParser, CurlJSONParser
from seeding.permissions import CLEAR_REFUSED_MESSAGE, IsSeedingAdmin, MayClear, MayGenerate, SeedingEnabled, may_clear
from seeding.request import API_LIMITS, SeedRequest
from seeding.serializers import (
    NON_FIELD_ERRORS,
    ClearDataSerializer,
    ClearReportSerializer,
    GenerateDataResponseSerializer,
    GenerateDataSerializer,
    SeedRunSerializer,
    UndoQuerySerializer,
)
from seeding.service import (
    ClearBlocked,
    RunNotFound,
    RunNotUndoable,
    SeedingBusy,
    SeedingConflict,
    SeedingDisabled,
    SeedingError,
    clear_synthetic_data,
    find_run,
    generate,
    undo_run,
)
from seeding.throttles import LoginRateThrottle, SeedingRateThrottle
from seeding.tokens import RevocableTokenRefreshSerializer

UNSUPPORTED_MEDIA_TYPE_MESSAGE = "{error} Send the body as JSON (Content-Type: application/json)."
# The most specific class first: SeedingBusy and SeedingConflict are SeedingErrors.
ERROR_STATUS = {
    SeedingDisabled: status.HTTP_403_FORBIDDEN,
    RunNotFound: status.HTTP_404_NOT_FOUND,
    RunNotUndoable: status.HTTP_409_CONFLICT,
    SeedingBusy: status.HTTP_409_CONFLICT,
    SeedingConflict: status.HTTP_409_CONFLICT,
    SeedingError: status.HTTP_500_INTERNAL_SERVER_ERROR,  # its message names the run, never the database's text
}


def error_response(exc: Exception) -> Response | None:
    """The API's answer to a service error or an unreadable body; None leaves the exception to DRF."""
    if isinstance(exc, DjangoValidationError):
        return Response(as_serializer_error(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, exceptions.ParseError):
        return Response({NON_FIELD_ERRORS: [str(exc.detail)]}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, exceptions.UnsupportedMediaType):
        message = UNSUPPORTED_MEDIA_TYPE_MESSAGE.format(error=exc.detail)
        return Response({NON_FIELD_ERRORS: [message]}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ClearBlocked):
        return Response(exc.as_dict(), status=status.HTTP_409_CONFLICT)
    for error_class, status_code in ERROR_STATUS.items():
        if isinstance(exc, error_class):
            return Response({"detail": str(exc)}, status=status_code)
    return None


def validated(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class SeedingAPIView(APIView):
    permission_classes = [IsSeedingAdmin]

    def handle_exception(self, exc):
        response = error_response(exc)
        return super().handle_exception(exc) if response is None else response


class SeedingWriteView(SeedingAPIView):
    """Writes: only where seeding is enabled, throttled per user; subclasses say who may."""

    throttle_classes = [SeedingRateThrottle]


class GenerateDataView(SeedingWriteView):
    permission_classes = [MayGenerate, SeedingEnabled]
    parser_classes = [BoundedJSONParser, CurlJSONParser]

    @api_schema.generate_data
    def post(self, request):
        if isinstance(request.data, dict) and request.data.keys() & {"background", "shards"}:
            data = validated(background_api.BackgroundGenerateDataSerializer, request.data)
            if data.pop("background"):
                return background_api.queue_generate_data(request, data)
        fields = request.data
        if isinstance(fields, dict):
            fields = {name: value for name, value in fields.items() if name not in ("background", "shards")}
        data = validated(GenerateDataSerializer, fields)
        if data["clear_db"] and not may_clear(request.user):
            raise exceptions.PermissionDenied(CLEAR_REFUSED_MESSAGE)
        report = generate(SeedRequest(**data), limits=API_LIMITS, source=SeedRun.Source.API, requested_by=request.user)
        body = {"status": "success", "message": report.message, "statistics": report}
        return Response(GenerateDataResponseSerializer(body).data)


class ClearDataView(SeedingWriteView):
    permission_classes = [MayClear, SeedingEnabled]
    parser_classes = [BoundedJSONParser]

    @api_schema.clear_data
    def post(self, request):
        data = validated(ClearDataSerializer, request.data)
        report = clear_synthetic_data(source=SeedRun.Source.API, requested_by=request.user, **data)
        return Response(ClearReportSerializer(report).data)


@api_schema.list_seed_runs
class SeedRunListView(generics.ListAPIView):
    permission_classes = [IsSeedingAdmin]
    queryset = SeedRun.objects.select_related("requested_by").prefetch_related("shards")
    serializer_class = SeedRunSerializer


class SeedRunDetailView(SeedingAPIView):
    """GET reads one entry of the ledger; DELETE undoes that run (a write, for those who may clear)."""

    def get_permissions(self):
        if self.request.method == "DELETE":
            return [MayClear(), SeedingEnabled()]
        return super().get_permissions()

    def get_throttles(self):
        return [SeedingRateThrottle()] if self.request.method == "DELETE" else []

    @api_schema.get_seed_run
    def get(self, request, run_id: str):
        return Response(SeedRunSerializer(find_run(run_id)).data)

    @api_schema.undo_seed_run
    def delete(self, request, run_id: str):
        data = validated(UndoQuerySerializer, request.query_params)
        run = find_run(run_id)
        report = undo_run(run.id, source=SeedRun.Source.API, requested_by=request.user, **data)
        return Response({"run_id": str(run.id), **ClearReportSerializer(report).data})


class SeedRunCancelView(SeedingWriteView):
    """POST stops a queued or running background run; it ends `cancelled`, none of its rows kept."""

    permission_classes = [MayGenerate, SeedingEnabled]

    @api_schema.cancel_seed_run
    def post(self, request, run_id: str):
        return background_api.cancel_response(request, run_id)


@api_schema.obtain_token
class TokenObtainView(jwt_views.TokenObtainPairView):
    throttle_classes = [LoginRateThrottle]


@api_schema.refresh_token
class TokenRefreshView(jwt_views.TokenRefreshView):
    serializer_class = RevocableTokenRefreshSerializer
