"""The seeding API's input and output shapes.

Input fields take JSON types strictly (DRF's own would also accept "5", 5.0, "true" or 1), every unknown
field is named in the 400, and the help texts and range messages are the request's own (seeding/request.py).
"""

from collections.abc import Mapping

from faker.config import AVAILABLE_LOCALES
from rest_framework import serializers
from rest_framework.settings import api_settings

from seeding.models import SeedRun, SeedShard
from seeding.request import (
    API_LIMITS,
    LOCALE_MESSAGE,
    MOOD_PATTERN_MESSAGE,
    MOOD_PATTERNS,
    RANGE_MESSAGE,
    SeedRequest,
    field_bounds,
    field_help,
)

DEFAULTS = SeedRequest()
BOUNDS = field_bounds(API_LIMITS)
NON_FIELD_ERRORS = api_settings.NON_FIELD_ERRORS_KEY

WHOLE_NUMBER_MESSAGE = "Must be a whole number (a JSON integer, not a string or a fraction)."
BOOLEAN_MESSAGE = "Must be true or false (a JSON boolean, not a string or a number)."
STRING_MESSAGE = "Must be a JSON string."
NUMBER_MESSAGE = "Must be a number (a JSON number, not a string)."
UNKNOWN_FIELD_MESSAGE = "Unknown field. Accepted fields: {fields}."
LEGACY_CONFLICT_MESSAGE = (
    "num_users (legacy: that many patients, no therapists) cannot be combined with {fields}; "
    "send either num_users or patients_count/therapists_count."
)
NUM_USERS_HELP = "Legacy: that many patients and no therapists. Not combinable with patients_count or therapists_count."
KEEP_REFERENCED_HELP = (
    "When real rows point at synthetic rows, keep those synthetic rows instead of refusing the deletion (409)."
)


