"""Toast's contract as the fake enforces it: each request checked against Toast's Swagger 2.0 specs
(authentication, orders v2, menus v3; copied unchanged from the public mirror growth-operations/toast
@d40b76d, MIT licence beside them): required headers and query parameters with their types, and JSON
bodies against the operation's `definitions` schema (jsonschema, draft 4: Swagger 2.0's dialect).
openapi-core reads OpenAPI 3 only, hence this small reader of the parts the fake serves.

Errors have Toast's shape `{status, code, message, messageKey, fieldName, link, requestId,
developerMessage, errors, canRetry}`."""
from __future__ import annotations

import copy
import json
import re
import uuid
from functools import cache
from pathlib import Path

import yaml
from jsonschema import Draft4Validator

from posfakes.base import FakeHttpError

HERE = Path(__file__).parent
SPECS = {"/authentication/v1": "toast-authentication-api.yaml", "/orders/v2": "toast-orders-api.yaml",
         "/menus/v3": "toast-menus-api-v3.yaml"}


def toast_error(status: int, message: str, field: str | None = None, code: int | None = None,
                headers: dict[str, str] | None = None) -> FakeHttpError:
    return FakeHttpError(status, {
        "status": status, "code": code or status * 100, "message": message, "messageKey": None, "fieldName": field,
        "link": None, "requestId": str(uuid.uuid4()), "developerMessage": message, "errors": [],
        "canRetry": "YES" if status in (429, 500, 502, 503, 504) else "NO"}, headers)


@cache
def spec(base: str) -> dict:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load((HERE / SPECS[base]).read_text(), Loader=loader)   # noqa: S506 - a safe loader


def example_order_response() -> dict:
    """The spec's POST /orders 200 example (an OrderResponse), the template of every fake order."""
    example = spec("/orders/v2")["paths"]["/orders"]["post"]["responses"]["200"]["examples"]["application/json"]
    return json.loads(json.dumps(example, default=str))   # YAML dates as the strings they were written as


def operation(path: str, method: str) -> tuple[str, str, dict, dict[str, str]] | None:
    """(base path, spec path, operation, path parameters) for a request path, or None."""
    for base in SPECS:
        if not path.startswith(base + "/"):
            continue
        document = spec(base)
        local = path[len(base):]
        for template, item in document["paths"].items():
            pattern = "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$"
            if (m := re.match(pattern, local)) and method.lower() in item:
                return base, template, item[method.lower()], m.groupdict()
    return None


def validate(base: str, op: dict, query: dict[str, str], headers: dict[str, str], body: bytes) -> dict | None:
    """Raise Toast's 400 naming the parameter or field that breaks the spec; the parsed body otherwise."""
    payload = None
    for parameter in op.get("parameters", []):
        name, where = parameter["name"], parameter["in"]
        if where == "header":
            value = headers.get(name.lower())
            if parameter.get("required") and not value:
                raise toast_error(400, f"Missing required header {name}", name)
            if value and parameter.get("format") == "uuid" and not _is_uuid(value):
                raise toast_error(400, f"{name} must be a GUID", name)
        elif where == "query":
            value = query.get(name)
            if value is None:
                if parameter.get("required"):
                    raise toast_error(400, f"Missing required query parameter {name}", name)
                continue
            if parameter.get("type") == "integer" and not re.fullmatch(r"-?\d+", value):
                raise toast_error(400, f"{name} must be an integer", name)
        elif where == "body":
            if "json" not in headers.get("content-type", ""):
                raise toast_error(415, 'The request did not have "application/json" in the Content-Type header.')
            try:
                payload = json.loads(body or b"null")
            except ValueError:
                raise toast_error(400, "The body is not valid JSON") from None
            if payload is None and parameter.get("required"):
                raise toast_error(400, "A body is required", "body")
            schema = copy.deepcopy(parameter["schema"])
            schema.pop("example", None)
            schema["definitions"] = spec(base).get("definitions", {})
            problems = sorted(Draft4Validator(schema).iter_errors(payload), key=lambda e: list(e.absolute_path))
            if problems:
                first = problems[0]
                field = ".".join(str(p) for p in first.absolute_path) or None
                raise toast_error(400, f"Invalid body: {first.message}", field)
    return payload


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
