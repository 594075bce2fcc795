"""The seeding API: each view turns its JSON into a request, calls the service, and maps the report or error."""

from collections.abc import Mapping

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
    inline_serializer,
)
from faker.config import AVAILABLE_LOCALES
from rest_framework import exceptions, generics, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt import views as jwt_views
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer

from seeding.models import SeedRun
from seeding.permissions import IsSeedingAdmin, SeedingEnabled
from seeding.request import (
    API_LIMITS,
    CHECKINS_PER_USER_RANGE,
    EARLIEST_END_DATE,
    MOOD_PATTERNS,
    SEED_RANGE,
    SeedRequest,
)
from seeding.serializers import JSONBooleanField, JSONStringField, WholeNumberField
from seeding.service import SeedingConflict, SeedingDisabled, SeedingError, clear_synthetic_data, generate, undo_run

DEFAULTS = SeedRequest()
NON_FIELD_ERRORS = api_settings.NON_FIELD_ERRORS_KEY

LOCALE_MESSAGE = "Must be a Faker locale such as en_US or pt_BR."
UNKNOWN_FIELD_MESSAGE = "Unknown field. Accepted fields: {fields}."
LEGACY_CONFLICT_MESSAGE = (
    "num_users (legacy: that many patients, no therapists) cannot be combined with {fields}; "
    "send either num_users or patients_count/therapists_count."
)
MALFORMED_JSON_MESSAGE = "The body is not valid JSON: {error}"
UNSUPPORTED_MEDIA_TYPE_MESSAGE = "{error} Send the body as JSON (Content-Type: application/json)."


class CurlJSONParser(JSONParser):
    """JSON sent as curl -d sends it by default (application/x-www-form-urlencoded), as 000's section 4 does."""

    media_type = "application/x-www-form-urlencoded"


class SeedingRateThrottle(UserRateThrottle):
    """Per user, at settings.SEEDING_API_RATE (the SEEDING_API_RATE environment variable)."""

    scope = "seeding"


class LoginRateThrottle(AnonRateThrottle):
    """Per client address, at settings.SEEDING_LOGIN_RATE: slows password guessing at the token endpoint."""

    scope = "login"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current data."


class RunFailed(exceptions.APIException):
    status_code = status.HTTP_500_INTERNAL_SERVER_ERROR
    default_detail = "The run failed and wrote nothing."


def api_exception(exc: Exception) -> Exception:
    """The API error a service error, or a body DRF could not read, stands for; other errors pass through."""
    if isinstance(exc, DjangoValidationError):
        return serializers.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    if isinstance(exc, SeedingDisabled):
        return exceptions.PermissionDenied(str(exc))
    if isinstance(exc, SeedingConflict):
        return Conflict(str(exc))
    if isinstance(exc, SeedingError):
        return RunFailed(str(exc))
    if isinstance(exc, exceptions.ParseError):
        return serializers.ValidationError({NON_FIELD_ERRORS: [MALFORMED_JSON_MESSAGE.format(error=exc.detail)]})
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return serializers.ValidationError(
            {NON_FIELD_ERRORS: [UNSUPPORTED_MEDIA_TYPE_MESSAGE.format(error=exc.detail)]}
        )
    return exc


# Schema pieces shared by the views.


@extend_schema_serializer(component_name="ErrorDetail")
class ErrorDetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


def field_errors(component_name: str, serializer_class: type[serializers.Serializer]):
    """The 400 body: a list of messages per field, and non_field_errors for the body as a whole."""
    names = [*serializer_class().fields, NON_FIELD_ERRORS]
    messages = {name: serializers.ListField(child=serializers.CharField(), required=False) for name in names}
    return OpenApiResponse(inline_serializer(component_name, messages), description="Invalid body; nothing written.")