class WholeNumberField(serializers.IntegerField):
    default_error_messages = {"invalid": WHOLE_NUMBER_MESSAGE}

    def __init__(self, low: int, high: int, **kwargs):
        super().__init__(min_value=low, max_value=high, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        if not self.min_value <= data <= self.max_value:
            message = RANGE_MESSAGE.format(name=self.field_name, low=self.min_value, high=self.max_value, value=data)
            raise serializers.ValidationError(message)
        return data


class JSONBooleanField(serializers.BooleanField):
    default_error_messages = {"invalid": BOOLEAN_MESSAGE}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class JSONNumberField(serializers.FloatField):
    """A JSON number; its range is the request's to check."""

    default_error_messages = {"invalid": NUMBER_MESSAGE}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        return float(data)


class JSONStringField(serializers.CharField):
    default_error_messages = {"invalid": STRING_MESSAGE}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def request_field(name: str, field_class=WholeNumberField, **kwargs):
    """A SeedRequest field as the API takes it: the request's bounds, default and help text."""
    if field_class is WholeNumberField:
        kwargs = {"low": BOUNDS[name][0], "high": BOUNDS[name][1], **kwargs}
    kwargs.setdefault("default", getattr(DEFAULTS, name))
    return field_class(help_text=field_help(name, API_LIMITS), **kwargs)


class StrictSerializer(serializers.Serializer):
    """Names every field it does not know, beside the errors of those it does."""

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


class GenerateDataSerializer(StrictSerializer):
    patients_count = request_field("patients_count")
    therapists_count = request_field("therapists_count")
    num_users = WholeNumberField(1, API_LIMITS.max_patients, required=False, help_text=NUM_USERS_HELP)
    checkins_per_user = request_field("checkins_per_user")
    checkin_adherence = request_field("checkin_adherence", JSONNumberField)
    mood_pattern = request_field(
        "mood_pattern",
        serializers.ChoiceField,
        choices=MOOD_PATTERNS,
        error_messages={"invalid_choice": MOOD_PATTERN_MESSAGE},
    )
    clear_db = request_field("clear_db", JSONBooleanField)
    keep_referenced = JSONBooleanField(default=False, help_text=f"With clear_db: {KEEP_REFERENCED_HELP}")
    admins_count = request_field("admins_count")
    seed = request_field("seed", allow_null=True)
    locale = request_field(
        "locale",
        serializers.ChoiceField,
        choices=sorted(AVAILABLE_LOCALES),
        error_messages={"invalid_choice": LOCALE_MESSAGE.format(value="{input}")},
    )
    end_date = request_field("end_date", serializers.DateField, allow_null=True)
    with_logins = request_field("with_logins", JSONBooleanField)
    password = request_field("password", JSONStringField, allow_null=True, trim_whitespace=False, write_only=True)
    appointments_per_patient = request_field("appointments_per_patient")

    def validate(self, attrs: dict) -> dict:
        if "num_users" in attrs:
            given = [name for name in ("patients_count", "therapists_count") if name in self.initial_data]
            if given:
                raise serializers.ValidationError(
                    {"num_users": LEGACY_CONFLICT_MESSAGE.format(fields=" and ".join(given))}
                )
            attrs["patients_count"], attrs["therapists_count"] = attrs.pop("num_users"), 0
        return attrs


class GenerateDataStatisticsSerializer(serializers.Serializer):
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
    unplaced_appointments = serializers.IntegerField(
        help_text="Appointments asked for that the therapists' full calendars had no room for (not booked)."
    )

    def to_representation(self, report):
        data = super().to_representation(report)
        if not report.admins_created:
            del data["admins_created"]
        return data


class GenerateDataResponseSerializer(serializers.Serializer):
    status = serializers.ChoiceField(["success"])
    message = serializers.CharField(help_text="Generated 5 patients and 2 therapists with 150 check-ins")
    statistics = GenerateDataStatisticsSerializer()


class ClearDataSerializer(StrictSerializer):
    keep_referenced = JSONBooleanField(default=False, help_text=KEEP_REFERENCED_HELP)


class UndoQuerySerializer(serializers.Serializer):
    keep_referenced = serializers.BooleanField(default=False, help_text=KEEP_REFERENCED_HELP)


class ClearReportSerializer(serializers.Serializer):
    ledger_id = serializers.UUIDField(help_text="This clear or undo in /api/admin/seed-runs/.")
    deleted = serializers.DictField(child=serializers.IntegerField(), help_text="Rows deleted, by kind.")
    kept = serializers.DictField(
        child=serializers.IntegerField(), help_text="Synthetic rows kept because real rows point at them, by kind."
    )
    message = serializers.CharField()


class UndoReportSerializer(ClearReportSerializer):
    run_id = serializers.UUIDField(help_text="The run that was undone.")


class SeedShardSerializer(serializers.ModelSerializer):
    class Meta:
        model = SeedShard
        fields = ["index", "first_unit", "end_unit", "status", "attempts", "done", "total", "worker", "error"]
        read_only_fields = fields


class SeedRunSerializer(serializers.ModelSerializer):
    requested_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="Username of the caller, if any."
    )
    parameters = serializers.DictField(help_text="The request of the run, password left out.")
    counts = serializers.DictField(
        child=serializers.IntegerField(), help_text="Rows written (a run) or deleted (a clear or undo), by kind."
    )
    duration_seconds = serializers.FloatField(allow_null=True)
    shards = SeedShardSerializer(many=True, read_only=True, help_text="A sharded run's shards; empty otherwise.")

    class Meta:
        model = SeedRun
        fields = [
            "id",
            "kind",
            "source",
            "requested_by",
            "parameters",
            "seed",
            "status",
            "counts",
            "progress",
            "error",
            "started_at",
            "finished_at",
            "duration_seconds",
            "shards",
        ]
        read_only_fields = fields


class ErrorDetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class BlockerSerializer(serializers.Serializer):
    table = serializers.CharField(help_text="The table whose rows stand in the way.")
    references = serializers.CharField(help_text="What those rows point at.")
    count = serializers.IntegerField()
    first_ids = serializers.ListField(child=serializers.CharField())


class ClearBlockedSerializer(ErrorDetailSerializer):
    blockers = BlockerSerializer(many=True)


class DevelopmentSeedCountsSerializer(serializers.Serializer):
    """Rows seeded, under the clinic front-end's own camelCase keys."""

    users = serializers.IntegerField(help_text="Every profile, patients included.")
    organizations = serializers.IntegerField()
    memberships = serializers.IntegerField()
    patients = serializers.IntegerField()
    treatmentPlans = serializers.IntegerField()
    weeklyTemplates = serializers.IntegerField()
    availabilityExceptions = serializers.IntegerField()


class DevelopmentSeedSerializer(serializers.Serializer):
    success = DevelopmentSeedCountsSerializer()
    errors = serializers.ListField(child=serializers.CharField())
    runId = serializers.UUIDField(allow_null=True, help_text="The run in the seeding ledger.")
