"""`tracktion`: the Tracktion API from a terminal (typer + rich).

Readable tables by default, `--json` for scripts (one JSON document on stdout; a failure's
standard error body, with `status` and `exit_code`, on stderr). `tracktion login`
keeps the session in $XDG_CONFIG_HOME/tracktion/credentials.json (~/.config by default, mode
0600); an API key from --api-key or TRACKTION_API_KEY wins over it. Errors are one line on
stderr with the correlation id and a hint, never a traceback.

Exit codes:
  0  done
  1  the API refused the request (validation, conflict, other errors)
  2  wrong usage (unknown command, missing or bad argument)
  3  not logged in, bad credentials or missing permission (401, 403)
  4  not found (404)
  5  rate limited or the service is unavailable: try again later (429, 5xx)
  6  no answer: connection failed or timed out
  7  a download did not match its checksum (nothing was written)
  8  a batch ended with failed items (partially_failed, failed) or was cancelled
  9  a wait ran out before the batch finished
  130 interrupted (Ctrl-C)
"""

from __future__ import annotations

import base64
import json
import os
import sys
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import typer
from pydantic import BaseModel
from rich.console import Console, Group
from rich.live import Live
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from tracktion_sdk._core import DEFAULT_URL, Tokens
from tracktion_sdk.client import Downloaded, Tracktion, __version__
from tracktion_sdk.errors import (
    ChecksumMismatch,
    ConnectionFailed,
    Forbidden,
    NotFound,
    RateLimited,
    ServerError,
    TracktionError,
    Unauthorized,
    WaitTimeout,
)

EXIT_OK, EXIT_API, EXIT_USAGE, EXIT_AUTH, EXIT_NOT_FOUND, EXIT_LATER, EXIT_NETWORK = 0, 1, 2, 3, 4, 5, 6
EXIT_CHECKSUM, EXIT_BATCH_FAILED, EXIT_TIMEOUT, EXIT_INTERRUPTED = 7, 8, 9, 130

out = Console()
err = Console(stderr=True)


class Priority(StrEnum):
    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"


class Gap(StrEnum):
    auto = "auto"
    error = "error"
    estimate = "estimate"
    skip = "skip"
    preserve = "preserve"


# --------------------------------------------------------------------------- configuration


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "tracktion"


def credentials_path() -> Path:
    return config_dir() / "credentials.json"


def load_credentials() -> dict[str, Any]:
    try:
        data = json.loads(credentials_path().read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_credentials(data: dict[str, Any]) -> None:
    """Written 0600 in a 0700 directory, replaced atomically (never readable by others)."""
    folder = config_dir()
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    temp = folder / ".credentials.json.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, indent=2)
    temp.chmod(0o600)
    temp.replace(credentials_path())


class Settings:
    def __init__(self) -> None:
        self.url: str | None = None
        self.api_key: str | None = None
        self.json = False
        self.timeout = 30.0
        self.ws_url: str | None = None

    def client(self, *, anonymous: bool = False) -> Tracktion:
        stored = load_credentials()
        url = self.url or os.environ.get("TRACKTION_URL") or stored.get("url") or DEFAULT_URL
        api_key = (
            None
            if anonymous
            else (self.api_key or os.environ.get("TRACKTION_API_KEY") or stored.get("api_key"))
        )
        session = {} if anonymous or api_key or stored.get("url", url) != url else stored

        def keep(tokens: Tokens | None) -> None:
            data = load_credentials()
            if tokens is None:
                for name in ("access_token", "refresh_token", "expires_at"):
                    data.pop(name, None)
            else:
                data.update(
                    url=url,
                    access_token=tokens.access_token,
                    refresh_token=tokens.refresh_token,
                    expires_at=tokens.expires_at,
                )
            save_credentials(data)

        return Tracktion(
            url,
            api_key=api_key or "",
            access_token=session.get("access_token"),
            refresh_token=session.get("refresh_token"),
            token_expires_at=session.get("expires_at"),
            ws_url=self.ws_url,
            timeout=self.timeout,
            on_tokens=None if anonymous else keep,
        )


SETTINGS = Settings()


# --------------------------------------------------------------------------- output


def plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict) and "name" in value:  # a reference: its name (a key, a genre)
        return str(value["name"])
    if isinstance(value, dict) and value and all(isinstance(v, bool) for v in value.values()):
        return ", ".join(k for k, v in value.items() if v)  # flags: the ones set
    if isinstance(value, list) and value and all(isinstance(v, dict) and "name" in v for v in value):
        return ", ".join(str(v["name"]) for v in value)
    if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)[:80]
    return str(value)


