"""Serializer fields that take JSON types strictly: DRF's own would also accept "5", 5.0, "true" or 1."""

from rest_framework import serializers

RANGE_MESSAGE = "Must be between {low} and {high}."
WHOLE_NUMBER_MESSAGE = "Must be a whole number (a JSON integer, not a string or a fraction)."
BOOLEAN_MESSAGE = "Must be true or false (a JSON boolean, not a string or a number)."
STRING_MESSAGE = "Must be a JSON string."


class WholeNumberField(serializers.IntegerField):
    default_error_messages = {"invalid": WHOLE_NUMBER_MESSAGE}

    def __init__(self, low: int, high: int, **kwargs):
        message = RANGE_MESSAGE.format(low=low, high=high)
        error_messages = {"min_value": message, "max_value": message}
        super().__init__(min_value=low, max_value=high, error_messages=error_messages, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return data


class JSONBooleanField(serializers.BooleanField):
    default_error_messages = {"invalid": BOOLEAN_MESSAGE}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class JSONStringField(serializers.CharField):
    default_error_messages = {"invalid": STRING_MESSAGE}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)
