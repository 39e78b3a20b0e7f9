"""`python -m local` (what `make run` runs): the whole template on this machine, no Docker.

Prints the URLs it serves and the admin key, then a line `Tracktion local runtime ready`.
Ctrl-C or SIGTERM stops everything (workers killed, ports freed) and exits 0.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
from pathlib import Path

from local.runtime import ROOT, Options, Runtime


def _key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def parse_args(argv: list[str] | None = None) -> Options:
    default_site = ROOT / "tests" / "fixtures" / "1001tracklists"
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__)
    here = Path("template.yaml")
    parser.add_argument("--template", type=Path, default=here if here.exists() else ROOT / "template.yaml")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3000, help="HTTP API gateway (0: any free port)")
    parser.add_argument("--aws-port", type=int, default=4566, help="embedded AWS endpoint")
    parser.add_argument("--ws-port", type=int, default=3001, help="WebSocket API")
    parser.add_argument("--admin-key", default=os.environ.get("TRACKTION_ADMIN_KEY", ""))
    parser.add_argument(
        "--source-site",
        type=Path,
        default=default_site if default_site.is_dir() else None,
        help="directory served as the local 1001tracklists (SOURCE_BASE_URL of every function)",
    )
    parser.add_argument(
        "--env",
        type=_key_value,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra env for every function",
    )
    parser.add_argument(
        "--parameter",
        type=_key_value,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="template parameter",
    )
    parser.add_argument(
        "--no-prewarm",
        action="store_true",
        help="start each function's first environment on its first call, not at start (tests)",
    )
    args = parser.parse_args(argv)
    return Options(
        template=args.template,
        host=args.host,
        port=args.port,
        aws_port=args.aws_port,
        ws_port=args.ws_port,
        admin_key=args.admin_key,
        source_site=args.source_site,
        env=dict(args.env),
        parameters=dict(args.parameter),
        prewarm=not args.no_prewarm,
    )


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    stop = threading.Event()

    def request_stop(_signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    runtime = Runtime(options)
    try:
        runtime.start()
        print(runtime.banner(), flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        with contextlib.suppress(OSError):  # stdout may be a closed pipe by now
            print("Stopping the Tracktion local runtime", flush=True)
        runtime.stop()
    return 0


if __name__ == "__main__":
    code = main()
    # Everything is stopped by now; skip the seconds the interpreter would spend tearing down
    # moto's thousands of modules.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