def show(value: Any, columns: Sequence[str] | None = None, *, title: str | None = None) -> None:
    """--json: the answer as JSON. Else a table: rows of `columns` for a list, field/value
    pairs for an object."""
    data = plain(value)
    if SETTINGS.json:
        out.print_json(json.dumps(data), highlight=False) if out.is_terminal else print(json.dumps(data))
        return
    if isinstance(data, list):
        keys = list(columns or (list(data[0]) if data and isinstance(data[0], dict) else ["value"]))
        table = Table(title=title, header_style="bold cyan")
        for key in keys:
            table.add_column(key, overflow="fold")
        for row in data:
            cells = [_cell(row.get(k)) for k in keys] if isinstance(row, dict) else [_cell(row)]
            table.add_row(*cells)
        out.print(table)
        if not data:
            out.print("[dim](none)[/dim]")
        return
    if isinstance(data, dict):
        table = Table(title=title, show_header=False, box=None)
        table.add_column(style="bold")
        table.add_column()
        for key, item in data.items():
            if columns is not None and key not in columns:
                continue
            if isinstance(item, dict) and item and "name" not in item:  # one level spelled out
                for sub, value in item.items():
                    table.add_row(f"{key}.{sub}", _cell(value))
            else:
                table.add_row(key, _cell(item))
        out.print(table)
        return
    out.print(_cell(data))


def done(message: str, value: Any = None) -> None:
    """A one-line confirmation (or the answer, under --json)."""
    if SETTINGS.json:
        print(json.dumps(plain(value if value is not None else {"ok": True, "message": message})))
    else:
        out.print(f"[green]✓[/green] {message}")


def read_text(name: str) -> str:
    return sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")


# --------------------------------------------------------------------------- the app


