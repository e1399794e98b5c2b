"""503 with Retry-After when a dependency is down, instead of 500.

A request that fails because PostgreSQL is restarting, a connection was cut, the pool is exhausted or
a gRPC peer is unavailable can succeed if the client tries again shortly: say so (503 and
`Retry-After`), so clients and the gateway retry instead of reporting a bug. Errors that waiting
cannot fix (a constraint violation, bad SQL) stay 500.

`install(app)` is called by `chassis.http.create_app`.
"""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa

from chassis.errors import DependencyUnavailable

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 1


def is_unavailable(error: BaseException) -> bool:
    """True when the database error means "not reachable right now" rather than "this is wrong"."""
    if isinstance(error, (sa.OperationalError, sa.InterfaceError, sa.TimeoutError, sa.DisconnectionError)):
        return True
    return isinstance(error, sa.DBAPIError) and bool(error.connection_invalidated)


DATABASE_ERRORS = (sa.DBAPIError, sa.TimeoutError, sa.DisconnectionError)


def unavailable_answer(message: str) -> tuple[int, dict, dict[str, str]]:
    return 503, {"error": "DependencyUnavailable", "message": message}, {"Retry-After": str(RETRY_AFTER_SECONDS)}


def database_answer(error: BaseException, where: str) -> tuple[int, dict, dict[str, str]]:
    """(status, body, headers) for a database error on `where` ("POST /path"): 503 when waiting can fix it."""
    if is_unavailable(error):
        log.warning("database unavailable on %s: %s", where,
                    str(error).splitlines()[0] if str(error) else type(error).__name__)
        return unavailable_answer("database unavailable, try again")
    log.error("database error on %s", where, exc_info=error)
    return 500, {"error": "InternalError", "message": "internal error"}, {}


def unavailable_response(message: str) -> JSONResponse:
    status, body, headers = unavailable_answer(message)
    return JSONResponse(body, status_code=status, headers=headers)


async def _dependency_unavailable(_: Request, error: DependencyUnavailable) -> JSONResponse:
    return unavailable_response(str(error))


async def _database_error(request: Request, error: Exception) -> JSONResponse:
    status, body, headers = database_answer(error, f"{request.method} {request.url.path}")
    return JSONResponse(body, status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    """Handlers for the app: a more specific class wins over the app's DomainError/Exception handlers."""
    app.add_exception_handler(DependencyUnavailable, _dependency_unavailable)
    for database_error in DATABASE_ERRORS:
        app.add_exception_handler(database_error, _database_error)