WRITE_RULES = (
    "For admins only: a staff user, or a user whose profile has the role admin (JWT bearer token or session). "
    "Refused with 403 where seeding is disabled (SEEDING_ENABLED), and with 429 past SEEDING_API_RATE "
    "write requests per user."
)
GENERATE_DESCRIPTION = (
    "Writes the profiles and check-ins in one transaction and records the run in /api/admin/seed-runs/. "
    "At least one of patients_count and therapists_count must be above zero. The legacy num_users creates "
    "that many patients and no therapists, and cannot be combined with either count. Any invalid body "
    "(a wrong JSON type, a value out of range, an unknown field, malformed JSON, a content type other than "
    "JSON) gets a 400 with messages by field, and nothing is written. " + WRITE_RULES
)
UNAUTHENTICATED = OpenApiResponse(ErrorDetailSerializer, description="No credentials, or invalid ones.")
FORBIDDEN = OpenApiResponse(ErrorDetailSerializer, description="Not an admin, or seeding is disabled here.")
NOT_ADMIN = OpenApiResponse(ErrorDetailSerializer, description="Not an admin.")
THROTTLED = OpenApiResponse(ErrorDetailSerializer, description="Too many requests; SEEDING_API_RATE per user.")
NOT_FOUND = OpenApiResponse(ErrorDetailSerializer, description="No such seed run (or page).")
FAILED = OpenApiResponse(ErrorDetailSerializer, description="The run failed on the server and wrote nothing.")


class AdminAPIView(APIView):
    permission_classes = [IsSeedingAdmin]

    def handle_exception(self, exc):
        return super().handle_exception(api_exception(exc))


class SeedingWriteView(AdminAPIView):
    """Writes: for admins, only where seeding is enabled, throttled per user."""

    permission_classes = [IsSeedingAdmin, SeedingEnabled]
    throttle_classes = [SeedingRateThrottle]