app = typer.Typer(
    name="tracktion",
    help="Tracktion from the terminal: import tracklists, make CUE sheets, run batches.",
    epilog="Exit codes: 0 done, 1 API refused, 2 usage, 3 auth, 4 not found, 5 try later, "
    "6 no connection, 7 checksum, 8 batch had failures, 9 wait ran out, 130 interrupted.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"tracktion {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _options(
    url: Annotated[str | None, typer.Option(help="API base URL", envvar="TRACKTION_URL")] = None,
    api_key: Annotated[str | None, typer.Option(help="API key", envvar="TRACKTION_API_KEY")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON (for scripts)")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds per request")] = 30.0,
    ws_url: Annotated[
        str | None, typer.Option(help="WebSocket URL for live batch progress", envvar="TRACKTION_WS_URL")
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", help="Print the version and exit", callback=_version, is_eager=True)
    ] = False,
) -> None:
    SETTINGS.url, SETTINGS.api_key, SETTINGS.json = url, api_key, json_output
    SETTINGS.timeout, SETTINGS.ws_url = timeout, ws_url


def _sub(name: str, help_text: str) -> typer.Typer:
    group = typer.Typer(help=help_text, no_args_is_help=True)
    app.add_typer(group, name=name)
    return group


tracklists_app = _sub("tracklists", "Your tracklists: list, show, edit, delete, publish.")
import_app = _sub("import", "Import a tracklist from 1001tracklists, HTML, text or a file.")
cue_app = _sub("cue", "CUE sheets: generate, download, validate, convert.")
catalog_app = _sub("catalog", "Track catalog search and Beatport browsing.")
beatport_app = typer.Typer(
    help="Browse Beatport: search, top 100, hype, genres, details.", no_args_is_help=True
)
catalog_app.add_typer(beatport_app, name="beatport")
batch_app = _sub("batch", "Batch imports: submit, status, watch, cancel, schedule.")
keys_app = _sub("keys", "Your API keys.")
webhooks_app = _sub("webhooks", "Webhooks: where batch events are delivered.")


# --------------------------------------------------------------------------- account


@app.command()
def login(
    email: Annotated[str | None, typer.Option(help="Account email")] = None,
    password: Annotated[str | None, typer.Option(help="Password (prompted when left out)")] = None,
    api_key: Annotated[str | None, typer.Option("--with-api-key", help="Store this API key instead")] = None,
) -> None:
    """Log in (the session is kept in ~/.config/tracktion, mode 0600, and refreshed as needed)."""
    url = SETTINGS.url or os.environ.get("TRACKTION_URL") or load_credentials().get("url") or DEFAULT_URL
    if api_key:
        save_credentials({"url": url, "api_key": api_key})
        done(f"API key stored for {url}")
        return
    email = email or typer.prompt("Email")
    password = password or typer.prompt("Password", hide_input=True)
    save_credentials({"url": url})
    with SETTINGS.client() as client:
        client.api_key = None
        answer = client.login(email, password)
    data = load_credentials()
    data["email"] = email
    save_credentials(data)
    expires = plain(answer).get("expires_in") or 0
    done(
        f"Logged in to {url} as {email} (token valid {int(expires) // 60} min, refreshed automatically)",
        {"url": url, "email": email, "expires_in": expires},
    )


@app.command()
def logout() -> None:
    """End the session on the server and forget the stored tokens."""
    with SETTINGS.client() as client:
        client.logout()
    data = load_credentials()
    data.pop("api_key", None)
    data.pop("email", None)
    save_credentials(data)
    done("Logged out")


@app.command()
def register(
    email: Annotated[str, typer.Option(prompt=True)],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    name: Annotated[str, typer.Option()] = "",
) -> None:
    """Create an account (then `tracktion login`)."""
    with SETTINGS.client(anonymous=True) as client:
        user = client.auth.register(email=email, password=password, name=name or None)
    done(f"Account created for {email}: now run `tracktion login`", user)


@app.command()
def whoami() -> None:
    """Your profile."""
    with SETTINGS.client() as client:
        show(client.auth.profile())


@app.command()
def health() -> None:
    """Is the service up?"""
    with SETTINGS.client(anonymous=True) as client:
        show(client.service.health())


@app.command()
def search(
    query: str,
    limit: Annotated[int, typer.Option(min=1, max=100)] = 20,
    page: Annotated[int, typer.Option(min=1)] = 1,
) -> None:
    """Search 1001tracklists for sets."""
    with SETTINGS.client() as client:
        answer = client.search(query, limit=limit, page=page)
    show(
        plain(answer)["results"] if not SETTINGS.json else answer,
        ["dj_name", "event_name", "date", "track_count", "url"],
    )


@app.command()
def usage(period: Annotated[str, typer.Option(help="day, week or month")] = "month") -> None:
    """Your usage and limits."""
    with SETTINGS.client() as client:
        show(client.usage.summary(period=period))


# --------------------------------------------------------------------------- tracklists

TRACKLIST_COLUMNS = ["id", "title", "dj_name", "source", "is_draft", "version", "created_at"]


@tracklists_app.command("list")
def tracklists_list(
    limit: Annotated[int, typer.Option(min=1, max=100)] = 20,
    all_pages: Annotated[bool, typer.Option("--all", help="Every page")] = False,
    source: Annotated[str | None, typer.Option()] = None,
    drafts: Annotated[
        bool | None, typer.Option("--drafts/--published", help="Only drafts / published")
    ] = None,
) -> None:
    """Your tracklists, newest first."""
    with SETTINGS.client() as client:
        if all_pages:
            rows = list(client.tracklists.list.iter(limit=100, source=source, is_draft=drafts))
        else:
            rows = plain(client.tracklists.list(limit=limit, source=source, is_draft=drafts))["tracklists"]
    show(rows, TRACKLIST_COLUMNS)


@tracklists_app.command("show")
def tracklists_show(tracklist_id: str) -> None:
    """A tracklist and its tracks."""
    with SETTINGS.client() as client:
        tracklist = plain(client.tracklists.get(tracklist_id))
    if SETTINGS.json:
        show(tracklist)
        return
    info = tracklist.get("tracklist", tracklist)
    show(
        {k: v for k, v in info.items() if k != "tracks"},
        ["id", "title", "dj_name", "event_name", "date", "version", "is_draft"],
    )
    show(info.get("tracks", []), ["position", "start_time", "artist", "title", "remix", "label"])


@tracklists_app.command("edit")
def tracklists_edit(
    tracklist_id: str,
    title: Annotated[str | None, typer.Option()] = None,
    dj: Annotated[str | None, typer.Option("--dj")] = None,
    event: Annotated[str | None, typer.Option()] = None,
    venue: Annotated[str | None, typer.Option()] = None,
    date: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    version: Annotated[int | None, typer.Option(help="Refuse if someone edited since this version")] = None,
) -> None:
    """Change a tracklist's details."""
    changes = {
        "title": title,
        "dj_name": dj,
        "event_name": event,
        "venue": venue,
        "date": date,
        "version": version,
    }
    if all(v is None for k, v in changes.items() if k != "version"):
        raise typer.BadParameter("give at least one of --title, --dj, --event, --venue, --date")
    with SETTINGS.client() as client:
        show(
            client.tracklists.update(tracklist_id, **changes),
            ["id", "title", "dj_name", "event_name", "version"],
        )


@tracklists_app.command("delete")
def tracklists_delete(
    tracklist_id: str, yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask")] = False
) -> None:
    """Delete a tracklist."""
    if not yes and not SETTINGS.json:
        typer.confirm(f"Delete tracklist {tracklist_id}?", abort=True)
    with SETTINGS.client() as client:
        client.tracklists.delete(tracklist_id)
    done(f"Deleted {tracklist_id}", {"tracklist_id": tracklist_id, "deleted": True})


@tracklists_app.command("create")
def tracklists_create(title: str, dj: Annotated[str | None, typer.Option("--dj")] = None) -> None:
    """A new (draft) tracklist you fill in track by track."""
    with SETTINGS.client() as client:
        show(
            client.tracklists.create(title=title, dj_name=dj),
            ["tracklist_id", "title", "version", "is_draft"],
        )


@tracklists_app.command("add-track")
def tracklists_add_track(
    tracklist_id: str,
    artist: Annotated[str, typer.Option()],
    title: Annotated[str, typer.Option()],
    start: Annotated[str | None, typer.Option(help="HH:MM:SS")] = None,
) -> None:
    """Append a track to a tracklist."""
    with SETTINGS.client() as client:
        show(client.tracklists.tracks.add(tracklist_id, artist=artist, title=title, start_time=start))


@tracklists_app.command("publish")
def tracklists_publish(tracklist_id: str) -> None:
    """Publish a draft."""
    with SETTINGS.client() as client:
        show(client.tracklists.publish(tracklist_id))


@tracklists_app.command("export")
def tracklists_export(
    tracklist_id: str,
    target: Annotated[str, typer.Argument(help="youtube, mixcloud, ffmetadata or text")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the text here")] = None,
    save: Annotated[bool, typer.Option("--save", help="Store it with your files and download it")] = False,
) -> None:
    """A tracklist as YouTube chapters, a Mixcloud tracklist, FFMETADATA or text."""
    with SETTINGS.client() as client:
        if save:
            stored = plain(client.tracklists.save_export(tracklist_id, target))
            file_id = stored["cue_file"]["cue_file_id"]
            result = _download(client, file_id, output)
            done(
                f"Stored as {file_id}; saved {result.path} (sha256 verified)",
                {**stored, "path": str(result.path)},
            )
            return
        answer = plain(client.tracklists.export(tracklist_id, target))
    if output is not None and answer.get("text") is not None:
        output.write_text(answer["text"], encoding="utf-8")
        done(f"Wrote {output}", {**answer, "path": str(output)})
    elif SETTINGS.json:
        show(answer)
    else:
        out.print(answer.get("text") or "", markup=False, highlight=False)
        for warning in answer.get("warnings") or []:
            err.print(f"[yellow]warning:[/yellow] {warning.get('message', warning)}")


@tracklists_app.command("at")
def tracklists_at(
    tracklist_id: str, time_: Annotated[str, typer.Argument(metavar="TIME", help="Seconds or H:MM:SS")]
) -> None:
    """What was playing at a moment of the set."""
    seconds = sum(float(part) * 60**i for i, part in enumerate(reversed(time_.split(":"))))
    with SETTINGS.client() as client:
        show(client.tracklists.at(tracklist_id, seconds))


@tracklists_app.command("follow")
def tracklists_follow(
    tracklist_id: str, stop: Annotated[bool, typer.Option("--stop", help="Stop following")] = False
) -> None:
    """Keep an imported tracklist in step with its source page (or stop)."""
    with SETTINGS.client() as client:
        show(client.tracklists.unfollow(tracklist_id) if stop else client.tracklists.follow(tracklist_id))


# --------------------------------------------------------------------------- import


def _imported(answer: Any) -> None:
    data = plain(answer)
    if SETTINGS.json:
        show(data)
        return
    tracklist = data.get("tracklist") or {}
    summary = {
        "tracklist_id": data.get("tracklist_id") or tracklist.get("id"),
        "title": tracklist.get("title") or data.get("title"),
        "dj_name": tracklist.get("dj_name"),
        "track_count": len(tracklist.get("tracks") or []) or None,
        "cached": data.get("cached"),
        "cue_file_id": data.get("cue_file_id"),
    }
    show({k: v for k, v in summary.items() if v is not None}, title="Imported")


@import_app.command("url")
def import_url(
    url: str,
    cue: Annotated[str | None, typer.Option(help="Also render a CUE sheet in this format")] = None,
    force_refresh: Annotated[bool, typer.Option()] = False,
) -> None:
    """Import a 1001tracklists page."""
    with SETTINGS.client() as client:
        _imported(client.imports.url(url=url, cue_format=cue, force_refresh=force_refresh or None))


@import_app.command("html")
def import_html(
    file: Annotated[str, typer.Argument(help="Saved page ('-' reads stdin)")],
    url: Annotated[str, typer.Option(help="The page's 1001tracklists URL")],
) -> None:
    """Import a 1001tracklists page you saved."""
    with SETTINGS.client() as client:
        _imported(client.imports.html(url=url, html=read_text(file)))


@import_app.command("text")
def import_text(
    file: Annotated[str, typer.Argument(help="One track a line ('-' reads stdin)")],
    title: Annotated[str, typer.Option()],
) -> None:
    """Import a plain-text tracklist."""
    with SETTINGS.client() as client:
        _imported(client.imports.text(text=read_text(file), title=title))


@import_app.command("file")
def import_file(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="CUE sheet or DJ software history")
    ],
    title: Annotated[str | None, typer.Option()] = None,
    format: Annotated[str | None, typer.Option(help="The file's format (default: recognised)")] = None,
) -> None:
    """Import a tracklist file (a CUE sheet, a Rekordbox/Serato/Traktor history ...)."""
    data = file.read_bytes()
    with SETTINGS.client() as client:
        _imported(
            client.imports.file(
                filename=file.name,
                content_base64=base64.b64encode(data).decode(),
                title=title,
                format=format,
            )
        )


