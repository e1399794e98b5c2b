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


def unavailable_response(message: str) -> JSONResponse:
    return JSONResponse({"error": "DependencyUnavailable", "message": message}, status_code=503,
                        headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


async def _dependency_unavailable(_: Request, error: DependencyUnavailable) -> JSONResponse:
    return unavailable_response(str(error))


async def _database_error(request: Request, error: Exception) -> JSONResponse:
    if is_unavailable(error):
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path,
                    str(error).splitlines()[0] if str(error) else type(error).__name__)
        return unavailable_response("database unavailable, try again")
    log.error("database error on %s %s", request.method, request.url.path, exc_info=error)
    return JSONResponse({"error": "InternalError", "message": "internal error"}, status_code=500)


def install(app: FastAPI) -> None:
    """Handlers for the app: a more specific class wins over the app's DomainError/Exception handlers."""
    app.add_exception_handler(DependencyUnavailable, _dependency_unavailable)
    app.add_exception_handler(sa.DBAPIError, _database_error)
    app.add_exception_handler(sa.TimeoutError, _database_error)
    app.add_exception_handler(sa.DisconnectionError, _database_error)
