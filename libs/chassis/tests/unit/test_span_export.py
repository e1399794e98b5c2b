import pytest
from chassis import telemetry

pytestmark = pytest.mark.unit


def test_spans_leave_in_small_batches_unless_the_environment_says_otherwise(monkeypatch):
    monkeypatch.delenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", raising=False)
    assert telemetry._export_batch_size() == telemetry.EXPORT_BATCH_SIZE == 64
    monkeypatch.setenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "256")
    assert telemetry._export_batch_size() == 256
