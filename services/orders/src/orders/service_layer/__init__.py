"""Orders use cases: one unit of work each; peers arrive through the ports in `ports.py`."""
