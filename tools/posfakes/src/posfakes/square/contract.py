"""Square's contract as the fake enforces it: requests validated against the official OpenAPI schemas
(a subset of square/connect-api-specification, see openapi-subset.json and its LICENSE), errors in
Square's shape `{"errors": [{"category", "code", "detail", "field"}]}`."""
from __future__ import annotations

import json
import re
import warnings
from functools import cache
from pathlib import Path

from posfakes.base import FakeHttpError

SPEC_PATH = Path(__file__).with_name("openapi-subset.json")
SQUARE_VERSION = "2025-08-20"   # the spec's default Square-Version
VERSION_FORMAT = re.compile(r"\d{4}-\d{2}-\d{2}")


class SquareError(FakeHttpError):
    """An error Square would answer, with its HTTP status and Square's error body."""

    def __init__(self, status: int, category: str, code: str, detail: str, field: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        error = {"category": category, "code": code, "detail": detail}
        if field:
            error["field"] = field
        super().__init__(status, {"errors": [error]}, headers)
        self.category, self.code, self.detail, self.field = category, code, detail, field


@cache
def spec() -> dict:
    return json.loads(SPEC_PATH.read_text())


@cache
def _openapi():
    from openapi_core import Config, OpenAPI

    # The official document carries vendor keys the strict 3.0 meta-schema refuses (info.externalDocs):
    # validate requests against its schemas, not the document against the meta-schema.
    return OpenAPI.from_dict(spec(), config=Config(spec_validator_cls=None))


def schema_example(name: str) -> dict:
    return json.loads(json.dumps(spec()["components"]["schemas"][name]["example"]))


_CODES = {"required": "MISSING_REQUIRED_PARAMETER", "maxLength": "VALUE_TOO_LONG", "minLength": "VALUE_TOO_SHORT",
          "enum": "INVALID_ENUM_VALUE", "maximum": "VALUE_TOO_HIGH", "minimum": "VALUE_TOO_LOW",
          "maxItems": "ARRAY_LENGTH_TOO_LONG", "minItems": "ARRAY_LENGTH_TOO_SHORT"}
_EXPECTED = {"integer": "EXPECTED_INTEGER", "string": "EXPECTED_STRING", "boolean": "EXPECTED_BOOLEAN",
             "object": "EXPECTED_OBJECT", "array": "EXPECTED_ARRAY", "number": "EXPECTED_FLOAT"}


def validate(method: str, path: str, query: dict[str, str], body: bytes, content_type: str) -> None:
    """Raise SquareError (400 INVALID_REQUEST_ERROR naming the field) when the request breaks the spec."""
    from openapi_core.testing import MockRequest

    if method in ("post", "put") and body:
        try:
            json.loads(body)
        except ValueError:
            raise SquareError(400, "INVALID_REQUEST_ERROR", "EXPECTED_JSON_BODY", "The body is not valid JSON.") from None
    request = MockRequest("https://connect.squareup.com", method, path, args=query, data=body or None,
                          content_type=content_type or "application/json")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # openapi-core does not check oauth2: the fake checks the token itself
        try:
            _openapi().validate_request(request)
        except Exception as error:  # noqa: BLE001 - every validation failure becomes Square's 400
            raise _as_square_error(error) from None


def _as_square_error(error: Exception) -> SquareError:
    cause = error.__cause__ or error
    problems = list(getattr(cause, "schema_errors", ()) or ())
    if problems:
        first = problems[0]
        field = ".".join(str(p) for p in first.path) or None
        if first.validator == "required":
            missing = re.search(r"'([^']+)' is a required property", first.message)
            field = ".".join(filter(None, [field, missing.group(1) if missing else None]))
        code = (_EXPECTED.get(first.validator_value, "INCORRECT_TYPE") if first.validator == "type"
                else _CODES.get(first.validator, "INVALID_VALUE"))
        return SquareError(400, "INVALID_REQUEST_ERROR", code, first.message, field)
    name = getattr(error, "name", None)
    code = "MISSING_REQUIRED_PARAMETER" if "Missing" in type(error).__name__ else "BAD_REQUEST"
    return SquareError(400, "INVALID_REQUEST_ERROR", code, str(error), name)
