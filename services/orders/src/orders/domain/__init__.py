"""The orders domain: pure Python (no I/O, no frameworks). Aggregates and value objects only."""
