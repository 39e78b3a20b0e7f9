"""Which history format a file is, read from its content (the file's name only breaks ties),
and the one entry point that reads a file into a `History`.

Detection order (the first that matches wins; docs/api-contract.md "File import"):
 1. bytes starting with `vrsn` ........................ serato_session (binary)
 2. an XML document whose root is <NML> ............... traktor_nml
 3. a line starting with `#EXTVDJ:` ................... virtualdj_m3u
 4. a line "VirtualDJ History YYYY/MM/DD" ............. virtualdj_tracklist
 5. a TAB-separated header with Track Title, Artist ... rekordbox_txt
 6. a CSV header with "start time" and name/artist .... serato_csv
 7. a space-padded header with "start time" ........... serato_txt
 8. a CSV header with Artist and Title ................ mixxx_csv
 9. rows "01. 0:00:00 Artist - Title" ................. mixxx_text
10. CUE commands (FILE / TRACK nn AUDIO / INDEX 01) ... cue (tracktion.histories.cue_sheets)
Anything else is UNSUPPORTED_FORMAT, naming the formats read. A format given by the caller
skips detection: its parser reads the file or answers INVALID_FORMAT.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

from tracktion.errors import ValidationFailed
from tracktion.histories import mixxx, rekordbox_txt, serato_session, serato_text, traktor, virtualdj
from tracktion.histories.model import History, HistoryOptions, InvalidFormat, UnsupportedFormat
from tracktion.histories.reading import MAX_FILE_BYTES, peek_text

CUE = "cue"
FORMATS = (
    serato_text.FORMAT_CSV,
    serato_text.FORMAT_TXT,
    serato_session.FORMAT,
    traktor.FORMAT,
    rekordbox_txt.FORMAT,
    virtualdj.FORMAT_M3U,
    virtualdj.FORMAT_TRACKLIST,
    mixxx.FORMAT_TEXT,
    mixxx.FORMAT_CSV,
    CUE,
)
_CUE_LINE = re.compile(r"^\s*(?:TRACK\s+\d+\s+AUDIO|INDEX\s+01\s+\d|FILE\s+\")", re.IGNORECASE | re.MULTILINE)
_MIXXX_ROW = re.compile(r"^\s*\d{1,5}\.\s+\d{1,2}:\d{2}:\d{2}\s+\S")
_HEAD = 64 * 1024  # detection reads the file's beginning only


def _parsers(filename: str | None, options: HistoryOptions) -> dict[str, Callable[[bytes], History]]:
    return {
        serato_text.FORMAT_CSV: serato_text.parse_csv,
        serato_text.FORMAT_TXT: serato_text.parse_txt,
        serato_session.FORMAT: serato_session.parse_session,
        traktor.FORMAT: traktor.parse_nml,
        rekordbox_txt.FORMAT: rekordbox_txt.parse_txt,
        virtualdj.FORMAT_M3U: lambda data: virtualdj.parse_m3u(data, filename),
        virtualdj.FORMAT_TRACKLIST: virtualdj.parse_tracklist,
        mixxx.FORMAT_TEXT: mixxx.parse_text,
        mixxx.FORMAT_CSV: mixxx.parse_csv,
        CUE: lambda data: _cue(data, options),
    }


def _cue(data: bytes, options: HistoryOptions) -> History:
    try:
        from tracktion.histories.cue_sheets import parse_cue_history  # another module's, may be absent
    except ImportError as exc:
        raise UnsupportedFormat(
            "CUE sheets are not imported here yet", details={"format": CUE, "formats": list(FORMATS[:-1])}
        ) from exc
    history: History = parse_cue_history(data, options)
    return history


def _csv_header(lines: list[str]) -> list[str] | None:
    first = next((line for line in lines if line.strip()), None)
    if first is None or "," not in first:
        return None
    try:
        return next(csv.reader(io.StringIO(first)))
    except (csv.Error, StopIteration):
        return None


def detect(data: bytes, filename: str | None = None) -> str:
    """The format's name, or UnsupportedFormat."""
    if data.startswith(serato_session.MAGIC):
        return serato_session.FORMAT
    text = peek_text(data[:_HEAD])
    if text and "\x00" not in text:
        lines = text.splitlines()[:200]
        stripped = text.lstrip()
        if stripped.startswith("<") and re.search(r"<NML[\s>]", text[:4096]):
            return traktor.FORMAT
        if any(line.startswith(virtualdj.EXTVDJ) for line in lines):
            return virtualdj.FORMAT_M3U
        if any(re.match(r"^\s*VirtualDJ History\s+\d{4}", line, re.IGNORECASE) for line in lines[:5]):
            return virtualdj.FORMAT_TRACKLIST
        first = next((line for line in lines if line.strip()), "")
        if rekordbox_txt.looks_like_header(first):
            return rekordbox_txt.FORMAT
        header = _csv_header(lines)
        if header is not None and serato_text.looks_like_header(header):
            return serato_text.FORMAT_CSV
        padded = [c for c in re.split(r"\s{2,}", first.strip()) if c]
        if "," not in first and serato_text.looks_like_header(padded):
            return serato_text.FORMAT_TXT
        if header is not None and mixxx.looks_like_csv_header(header):
            return mixxx.FORMAT_CSV
        if _MIXXX_ROW.match(first) and mixxx.looks_like_text(lines):
            return mixxx.FORMAT_TEXT
        if len(_CUE_LINE.findall(text)) >= 2:
            return CUE
    if (filename or "").lower().endswith(".cue"):
        return CUE
    raise UnsupportedFormat(
        "The file is of no history format read here",
        details={"formats": list(FORMATS), "filename": (filename or "")[:200] or None},
    )


def read_history(data: bytes, options: HistoryOptions, filename: str | None = None) -> History:
    """The file's history, in the given format or the detected one (typed errors only)."""
    if not data:
        raise InvalidFormat("The file is empty", details={"offset": 0})
    if len(data) > MAX_FILE_BYTES:
        raise ValidationFailed(
            "The file is too large", details={"field": "file", "max_bytes": MAX_FILE_BYTES, "size": len(data)}
        )
    fmt = options.format or detect(data, filename)
    parsers = _parsers(filename, options)
    if fmt not in parsers:
        raise UnsupportedFormat(f"Unknown format {fmt[:40]!r}", details={"formats": list(FORMATS)})
    return parsers[fmt](data)
