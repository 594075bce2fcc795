"""The OpenAPI declarations of the seeding API, one per operation, kept apart so each view fits a screen."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer

from seeding.background_api import GenerateDataOrQueueSerializer
from seeding.serializers import (
    NON_FIELD_ERRORS,
    ClearBlockedSerializer,
    ClearDataSerializer,
    ClearReportSerializer,
    DevelopmentSeedSerializer,
    ErrorDetailSerializer,
    GenerateDataResponseSerializer,
    GenerateDataSerializer,
    SeedRunSerializer,
    UndoQuerySerializer,
    UndoReportSerializer,
)

GENERATE_RULE = "Needs clinic.add_profile (clear_db also clinic.delete_profile), or a real profile with the role admin."
CLEAR_RULE = "Needs clinic.delete_profile, or a real profile with the role admin."
READ_RULE = "For seeding admins (clinic.add_profile or clinic.delete_profile, or a real admin profile)."
WRITE_RULES = (
    "JWT bearer token or session. Refused with 403 where seeding is disabled (SEEDING_ENABLED), "
    "and with 429 past SEEDING_API_RATE write requests per user."
)
GENERATE_DESCRIPTION = (
    "Writes the profiles and check-ins in one transaction and records the run in /api/admin/seed-runs/. "
    "At least one of patients_count and therapists_count must be above zero. The legacy num_users creates "
    "that many patients and no therapists, and cannot be combined with either count. Any invalid body "
    "(a wrong JSON type, a value out of range, an unknown field, malformed or too deeply nested JSON, a content "
    "type other than JSON) gets a 400 with messages by field, and nothing is written. "
    "appointments_per_patient is booked in the therapists' clinics, which this endpoint does not create: it "
    "stays 0 here, and any other value gets a 400 naming it (POST /api/db/seed, or `seed --scenario "
    "demo-clinic`, fills the clinics' calendars). "
)


def field_error_response(component_name: str, serializer_class: type[serializers.Serializer]) -> OpenApiResponse:
    """The 400 body: a list of messages per field, and non_field_errors for the body as a whole."""
    names = [*serializer_class().fields, NON_FIELD_ERRORS]
    messages = {name: serializers.ListField(child=serializers.CharField(), required=False) for name in names}
    return OpenApiResponse(inline_serializer(component_name, messages), description="Invalid body; nothing written.")


def refusal(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorDetailSerializer, description=description)


UNAUTHENTICATED = refusal("No credentials, or invalid ones.")
FORBIDDEN = refusal("Not allowed to do this, or seeding is disabled here.")
NOT_ADMIN = refusal("Not a seeding admin.")
THROTTLED = refusal("Too many requests; SEEDING_API_RATE per user.")
NOT_FOUND = refusal("No such seed run (or page).")
FAILED = refusal("The run failed on the server and wrote nothing; the body names the run in the ledger.")
BLOCKED = OpenApiResponse(
    ClearBlockedSerializer,
    description="Real rows point at synthetic rows; nothing was deleted (send keep_referenced: true to keep those).",
)
BUSY = refusal("Another seeding run, clear or undo holds the lock; try again.")
RUN_ID = OpenApiParameter(
    "run_id", OpenApiTypes.STR, OpenApiParameter.PATH, description="The run's id, or a unique prefix of it."
)

generate_data = extend_schema(
    operation_id="generate_data",
    summary="Generate synthetic patients, therapists and check-ins",
    description=GENERATE_DESCRIPTION + GENERATE_RULE + " " + WRITE_RULES,
    request={"application/json": GenerateDataOrQueueSerializer},
    responses={
        200: GenerateDataResponseSerializer,
        202: OpenApiResponse(
            OpenApiTypes.OBJECT,
            description='"background": true: the queued run\'s ledger entry, with run_id and status_url to follow.',
        ),
        400: field_error_response("GenerateDataErrors", GenerateDataSerializer),
        401: UNAUTHENTICATED,
        403: FORBIDDEN,
        409: OpenApiResponse(
            OpenApiTypes.OBJECT,
            description="Generated rows kept colliding, another clear holds the lock, or (clear_db) real rows "
            "point at synthetic rows; nothing written.",
        ),
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

clear_data = extend_schema(
    operation_id="clear_data",
    summary="Delete every synthetic row; real rows stay",
    description="Every synthetic row of every kind, in one transaction, recorded in the ledger. The body is "
    "optional. " + CLEAR_RULE + " " + WRITE_RULES,
    request={"application/json": ClearDataSerializer},
    responses={
        200: ClearReportSerializer,
        400: field_error_response("ClearDataErrors", ClearDataSerializer),
        401: UNAUTHENTICATED,
        403: FORBIDDEN,
        409: BLOCKED,
        429: THROTTLED,
    },
)

list_seed_runs = extend_schema_view(  # a generic view: the declaration goes on its get
    get=extend_schema(
        operation_id="list_seed_runs",
        summary="The ledger: runs, clears and undos, newest first",
        description="Paginated, 20 entries a page. Readable even where seeding is disabled. " + READ_RULE,
        responses={200: SeedRunSerializer(many=True), 401: UNAUTHENTICATED, 403: NOT_ADMIN, 404: NOT_FOUND},
    )
)

get_seed_run = extend_schema(
    operation_id="get_seed_run",
    summary="One entry of the ledger",
    description="Readable even where seeding is disabled. " + READ_RULE,
    parameters=[RUN_ID],
    responses={200: SeedRunSerializer, 401: UNAUTHENTICATED, 403: NOT_ADMIN, 404: NOT_FOUND},
)

undo_seed_run = extend_schema(
    operation_id="undo_seed_run",
    summary="Undo one run: delete exactly its rows",
    description="Deletes the rows of this run only; other runs and real rows stay. " + CLEAR_RULE + " " + WRITE_RULES,
    parameters=[RUN_ID, UndoQuerySerializer],
    responses={
        200: UndoReportSerializer,
        400: field_error_response("UndoSeedRunErrors", UndoQuerySerializer),
        401: UNAUTHENTICATED,
        403: FORBIDDEN,
        404: NOT_FOUND,
        409: OpenApiResponse(
            OpenApiTypes.OBJECT,
            description="The run is not undoable (it failed, or is already undone or cleared), another clear holds "
            "the lock, or real rows point at its rows (the body lists them).",
        ),
        429: THROTTLED,
    },
)

TOKEN_REFUSED = refusal("Wrong credentials, an invalid or used refresh token, or a changed password.")
obtain_token = extend_schema(
    summary="Get a JWT pair (access and refresh) for a username and password",
    responses={
        200: TokenObtainPairSerializer,
        400: OpenApiTypes.OBJECT,
        401: TOKEN_REFUSED,
        429: refusal("Too many attempts; SEEDING_LOGIN_RATE per address."),
    },
)
refresh_token = extend_schema(
    summary="Trade a refresh token, once, for a new access and refresh token",
    responses={200: TokenRefreshSerializer, 400: OpenApiTypes.OBJECT, 401: TOKEN_REFUSED},
)

development_seed = extend_schema(
    operation_id="development_seed",
    summary="Development only: replace all synthetic data with the demo-clinic scenario",
    description="Development only, with no authentication: answers only where DEBUG and SEEDING_ENABLED are both "
    "on (403 elsewhere). Refuses cross-site requests (an Origin or Referer that is not this server's nor in "
    "CSRF_TRUSTED_ORIGINS, or a body of a type a web page can send without asking) with 403. Throttled per "
    "address at SEEDING_API_RATE. `curl -X POST http://localhost:8000/api/db/seed` is all it takes.",
    request=None,
    responses={
        200: DevelopmentSeedSerializer,
        403: refusal("Not a development server, or a cross-site request."),
        409: OpenApiResponse(OpenApiTypes.OBJECT, description="Real rows point at synthetic rows, or seeding is busy."),
        429: refusal("Too many requests from this address; SEEDING_API_RATE."),
        500: OpenApiResponse(DevelopmentSeedSerializer, description="The run failed and wrote nothing."),
    },
)


cancel_seed_run = extend_schema(
    operation_id="cancel_seed_run",
    summary="Cancel a queued or running background run",
    description="A queued run ends `cancelled` at once; a running one within seconds, rolled back: none of its "
    "rows remain. Poll the run's status URL to see it end.",
    parameters=[RUN_ID],
    request=None,
    responses={
        202: OpenApiResponse(OpenApiTypes.OBJECT, description="The run's ledger entry, with run_id and status_url."),
        401: UNAUTHENTICATED,
        403: FORBIDDEN,
        404: NOT_FOUND,
        409: OpenApiResponse(OpenApiTypes.OBJECT, description="The run has already ended."),
    },
)