@import_app.command("status")
def import_status(correlation_id: str) -> None:
    """An asynchronous import's progress."""
    with SETTINGS.client() as client:
        show(client.imports.status(correlation_id))


# --------------------------------------------------------------------------- CUE


def _progress_bar(label: str) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=err,
        transient=False,
        disable=SETTINGS.json,
    )


def _download(client: Tracktion, cue_file_id: str, output: Path | None) -> Downloaded:
    target = output or Path.cwd()
    recorded = plain(client.cue.files.get(cue_file_id)).get("checksum")
    with _progress_bar("download") as progress:
        task = progress.add_task(f"Downloading {cue_file_id[:8]}", total=None)

        def advance(done_bytes: int, total: int | None) -> None:
            progress.update(task, completed=done_bytes, total=total)

        result = client.cue.download(cue_file_id, path=target, progress=advance, sha256=recorded)
    assert isinstance(result, Downloaded)
    return result


@cue_app.command("generate")
def cue_generate(
    tracklist_id: str,
    format: Annotated[
        list[str], typer.Option("--format", "-f", help="standard, cdj, rekordbox, traktor, serato, kodi")
    ] = ["standard"],  # noqa: B006
    gap_handling: Annotated[
        Gap | None, typer.Option(help="Tracks without a start time (default: auto)")
    ] = None,
    download: Annotated[bool, typer.Option("--download", "-d", help="Also download the sheets here")] = False,
) -> None:
    """Render CUE sheets for a stored tracklist."""
    options = {"gap_handling": gap_handling.value} if gap_handling else None
    with SETTINGS.client() as client:
        made = plain(client.cue.generate_stored(tracklist_id, formats=format, options=options))
        files = made.get("cue_files") or []
        saved = [_download(client, f["cue_file_id"], None) for f in files] if download else []
    if SETTINGS.json:
        show({**made, "downloaded": [plain(vars(d)) for d in saved]} if saved else made)
        return
    show(files, ["cue_file_id", "format", "track_count", "file_size", "checksum"], title="CUE files")
    for d in saved:
        done(f"Saved {d.path} ({d.size} bytes, sha256 verified)")


