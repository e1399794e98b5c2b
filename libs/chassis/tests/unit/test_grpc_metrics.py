"""gRPC server metrics: the interceptor counts each call by method and status code and times it, on a
real grpc.aio server (raw-bytes methods, so no generated code is needed), and run_grpc's metrics port
serves them to a plain HTTP GET."""
from __future__ import annotations

import asyncio
import socket
import urllib.request

import grpc
import pytest
from chassis import metrics
from chassis.errors import NotFound
from chassis.grpc_server import MetricsInterceptor, handle_errors, split_method
from chassis.runtime import start_metrics_server
from prometheus_client import REGISTRY

pytestmark = pytest.mark.unit

SERVICE = "auraconnect.test.v1.MeteredService"


class Metered:
    """Handlers the way services write them: domain errors through handle_errors."""

    @handle_errors
    async def Get(self, request: bytes, context) -> bytes:  # noqa: N802 - gRPC method naming
        if request == b"missing":
            raise NotFound("item_id: no such item")
        if request == b"crash":
            raise RuntimeError("bug")
        return b"ok:" + request

    async def Raw(self, request: bytes, context) -> bytes:  # noqa: N802 - no handle_errors: grpc maps the error
        raise RuntimeError("unhandled")

    async def Slow(self, request: bytes, context) -> bytes:  # noqa: N802 - outlives its caller's deadline
        await asyncio.sleep(5)
        return b"late"

    async def Count(self, request: bytes, context):  # noqa: N802 - a server-streaming method
        for i in range(int(request)):
            yield str(i).encode()


def handled(method: str, code: str) -> float:
    return REGISTRY.get_sample_value("grpc_server_handled_total", {
        "grpc_service": SERVICE, "grpc_method": method, "grpc_code": code}) or 0.0


def latency_count(method: str) -> float:
    return REGISTRY.get_sample_value("grpc_server_handling_seconds_count", {
        "grpc_service": SERVICE, "grpc_method": method}) or 0.0


async def call_all() -> dict[str, str]:
    servicer = Metered()
    handler = grpc.method_handlers_generic_handler(SERVICE, {
        "Get": grpc.unary_unary_rpc_method_handler(servicer.Get),
        "Raw": grpc.unary_unary_rpc_method_handler(servicer.Raw),
        "Count": grpc.unary_stream_rpc_method_handler(servicer.Count),
        "Slow": grpc.unary_unary_rpc_method_handler(servicer.Slow),
    })
    server = grpc.aio.server(interceptors=[MetricsInterceptor()])
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    seen = {}
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            for name, request in (("ok", b"a"), ("ok2", b"b"), ("missing", b"missing"), ("crash", b"crash")):
                try:
                    await channel.unary_unary(f"/{SERVICE}/Get")(request)
                    seen[name] = "OK"
                except grpc.aio.AioRpcError as error:
                    seen[name] = error.code().name
            try:
                await channel.unary_unary(f"/{SERVICE}/Raw")(b"")
            except grpc.aio.AioRpcError as error:
                seen["raw"] = error.code().name
            seen["stream"] = [m async for m in channel.unary_stream(f"/{SERVICE}/Count")(b"3")]
            try:
                await channel.unary_unary(f"/{SERVICE}/Slow")(b"", timeout=0.2)
            except grpc.aio.AioRpcError as error:
                seen["slow"] = error.code().name
            for _ in range(50):   # the server learns of the deadline a moment after the client
                if handled("Slow", "CANCELLED"):
                    break
                await asyncio.sleep(0.05)
            try:
                await channel.unary_unary(f"/{SERVICE}/Nope")(b"")
            except grpc.aio.AioRpcError as error:
                seen["unimplemented"] = error.code().name
    finally:
        await server.stop(0)
    return seen


def test_the_interceptor_counts_calls_by_method_and_code():
    before = {(m, c): handled(m, c) for m in ("Get", "Raw", "Count", "Slow")
              for c in ("OK", "NOT_FOUND", "INTERNAL", "UNKNOWN", "CANCELLED")}
    latency_before = latency_count("Get")

    seen = asyncio.run(call_all())

    # what the client saw ...
    assert seen == {"ok": "OK", "ok2": "OK", "missing": "NOT_FOUND", "crash": "INTERNAL", "raw": "UNKNOWN",
                    "stream": [b"0", b"1", b"2"], "slow": "DEADLINE_EXCEEDED", "unimplemented": "UNIMPLEMENTED"}
    # ... is what the counter says, per method and code
    delta = {key: handled(*key) - value for key, value in before.items()}
    assert {key: n for key, n in delta.items() if n} == {
        ("Get", "OK"): 2, ("Get", "NOT_FOUND"): 1, ("Get", "INTERNAL"): 1, ("Raw", "UNKNOWN"): 1, ("Count", "OK"): 1,
        ("Slow", "CANCELLED"): 1}
    assert latency_count("Get") - latency_before == 4
    assert REGISTRY.get_sample_value("grpc_server_handled_total", {
        "grpc_service": SERVICE, "grpc_method": "Nope", "grpc_code": "UNIMPLEMENTED"}) is None


def test_method_names_split_into_service_and_method():
    assert split_method("/auraconnect.tax.v1.TaxService/CalculateSalesTax") == (
        "auraconnect.tax.v1.TaxService", "CalculateSalesTax")
    assert split_method("garbage") == ("unknown", "garbage")


def test_the_metrics_port_serves_the_grpc_series():
    metrics.GRPC_HANDLED.labels(SERVICE, "Served", "OK").inc()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    start_metrics_server("127.0.0.1", port)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        body = response.read().decode()
    assert (f'grpc_server_handled_total{{grpc_code="OK",grpc_method="Served",grpc_service="{SERVICE}"}}'
            in body)
    assert "# TYPE grpc_server_handling_seconds histogram" in body
