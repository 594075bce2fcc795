"""JSON bodies read within bounds: hostile input gets a 400 that says what is wrong, never a 500."""

import json

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding

MAX_BODY_BYTES = 64 * 1024  # the largest real body (generate-data with every field) is under 1 KB
MAX_DEPTH = 32  # the real bodies nest two levels at most
MALFORMED_JSON_MESSAGE = "The body is not valid JSON: {error}"
TOO_LARGE_MESSAGE = f"The body is larger than {MAX_BODY_BYTES} bytes; send a smaller JSON object."
TOO_DEEP_MESSAGE = f"The body nests arrays or objects deeper than {MAX_DEPTH} levels."
SURROGATE_MESSAGE = "The body contains an unpaired surrogate escape (such as \\ud800), which is not text."


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser with a size and a depth bound, refusing strings that cannot be encoded back."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = get_encoding(parser_context or {})
        raw = stream.read(MAX_BODY_BYTES + 1) if stream is not None else b""
        if len(raw) > MAX_BODY_BYTES:
            raise ParseError(TOO_LARGE_MESSAGE)
        try:
            data = json.loads(raw.decode(encoding), parse_constant=_refuse_constant)
        except RecursionError:
            raise ParseError(TOO_DEEP_MESSAGE) from None
        except ValueError as exc:
            raise ParseError(MALFORMED_JSON_MESSAGE.format(error=exc)) from None
        check_bounds(data)
        return data


class CurlJSONParser(BoundedJSONParser):
    """JSON sent as `curl -d` sends it by default (application/x-www-form-urlencoded)."""

    media_type = "application/x-www-form-urlencoded"


def check_bounds(data) -> None:
    """Raise ParseError if the parsed body nests too deep or holds a string that is not valid Unicode."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict | list) and depth > MAX_DEPTH:
            raise ParseError(TOO_DEEP_MESSAGE)
        if isinstance(value, dict):
            pending.extend((key, depth) for key in value)
            pending.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)
        elif isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ParseError(SURROGATE_MESSAGE) from None


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON value")