@cue_app.command("download")
def cue_download(
    cue_file_id: str,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File or folder (default: here)")
    ] = None,
) -> None:
    """Download a CUE sheet, verifying its checksum."""
    with SETTINGS.client() as client:
        result = _download(client, cue_file_id, output)
    done(f"Saved {result.path} ({result.size} bytes, sha256 {result.sha256[:12]}… verified)", vars(result))


@cue_app.command("files")
def cue_files(
    tracklist_id: Annotated[str | None, typer.Option()] = None,
    format: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Your CUE files."""
    with SETTINGS.client() as client:
        rows = list(client.cue.files.list.iter(tracklist_id=tracklist_id, format=format, limit=100))
    show(rows, ["cue_file_id", "tracklist_id", "format", "version", "file_size", "created_at"])


@cue_app.command("validate")
def cue_validate(cue_file_id: str) -> None:
    """Check a stored CUE sheet."""
    with SETTINGS.client() as client:
        report = plain(client.cue.files.validate(cue_file_id))
    show(report, ["valid", "errors", "warnings", "format"] if not SETTINGS.json else None)
    if not SETTINGS.json and report.get("valid") is False:
        raise typer.Exit(EXIT_API)


@cue_app.command("convert")
def cue_convert(cue_file_id: str, target_format: str) -> None:
    """Convert a stored CUE sheet to another format."""
    with SETTINGS.client() as client:
        show(client.cue.files.convert(cue_file_id, target_format=target_format))


@cue_app.command("formats")
def cue_formats() -> None:
    """The CUE formats the service writes."""
    with SETTINGS.client() as client:
        show(client.cue.formats())


# --------------------------------------------------------------------------- catalog


@catalog_app.command("search")
def catalog_search(query: str, limit: Annotated[int, typer.Option(min=1, max=50)] = 10) -> None:
    """Search the track catalog (Beatport, MusicBrainz)."""
    with SETTINGS.client() as client:
        answer = plain(client.catalog.search(query, limit=limit))
    show(
        answer if SETTINGS.json else answer.get("results", answer),
        ["artist", "title", "bpm", "key", "label", "source"],
    )


BEATPORT_TRACK = ["id", "name", "mix_name", "artist", "bpm", "key", "genre", "release_date"]


def _beatport(answer: Any, columns: list[str] | None = None) -> None:
    data = plain(answer)
    if SETTINGS.json or not isinstance(data, dict) or "results" not in data:
        show(data)
        return
    show(data["results"], columns or BEATPORT_TRACK)


@beatport_app.command("search")
def beatport_search(
    query: str,
    kind: Annotated[str, typer.Option("--type", help="tracks, releases, artists, labels")] = "tracks",
    per_page: Annotated[int, typer.Option(min=1, max=100)] = 20,
) -> None:
    """Search Beatport."""
    with SETTINGS.client() as client:
        _beatport(
            client.catalog.beatport.search(query, type=kind, per_page=per_page),
            ["id", "name", "artist", "label"],
        )


@beatport_app.command("top100")
def beatport_top100(
    genre_id: Annotated[int | None, typer.Option(help="A genre (see `genres`)")] = None,
    per_page: Annotated[int, typer.Option(min=1, max=100)] = 20,
) -> None:
    """Beatport's top 100 (overall or for a genre)."""
    with SETTINGS.client() as client:
        _beatport(client.catalog.beatport.top_100(genre_id=genre_id, per_page=per_page))


@beatport_app.command("hype")
def beatport_hype(
    genre_id: Annotated[int | None, typer.Option()] = None,
    per_page: Annotated[int, typer.Option(min=1, max=100)] = 20,
) -> None:
    """Beatport's hype chart."""
    with SETTINGS.client() as client:
        _beatport(client.catalog.beatport.hype(genre_id=genre_id, per_page=per_page))


@beatport_app.command("genres")
def beatport_genres() -> None:
    """Beatport's genres (their ids for --genre-id)."""
    with SETTINGS.client() as client:
        _beatport(client.catalog.beatport.genres(), ["id", "name", "slug"])


@beatport_app.command("show")
def beatport_show(
    kind: Annotated[str, typer.Argument(help="track, release, artist, label, genre or chart")],
    item_id: int,
    tracks: Annotated[bool, typer.Option(help="Its tracks (release, artist, label, chart)")] = False,
) -> None:
    """One Beatport item's details (or its tracks)."""
    beatport = None
    with SETTINGS.client() as client:
        beatport = client.catalog.beatport
        name = f"{kind}_tracks" if tracks else kind
        method = getattr(beatport, name, None)
        if kind not in ("track", "release", "artist", "label", "genre", "chart") or method is None:
            raise typer.BadParameter(f"no Beatport {name.replace('_', ' ')}", param_hint="KIND")
        _beatport(method(item_id))


# --------------------------------------------------------------------------- batches


def read_urls(file: str) -> list[str]:
    lines = (line.strip() for line in read_text(file).splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def _batch_exit(status: dict[str, Any]) -> None:
    state = status.get("batch_status") or status.get("status")
    if state in ("partially_failed", "failed", "cancelled"):
        raise typer.Exit(EXIT_BATCH_FAILED)


ITEM_STYLE = {"completed": "green", "failed": "red", "cancelled": "yellow"}


def _items_table(items: dict[int, dict[str, Any]]) -> Table:
    table = Table(title="Items", header_style="bold cyan", expand=False)
    for name in ("#", "status", "url", "tracklist / error"):
        table.add_column(name, overflow="fold")
    for index in sorted(items)[-15:]:
        item = items[index]
        state = str(item.get("status") or "pending")
        table.add_row(
            str(index),
            f"[{ITEM_STYLE.get(state, 'white')}]{state}[/]",
            urlsplit(str(item.get("url") or "")).path.removeprefix("/tracklist/"),
            str(item.get("tracklist_id") or item.get("error_code") or ""),
        )
    return table


def watch_batch(client: Tracktion, batch_id: str, total: int | None, timeout: float) -> dict[str, Any]:
    """Progress until the batch is terminal: one bar for the batch and a live table of items
    (under --json: the final status only). The final status."""
    items: dict[int, dict[str, Any]] = {}
    last: dict[str, Any] = {}
    if SETTINGS.json:
        for message in client.batches.watch(batch_id, timeout=timeout):
            last = message
        return plain(client.batches.status(batch_id))
    bar = Progress(
        TextColumn("[bold]Batch {task.fields[batch]}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.completed:.0f}/{task.total:.0f} items · {task.fields[state]}"),
        console=out,
    )
    task = bar.add_task("batch", total=total or 1, batch=batch_id[:14], state="queued")
    with Live(Group(bar, _items_table(items)), console=out, refresh_per_second=8) as live:
        for message in client.batches.watch(batch_id, timeout=timeout):
            last = message
            jobs = message.get("jobs_status") or {}
            count = int(jobs.get("total") or total or 1)
            finished = int(jobs.get("completed", 0)) + int(jobs.get("failed", 0))
            bar.update(task, total=count, completed=finished, state=message.get("status", ""))
            if isinstance(message.get("item"), dict):
                item = message["item"]
                items[int(item.get("index") or len(items))] = item
            for index, item in enumerate(message.get("items") or []):
                items[int(item.get("index", index))] = item
            live.update(Group(bar, _items_table(items)))
        final = plain(client.batches.status(batch_id, include_items=True, limit=100))
        for index, item in enumerate(final.get("items") or []):
            items[int(item.get("index", index))] = item
        jobs = final.get("jobs_status") or {}
        bar.update(
            task,
            completed=int(jobs.get("completed", 0)) + int(jobs.get("failed", 0)),
            state=final.get("status"),
        )
        live.update(Group(bar, _items_table(items)))
    if not out.is_terminal:
        out.line()  # the live view's last frame ends without one off a terminal
    _summary(final)
    return final if final else last


def _summary(status: dict[str, Any]) -> None:
    jobs = status.get("jobs_status") or {}
    table = Table(title=f"Batch {status.get('batch_id')} {status.get('status')}", header_style="bold cyan")
    for name in ("total", "completed", "failed", "cancelled"):
        table.add_column(name, justify="right")
    table.add_row(*(str(jobs.get(name, 0)) for name in ("total", "completed", "failed", "cancelled")))
    out.print(table)


@batch_app.command("submit")
def batch_submit(
    file: Annotated[str, typer.Argument(help="One URL a line ('-' reads stdin); # comments skipped")],
    priority: Annotated[Priority, typer.Option()] = Priority.normal,
    watch: Annotated[bool, typer.Option("--watch", "-w", help="Follow progress until it ends")] = False,
    timeout: Annotated[float, typer.Option(help="Longest wait with --watch (s)")] = 1800.0,
) -> None:
    """Import many 1001tracklists URLs in one batch."""
    urls = read_urls(file)
    if not urls:
        raise typer.BadParameter("no URLs in the file", param_hint="FILE")
    with SETTINGS.client() as client:
        created = plain(client.batches.create(urls=urls, priority=priority.value))
        if not watch:
            show(created, ["batch_id", "status", "total_jobs", "priority", "estimated_completion"])
            return
        if not SETTINGS.json:
            out.print(f"Batch [bold]{created['batch_id']}[/bold]: {created.get('total_jobs')} URL(s) queued")
        final = watch_batch(client, created["batch_id"], created.get("total_jobs"), timeout)
    if SETTINGS.json:
        show(final)
    _batch_exit(final)


@batch_app.command("status")
def batch_status(
    batch_id: str,
    wait: Annotated[bool, typer.Option(help="Wait until the batch ends")] = False,
    items: Annotated[bool, typer.Option(help="List every item's outcome")] = False,
    timeout: Annotated[float, typer.Option(help="Longest wait with --wait (s)")] = 1800.0,
) -> None:
    """A batch's progress."""
    with SETTINGS.client() as client:
        if wait:
            client.batches.wait(batch_id, timeout=timeout)
        status = plain(client.batches.status(batch_id, include_items=items or None))
    if SETTINGS.json:
        show(status)
    else:
        show(
            status,
            [
                "batch_id",
                "status",
                "total_jobs",
                "progress_percentage",
                "created_at",
                "completed_at",
                "error",
            ],
        )
        _summary(status)
        if items:
            show(status.get("items") or [], ["index", "status", "url", "tracklist_id", "error_code"])
    if wait:
        _batch_exit(status)


@batch_app.command("watch")
def batch_watch(batch_id: str, timeout: Annotated[float, typer.Option()] = 1800.0) -> None:
    """Follow a batch live until it ends."""
    with SETTINGS.client() as client:
        final = watch_batch(client, batch_id, None, timeout)
    if SETTINGS.json:
        show(final)
    _batch_exit(final)


@batch_app.command("cancel")
def batch_cancel(batch_id: str) -> None:
    """Cancel a batch's remaining items."""
    with SETTINGS.client() as client:
        answer = client.batches.cancel(batch_id)
    done(f"Batch {batch_id} cancelled", answer)


@batch_app.command("list")
def batch_list(limit: Annotated[int, typer.Option(min=1, max=100)] = 20) -> None:
    """Your batches, newest first."""
    with SETTINGS.client() as client:
        rows = plain(client.batches.list(limit=limit))["batches"]
    show(rows, ["batch_id", "status", "total_jobs", "progress_percentage", "created_at"])


@batch_app.command("schedule")
def batch_schedule(
    file: Annotated[str, typer.Argument(help="One URL a line")],
    cron: Annotated[str, typer.Option(help='e.g. "0 2 * * 1" (Mondays 02:00)')],
    name: Annotated[str, typer.Option()] = "tracktion schedule",
    timezone: Annotated[str, typer.Option()] = "UTC",
    priority: Annotated[Priority, typer.Option()] = Priority.normal,
) -> None:
    """Run a batch on a schedule."""
    with SETTINGS.client() as client:
        made = client.batches.schedules.create(
            urls=read_urls(file), cron_expression=cron, name=name, timezone=timezone, priority=priority.value
        )
    show(made, ["schedule_id", "name", "cron_expression", "timezone", "next_run", "status"])


@batch_app.command("schedules")
def batch_schedules() -> None:
    """Your schedules."""
    with SETTINGS.client() as client:
        rows = list(client.batches.schedules.list.iter())
    show(rows, ["schedule_id", "name", "cron_expression", "timezone", "next_run", "status"])


@batch_app.command("unschedule")
def batch_unschedule(schedule_id: str) -> None:
    """Delete a schedule."""
    with SETTINGS.client() as client:
        client.batches.schedules.delete(schedule_id)
    done(f"Schedule {schedule_id} deleted", {"schedule_id": schedule_id, "deleted": True})


# --------------------------------------------------------------------------- keys, webhooks

KEY_COLUMNS = ["key_id", "name", "key_prefix", "is_active", "permissions", "created_at", "expires_at"]


@keys_app.command("list")
def keys_list(include_inactive: Annotated[bool, typer.Option()] = False) -> None:
    """Your API keys."""
    with SETTINGS.client() as client:
        show(list(client.keys.list.iter(include_inactive=include_inactive or None)), KEY_COLUMNS)


@keys_app.command("create")
def keys_create(
    name: str,
    permission: Annotated[
        list[str] | None, typer.Option("--permission", "-p", help="read, write, admin [default: read, write]")
    ] = None,
    signing: Annotated[bool, typer.Option(help="Require HMAC-signed requests")] = False,
    expires_in_days: Annotated[int | None, typer.Option()] = None,
) -> None:
    """A new API key (shown once: store it now)."""
    with SETTINGS.client() as client:
        made = client.keys.create(
            name=name,
            permissions=permission,
            signature_required=signing or None,
            expires_in_days=expires_in_days,
        )
    show(made, ["key_id", "name", "api_key", "signing_secret", "permissions", "expires_at"])
    if not SETTINGS.json:
        err.print("[yellow]The key (and signing secret) are shown once: store them now.[/yellow]")


@keys_app.command("rotate")
def keys_rotate(key_id: str, overlap_seconds: Annotated[int | None, typer.Option()] = None) -> None:
    """Replace a key (the old one keeps working for the overlap)."""
    with SETTINGS.client() as client:
        made = client.keys.rotate(key_id, overlap_seconds=overlap_seconds)
    show(made, ["key_id", "name", "api_key", "previous_key_valid_until"])


@keys_app.command("revoke")
def keys_revoke(key_id: str) -> None:
    """Revoke a key now."""
    with SETTINGS.client() as client:
        answer = client.keys.revoke(key_id)
    done(f"Key {key_id} revoked", answer)


@keys_app.command("usage")
def keys_usage(key_id: str, period: Annotated[str, typer.Option()] = "day") -> None:
    """One key's usage."""
    with SETTINGS.client() as client:
        show(client.keys.usage(key_id, period=period))


@webhooks_app.command("list")
def webhooks_list() -> None:
    """Your webhooks."""
    with SETTINGS.client() as client:
        show(list(client.webhooks.list.iter()), ["webhook_id", "url", "events", "created_at"])


@webhooks_app.command("create")
def webhooks_create(
    url: str,
    event: Annotated[
        list[str] | None,
        typer.Option("--event", "-e", help="e.g. batch.completed [default: batch.completed]"),
    ] = None,
    description: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Deliver events to a URL (its signing secret is shown once)."""
    with SETTINGS.client() as client:
        show(
            client.webhooks.create(url=url, events=event or ["batch.completed"], description=description),
            ["webhook_id", "url", "events", "secret"],
        )


@webhooks_app.command("delete")
def webhooks_delete(webhook_id: str) -> None:
    """Stop delivering to a webhook."""
    with SETTINGS.client() as client:
        client.webhooks.delete(webhook_id)
    done(f"Webhook {webhook_id} deleted", {"webhook_id": webhook_id, "deleted": True})


@webhooks_app.command("deliveries")
def webhooks_deliveries(webhook_id: str) -> None:
    """A webhook's recent deliveries."""
    with SETTINGS.client() as client:
        show(
            list(client.webhooks.deliveries.iter(webhook_id)),
            ["delivery_id", "event", "status", "attempts", "created_at"],
        )


@webhooks_app.command("ping")
def webhooks_ping(webhook_id: str) -> None:
    """Send a test event to a webhook now."""
    with SETTINGS.client() as client:
        show(client.webhooks.ping(webhook_id))


@webhooks_app.command("rotate-secret")
def webhooks_rotate_secret(webhook_id: str) -> None:
    """A new signing secret (shown once; the old one keeps working for a while)."""
    with SETTINGS.client() as client:
        show(client.webhooks.rotate_secret(webhook_id))


# --------------------------------------------------------------------------- errors and exit codes


def exit_code(error: TracktionError) -> int:
    if isinstance(error, ChecksumMismatch):
        return EXIT_CHECKSUM
    if isinstance(error, WaitTimeout):
        return EXIT_TIMEOUT
    if isinstance(error, ConnectionFailed):
        return EXIT_NETWORK
    if isinstance(error, Unauthorized | Forbidden):
        return EXIT_AUTH
    if isinstance(error, NotFound):
        return EXIT_NOT_FOUND
    if isinstance(error, RateLimited | ServerError):
        return EXIT_LATER
    return EXIT_API


def describe(error: TracktionError) -> str:
    """One line: what failed, the correlation id to quote, and what to do."""
    parts = [f"Error: {error.message} ({error.error_code}"]
    if error.status:
        parts[0] += f", HTTP {error.status}"
    parts[0] += ")"
    if error.details.get("field") or error.details.get("errors"):
        parts.append(f"details: {json.dumps(error.details, ensure_ascii=False)[:200]}")
    if error.retry_after is not None:
        parts.append(f"retry after {error.retry_after} s")
    if error.correlation_id:
        parts.append(f"correlation id {error.correlation_id}")
    parts.append(f"hint: {error.hint}")
    return " · ".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    """The `tracktion` command: the exit code (see the module's docstring)."""
    try:
        result = app(
            args=list(argv) if argv is not None else None, prog_name="tracktion", standalone_mode=False
        )
    except typer.Abort:
        err.print("Aborted.")
        return EXIT_INTERRUPTED
    except typer.Exit as exit_:
        return int(exit_.exit_code)
    except typer.TyperException as usage_error:  # typer's click: bad or missing arguments
        show_usage = getattr(usage_error, "show", None)
        if show_usage is not None:
            show_usage()
        else:
            print(f"Error: {usage_error}", file=sys.stderr)
        return EXIT_USAGE
    except TracktionError as error:
        if SETTINGS.json:  # scripts get the standard error body (and the exit code) as JSON
            print(
                json.dumps({**error.body(), "status": error.status, "exit_code": exit_code(error)}),
                file=sys.stderr,
            )
        else:
            print(describe(error), file=sys.stderr)
        return exit_code(error)
    except KeyboardInterrupt:
        err.print("Interrupted.")
        return EXIT_INTERRUPTED
    except OSError as error:
        print(f"Error: {error} · hint: check the file name and permissions", file=sys.stderr)
        return EXIT_API
    return int(result) if isinstance(result, int) else EXIT_OK
