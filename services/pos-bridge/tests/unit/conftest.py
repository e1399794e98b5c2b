"""The repo runs pytest with --import-mode=importlib (test directories are not on sys.path), and other
services' tests keep a fakes.py too: load ours under a name of its own, `pos_bridge_fakes`."""
import importlib.util
import sys
from pathlib import Path

if "pos_bridge_fakes" not in sys.modules:
    _spec = importlib.util.spec_from_file_location("pos_bridge_fakes", Path(__file__).with_name("fakes.py"))
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["pos_bridge_fakes"] = _module
    _spec.loader.exec_module(_module)

