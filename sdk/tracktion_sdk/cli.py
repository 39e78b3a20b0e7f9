"""`tracktion` / `python -m tracktion_sdk`: the API from a shell, JSON in and out.

Exit codes: 0 done, 1 the API answered an error (its standard body goes to stderr), 2 usage.
Configuration comes from flags or TRACKTION_URL / TRACKTION_API_KEY.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from tracktion_sdk.client import Client
from tracktion_sdk.errors import TracktionError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tracktion", description="Tracktion API from the command line.")
    parser.add_argument("--url", default=os.environ.get("TRACKTION_URL"), help="API base URL (TRACKTION_URL)")
    parser.add_argument(
        "--api-key", default=os.environ.get("TRACKTION_API_KEY"), help="API key (TRACKTION_API_KEY)"
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    parser.add_argument("--pretty", action="store_true", help="indent the JSON output")
    parser.add_argument(
        "--max-retry-wait", type=float, default=60.0, help="longest server-asked wait (s) to retry after"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("health", help="service health")
    search = commands.add_parser("search", help="search the source for tracklists")
    search.add_argument("query")
    search.add_argument("--limit", type=int, default=20)
    search.add_argument("--page", type=int, default=1)

    imp = commands.add_parser("import", help="import a 1001tracklists URL")
    imp.add_argument("source_url", metavar="URL")  # not `url`: that dest is the API's base URL
    imp.add_argument("--cue", metavar="FORMAT", help="also render a CUE sheet in this format")
    imp.add_argument("--force-refresh", action="store_true")
    text = commands.add_parser("import-text", help="import a plain-text tracklist ('-' reads stdin)")
    text.add_argument("file")
    text.add_argument("--title", required=True)

    cue = commands.add_parser("cue", help="generate a CUE sheet for a tracklist and download it")
    cue.add_argument("format")
    cue.add_argument("tracklist_id")
    cue.add_argument("-o", "--output", help="write the sheet here (default: stdout)")
    cue.add_argument(
        "--gap-handling",
        choices=["auto", "error", "estimate", "skip", "preserve"],
        help="tracks without a start time (default: the API's auto, which estimates them)",
    )

    keys = commands.add_parser("keys", help="your API keys").add_subparsers(
        dest="keys_command", required=True
    )
    keys.add_parser("list")
    create = keys.add_parser("create")
    create.add_argument("name")
    create.add_argument("--permissions", default="read,write", help="comma-separated")
    revoke = keys.add_parser("revoke")
    revoke.add_argument("key_id")

    batch = commands.add_parser("batch", help="batch imports").add_subparsers(
        dest="batch_command", required=True
    )
    submit = batch.add_parser("submit", help="one URL a line; blank lines and # comments skipped")
    submit.add_argument("file")
    submit.add_argument("--priority", choices=["low", "normal", "high", "urgent"], default="normal")
    status = batch.add_parser("status")
    status.add_argument("batch_id")
    status.add_argument("--wait", action="store_true", help="poll until the batch is final")
    status.add_argument("--wait-timeout", type=float, default=600.0)
    return parser


def _read(name: str) -> str:
    return sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")


def _run(client: Client, args: argparse.Namespace) -> Any:
    match args.command:
        case "health":
            return client.health()
        case "search":
            return client.search(args.query, page=args.page, limit=args.limit)
        case "import":
            return client.import_url(args.source_url, cue_format=args.cue, force_refresh=args.force_refresh)
        case "import-text":
            return client.import_text(_read(args.file), args.title)
        case "cue":
            return _cue(client, args)
        case "keys":
            if args.keys_command == "list":
                return {"keys": list(client.iter_keys())}
            if args.keys_command == "create":
                return client.create_key(args.name, [p for p in args.permissions.split(",") if p])
            return {"key_id": args.key_id, "revoked": True, **client.revoke_key(args.key_id)}
        case "batch":
            if args.batch_command == "submit":
                urls = [
                    u.strip() for u in _read(args.file).splitlines() if u.strip() and not u.startswith("#")
                ]
                return client.create_batch(urls, priority=args.priority)
            if args.wait:
                return client.wait_batch(args.batch_id, timeout=args.wait_timeout)
            return client.batch_status(args.batch_id)
    raise AssertionError(args.command)  # argparse only lets known commands through


def _cue(client: Client, args: argparse.Namespace) -> dict[str, Any] | None:
    options = {"gap_handling": args.gap_handling} if args.gap_handling else None
    made = client.generate_cue(args.tracklist_id, args.format, options=options)
    info = next(f for f in made["cue_files"] if f["format"] == args.format)
    data = client.download_cue(info["cue_file_id"])
    if not args.output:
        sys.stdout.buffer.write(data)
        return None
    Path(args.output).write_bytes(data)
    return {
        "cue_file_id": info["cue_file_id"],
        "format": args.format,
        "path": args.output,
        "bytes": len(data),
        "checksum": f"sha256:{info['sha256']}",
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.url:
        parser.error("no API URL: pass --url or set TRACKTION_URL")
    indent = 2 if args.pretty else None
    try:
        with Client(
            args.url, api_key=args.api_key, timeout=args.timeout, max_retry_wait=args.max_retry_wait
        ) as client:
            result = _run(client, args)
    except TracktionError as error:
        print(json.dumps(error.body(), indent=indent), file=sys.stderr)
        return 1
    except (httpx.HTTPError, OSError) as error:
        failure = TracktionError(str(error), error_code=type(error).__name__)  # no answer: same body shape
        print(json.dumps(failure.body(), indent=indent), file=sys.stderr)
        return 1
    if result is not None:
        print(json.dumps(result, indent=indent))
    return 0
