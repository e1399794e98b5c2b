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
