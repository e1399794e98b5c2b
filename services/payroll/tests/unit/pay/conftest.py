"""pytest runs with --import-mode=importlib, which does not put test directories on sys.path; the tests
here share helpers from pay_testkit.py, so this directory goes on it."""

import sys
from pathlib import Path

_HERE = str(Path(__file__).parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
