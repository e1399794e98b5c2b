"""python -m posfakes square|clover|toast --port N [--host 127.0.0.1]: run a fake POS until SIGTERM/SIGINT."""
from __future__ import annotations

import argparse
import signal
import sys


def fake_class(provider: str):
    if provider == "square":
        from posfakes.square.server import FakeSquare

        return FakeSquare
    if provider == "clover":
        from posfakes.clover.server import FakeClover

        return FakeClover
    from posfakes.toast.server import FakeToast

    return FakeToast


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="posfakes")
    parser.add_argument("provider", choices=["square", "clover", "toast"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    fake = fake_class(args.provider)(args.host, args.port)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"fake {args.provider} on {fake.url}", flush=True)
    try:
        fake.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