class GenerateDataView(SeedingWriteView):
    parser_classes = [JSONParser, CurlJSONParser]

    @extend_schema_serializer(component_name="GenerateData")
    class InputSerializer(serializers.Serializer):
        patients_count = WholeNumberField(
            0,
            API_LIMITS.max_patients,
            default=DEFAULTS.patients_count,
            help_text="Number of patient profiles to generate. Patients will have check-ins.",
        )
        therapists_count = WholeNumberField(
            0,
            API_LIMITS.max_therapists,
            default=DEFAULTS.therapists_count,
            help_text="Number of therapist profiles to generate. Therapists won't have check-ins.",
        )
        num_users = WholeNumberField(
            1,
            API_LIMITS.max_patients,
            required=False,
            help_text="Legacy: that many patients and no therapists. Not combinable with the two counts above.",
        )
        checkins_per_user = WholeNumberField(
            *CHECKINS_PER_USER_RANGE,
            default=DEFAULTS.checkins_per_user,
            help_text="Number of check-ins to generate per patient, one a day up to end_date.",
        )
        mood_pattern = serializers.ChoiceField(
            MOOD_PATTERNS,
            default=DEFAULTS.mood_pattern,
            error_messages={"invalid_choice": f"Must be one of {', '.join(MOOD_PATTERNS)}."},
            help_text="Mood pattern; mixed gives each patient one of the other three.",
        )
        clear_db = JSONBooleanField(
            default=DEFAULTS.clear_db,
            help_text="If true, clears all synthetic data before generating, in the same transaction.",
        )
        admins_count = WholeNumberField(
            0, API_LIMITS.max_admins, default=DEFAULTS.admins_count, help_text="Number of admin profiles."
        )
        seed = WholeNumberField(
            *SEED_RANGE,
            allow_null=True,
            default=DEFAULTS.seed,
            help_text="Random seed; the same seed and end_date give the same rows. Null: a fresh one, reported back.",
        )
        locale = serializers.ChoiceField(
            sorted(AVAILABLE_LOCALES),
            default=DEFAULTS.locale,
            error_messages={"invalid_choice": LOCALE_MESSAGE},
            help_text="Faker locale of names and notes.",
        )
        end_date = serializers.DateField(
            allow_null=True,
            default=DEFAULTS.end_date,
            help_text=f"Date of the latest check-in, YYYY-MM-DD, from {EARLIEST_END_DATE} to today. Null: today.",
        )
        with_logins = JSONBooleanField(
            default=DEFAULTS.with_logins,
            help_text="Give every generated profile a Django login (username = email). Needs password.",
        )
        password = JSONStringField(
            allow_null=True,
            default=DEFAULTS.password,
            trim_whitespace=False,
            write_only=True,
            help_text="Password of the generated logins; required when with_logins is true, and only then.",
        )

        def to_internal_value(self, data):
            unknown = {}
            if isinstance(data, Mapping):
                accepted = UNKNOWN_FIELD_MESSAGE.format(fields=", ".join(self.fields))
                unknown = {name: [accepted] for name in data if name not in self.fields}
            try:
                attrs = super().to_internal_value(data)
            except serializers.ValidationError as exc:
                raise serializers.ValidationError({**unknown, **exc.detail}) from exc
            if unknown:
                raise serializers.ValidationError(unknown)
            return attrs

        def validate(self, attrs: dict) -> dict:
            if "num_users" in attrs:
                given = [name for name in ("patients_count", "therapists_count") if name in self.initial_data]
                if given:
                    raise serializers.ValidationError(
                        {"num_users": LEGACY_CONFLICT_MESSAGE.format(fields=" and ".join(given))}
                    )
                attrs["patients_count"], attrs["therapists_count"] = attrs.pop("num_users"), 0
            return attrs

    @extend_schema_serializer(component_name="GenerateDataResponse")
    class OutputSerializer(serializers.Serializer):
        @extend_schema_serializer(component_name="GenerateDataStatistics")
        class StatisticsSerializer(serializers.Serializer):
            users_created = serializers.IntegerField()
            patients_created = serializers.IntegerField()
            therapists_created = serializers.IntegerField()
            admins_created = serializers.IntegerField(required=False, help_text="Only when admins were asked for.")
            user_ids = serializers.ListField(child=serializers.UUIDField())
            checkins_per_user = serializers.IntegerField()
            total_checkins = serializers.IntegerField()
            mood_pattern = serializers.ChoiceField(MOOD_PATTERNS)
            generated_at = serializers.DateTimeField()
            seed = serializers.IntegerField(help_text="The seed used; send it back with end_date to repeat the run.")
            end_date = serializers.DateField(help_text="Date of the latest check-in.")
            run_id = serializers.UUIDField(help_text="The run in /api/admin/seed-runs/; DELETE it there to undo it.")
            elapsed_seconds = serializers.FloatField()

            def to_representation(self, report):
                data = super().to_representation(report)
                if not report.admins_created:
                    del data["admins_created"]
                return data

        status = serializers.ChoiceField(["success"])
        message = serializers.CharField(help_text="Generated 5 patients and 2 therapists with 150 check-ins")
        statistics = StatisticsSerializer()

    @extend_schema(
        operation_id="generate_data",
        summary="Generate synthetic patients, therapists and check-ins",
        description=GENERATE_DESCRIPTION,
        request={"application/json": InputSerializer},
        responses={
            200: OutputSerializer,
            400: field_errors("GenerateDataErrors", InputSerializer),
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            409: OpenApiResponse(ErrorDetailSerializer, description="Generated rows kept colliding; nothing written."),
            429: THROTTLED,
            500: FAILED,
        },
        examples=[
            OpenApiExample(
                "5 patients and 2 therapists",
                {"patients_count": 5, "therapists_count": 2, "checkins_per_user": 30, "mood_pattern": "stable"},
                request_only=True,
            ),
            OpenApiExample(
                "Clear, then 3 patients and 1 therapist",
                {"patients_count": 3, "therapists_count": 1, "checkins_per_user": 15, "clear_db": True},
                request_only=True,
            ),
            OpenApiExample("Only therapists", {"patients_count": 0, "therapists_count": 5}, request_only=True),
            OpenApiExample("Legacy: 10 patients", {"num_users": 10, "checkins_per_user": 30}, request_only=True),
        ],
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = generate(
            SeedRequest(**serializer.validated_data),
            limits=API_LIMITS,
            source=SeedRun.Source.API,
            requested_by=request.user,
        )
        data = {"status": "success", "message": report.message, "statistics": report}
        return Response(self.OutputSerializer(data).data)


DELETED_ROWS = serializers.DictField(child=serializers.IntegerField(), help_text="Rows deleted, by kind.")


class ClearDataView(SeedingWriteView):
    @extend_schema_serializer(component_name="ClearDataResponse")
    class OutputSerializer(serializers.Serializer):
        deleted = DELETED_ROWS

    @extend_schema(
        operation_id="clear_data",
        summary="Delete every synthetic row; real rows stay",
        description="The generator's clearing: every synthetic row of every kind, in one transaction. " + WRITE_RULES,
        request=None,
        responses={200: OutputSerializer, 401: UNAUTHENTICATED, 403: FORBIDDEN, 429: THROTTLED},
    )
    def post(self, request):
        return Response(self.OutputSerializer({"deleted": clear_synthetic_data()}).data)


@extend_schema_serializer(component_name="SeedRun")
class SeedRunSerializer(serializers.ModelSerializer):
    requested_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="Username of the caller, if any."
    )
    parameters = serializers.DictField(help_text="The request of the run, password left out.")
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="Rows written, by kind.")
    duration_seconds = serializers.FloatField(allow_null=True)

    class Meta:
        model = SeedRun
        fields = [
            "id",
            "source",
            "requested_by",
            "parameters",
            "seed",
            "status",
            "counts",
            "error",
            "started_at",
            "finished_at",
            "duration_seconds",
        ]
        read_only_fields = fields


