"""Domain errors every entrypoint maps the same way: HTTP status and gRPC code."""
from __future__ import annotations


class DomainError(Exception):
    http_status = 400
    grpc_code = "INVALID_ARGUMENT"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.message = message
        self.field = field

    def to_dict(self) -> dict:
        body = {"error": type(self).__name__, "message": str(self)}
        if self.field:
            body["field"] = self.field
        return body


class InvalidInput(DomainError):
    """Bad input; `field` names the offending field path (e.g. lines[2].quantity)."""

    http_status = 422
    grpc_code = "INVALID_ARGUMENT"


class NotFound(DomainError):
    http_status = 404
    grpc_code = "NOT_FOUND"


class PermissionDenied(DomainError):
    http_status = 403
    grpc_code = "PERMISSION_DENIED"


class Unauthenticated(DomainError):
    http_status = 401
    grpc_code = "UNAUTHENTICATED"


class Conflict(DomainError):
    http_status = 409
    grpc_code = "ALREADY_EXISTS"


class DependencyUnavailable(DomainError):
    """A peer or store we need is down: the caller may retry."""

    http_status = 503
    grpc_code = "UNAVAILABLE"


def field_path(location: tuple) -> str:
    """A validation error's location as the field a client sent: ('body', 'lines', 2, 'quantity') ->
    'lines[2].quantity'; an empty one (the body is not JSON at all) is 'body'."""
    path = ""
    for part in location[1:] if location and location[0] in ("body", "query", "path", "header") else location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or ".".join(map(str, location)) or "body"


def validation_problem(errors: list[dict]) -> dict:
    """The 422 body of a request that failed validation (pydantic's or FastAPI's error list): every
    field named, with its message."""
    problems = [{"field": "body" if item.get("type") == "json_invalid" else field_path(tuple(item["loc"])),
                 "message": item["msg"]} for item in errors]   # not JSON: the body, not a character offset
    summary = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
    return {"error": "InvalidInput", "message": summary, "fields": problems}