RUN_ID = OpenApiParameter("run_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The run's id.")


@extend_schema_view(
    get=extend_schema(
        operation_id="list_seed_runs",
        summary="The run history, newest first",
        description="Paginated, 20 runs a page. Readable even where seeding is disabled.",
        responses={200: SeedRunSerializer(many=True), 401: UNAUTHENTICATED, 403: NOT_ADMIN, 404: NOT_FOUND},
    )
)
class SeedRunListView(generics.ListAPIView):
    permission_classes = [IsSeedingAdmin]
    queryset = SeedRun.objects.select_related("requested_by")
    serializer_class = SeedRunSerializer


class SeedRunDetailView(AdminAPIView):
    @extend_schema_serializer(component_name="UndoRunResponse")
    class UndoOutputSerializer(serializers.Serializer):
        run_id = serializers.UUIDField()
        deleted = DELETED_ROWS

    def get_permissions(self):
        # Reading the history is harmless anywhere; undoing a run is a write.
        if self.request.method == "DELETE":
            return [*super().get_permissions(), SeedingEnabled()]
        return super().get_permissions()

    def get_throttles(self):
        return [SeedingRateThrottle()] if self.request.method == "DELETE" else []

    @extend_schema(
        operation_id="get_seed_run",
        summary="One run of the history",
        description="Readable even where seeding is disabled.",
        parameters=[RUN_ID],
        responses={200: SeedRunSerializer, 401: UNAUTHENTICATED, 403: NOT_ADMIN, 404: NOT_FOUND},
    )
    def get(self, request, run_id: str):
        run = generics.get_object_or_404(SeedRun.objects.select_related("requested_by"), pk=run_id)
        return Response(SeedRunSerializer(run).data)

    @extend_schema(
        operation_id="undo_seed_run",
        summary="Undo one run: delete exactly its rows",
        description="Deletes the rows of this run only; other runs and real rows stay. " + WRITE_RULES,
        parameters=[RUN_ID],
        responses={
            200: UndoOutputSerializer,
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: OpenApiResponse(ErrorDetailSerializer, description="The run did not succeed, or is already undone."),
            429: THROTTLED,
        },
    )
    def delete(self, request, run_id: str):
        run = generics.get_object_or_404(SeedRun, pk=run_id)
        try:
            deleted = undo_run(run.pk)
        except SeedingError as exc:
            raise Conflict(str(exc)) from exc
        return Response(self.UndoOutputSerializer({"run_id": run.pk, "deleted": deleted}).data)


TOKEN_REFUSED = OpenApiResponse(ErrorDetailSerializer, description="Wrong credentials, or an invalid token.")


@extend_schema(
    summary="Get a JWT pair (access and refresh) for a username and password",
    responses={
        200: TokenObtainPairSerializer,
        400: OpenApiTypes.OBJECT,
        401: TOKEN_REFUSED,
        429: OpenApiResponse(ErrorDetailSerializer, description="Too many attempts; SEEDING_LOGIN_RATE per address."),
    },
)
class TokenObtainView(jwt_views.TokenObtainPairView):
    throttle_classes = [LoginRateThrottle]


@extend_schema(
    summary="Get a new access token for a refresh token",
    responses={200: TokenRefreshSerializer, 400: OpenApiTypes.OBJECT, 401: TOKEN_REFUSED},
)
class TokenRefreshView(jwt_views.TokenRefreshView):
    pass
