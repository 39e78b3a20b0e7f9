"""What the history parsers share: decoding a file's text, and reading the clock and date forms
DJ software writes (locale dates, zone abbreviations).

Text: a BOM decides (UTF-8, UTF-16LE/BE); without one the bytes are UTF-8, else Windows-1252
(Serato and VirtualDJ on Windows); NUL bytes in what should be text are an INVALID_FORMAT
naming their offset.

Zone abbreviations: only those with one meaning in DJ software's locales are read (EET/EEST,
CET/CEST, WET/WEST, GMT/UTC, BST as British Summer Time, MSK, US zones EST/EDT, CST/CDT (US
Central), MST/MDT, PST/PDT, AKST/AKDT, HST, JST, KST, AEST/AEDT, ACST/ACDT, AWST, NZST/NZDT,
SAST); an unknown one (IST: India, Ireland or Israel) leaves the time without a zone: the
`timezone` option places it.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta, timezone, tzinfo

from tracktion.histories.model import InvalidFormat
from tracktion.timeparse import HMS, InvalidTime, parse_time

MAX_FILE_BYTES = 5 * 1024 * 1024  # as for HTML imports
MAX_LINES = 20_000
MAX_DURATION_SECONDS = 10 * 86400

_HOURS = {
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "WET": 0,
    "WEST": 1,
    "BST": 1,
    "CET": 1,
    "CEST": 2,
    "MEZ": 1,
    "MESZ": 2,
    "EET": 2,
    "EEST": 3,
    "MSK": 3,
    "SAST": 2,
    "EST": -5,
    "EDT": -4,
    "CST": -6,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
    "AKST": -9,
    "AKDT": -8,
    "HST": -10,
    "JST": 9,
    "KST": 9,
    "AWST": 8,
    "ACST": 9.5,
    "ACDT": 10.5,
    "AEST": 10,
    "AEDT": 11,
    "NZST": 12,
    "NZDT": 13,
}
ZONES: dict[str, tzinfo] = {name: timezone(timedelta(hours=hours), name) for name, hours in _HOURS.items()}

_OFFSET = re.compile(r"^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$")
_CLOCK = re.compile(r"^(\d{1,2})[.:](\d{2})(?:[.:](\d{2})(?:[.,](\d+))?)?\s*([AaPp]\.?[Mm]\.?)?$")
# A year of four digits first or last: "16.04.53" is a clock, not the 16th of April 2053.
_DATE = re.compile(r"^(?:(\d{4})([./-])(\d{1,2})\2(\d{1,2})|(\d{1,2})([./-])(\d{1,2})\6(\d{4}))$")


def peek_text(data: bytes) -> str:
    """The beginning of a file as text, leniently (for detection: a cut character is no error)."""
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    return data.decode("utf-8", errors="replace")


def decode_text(data: bytes) -> str:
    """The file's text (see the module docstring for the encodings read)."""
    if data.startswith(b"\xef\xbb\xbf"):
        text = _decode(data[3:], "utf-8", 3)
    elif data.startswith(b"\xff\xfe"):
        text = _decode(data[2:], "utf-16-le", 2)
    elif data.startswith(b"\xfe\xff"):
        text = _decode(data[2:], "utf-16-be", 2)
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise InvalidFormat("The file is not text", details={"offset": data.find(b"\x00")})
    return text


def _decode(data: bytes, encoding: str, skipped: int) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InvalidFormat(
            f"The file is not valid {encoding.upper()}", details={"offset": exc.start + skipped}
        ) from exc


def lines_of(text: str) -> list[str]:
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise InvalidFormat("Too many lines", details={"max_lines": MAX_LINES})
    return lines


def zone_of(text: str) -> tzinfo | None:
    """The zone an abbreviation or a UTC offset (+03:00, UTC+3) names, else None."""
    name = text.strip().upper()
    if name in ZONES:
        return ZONES[name]
    if m := _OFFSET.match(name):
        hours, minutes = int(m[2]), int(m[3] or 0)
        if hours > 14 or minutes > 59:
            return None
        sign = -1 if m[1] == "-" else 1
        return timezone(sign * timedelta(hours=hours, minutes=minutes))
    return None


def cell_text(text: str | None) -> str:
    """A field's text as the parsers keep it: NFC (one form for "é" whichever the file wrote),
    without surrounding space; "" for none."""
    return unicodedata.normalize("NFC", text or "").strip()


def read_clock(text: str) -> time | None:
    """A time of day: 16.04.53, 16:04:53, 4:04:53 PM, 16:04; None when it is none."""
    m = _CLOCK.match(text.strip())
    if not m:
        return None
    hour, minute, second = int(m[1]), int(m[2]), int(m[3] or 0)
    micro = int((m[4] or "0")[:6].ljust(6, "0"))
    if m[5]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if m[5][0] in "Pp" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second, micro)


def read_date(text: str) -> date | None:
    """A date as locales write it: 30.3.2023 (day first), 3/30/2023 (month first unless the
    first number cannot be a month), 2023-03-30 / 2023/03/30 (year first)."""
    m = _DATE.match(text.strip())
    if not m:
        return None
    try:
        if m[1]:
            return date(int(m[1]), int(m[3]), int(m[4]))
        a, sep, b, year = int(m[5]), m[6], int(m[7]), int(m[8])
        if sep in ".-" or a > 12:
            return date(year, b, a)
        return date(year, a, b)
    except ValueError:
        return None


def read_stamp(text: str) -> tuple[date | None, time, tzinfo | None] | None:
    """`[date][, ]time[ zone]` as Serato writes it ("30.3.2023, 16.04.53 EEST",
    "16.04.53 EET", "3/30/2023, 4:04:53 PM EDT"); None when the text is no time."""
    parts = text.replace(",", " ").split()
    if not parts:
        return None
    day = read_date(parts[0])
    if day is not None:
        parts = parts[1:]
    zone: tzinfo | None = None
    if len(parts) >= 2 and (z := zone_of(parts[-1])) is not None:
        zone, parts = z, parts[:-1]
    elif len(parts) >= 2 and parts[-1].isalpha() and parts[-1].upper() not in ("AM", "PM"):
        parts = parts[:-1]  # an abbreviation we do not read: the time stays without a zone
    clock = read_clock(" ".join(parts))
    if clock is None:
        return None
    return day, clock, zone


def read_duration(text: str) -> float | None:
    """00:05:17 / 5:17 / 317 as seconds, read as every typed time is (`tracktion.timeparse`, up
    to 10 days); None when it is none or cannot be meant (5:75)."""
    try:
        return parse_time(text, reading=HMS, max_seconds=MAX_DURATION_SECONDS)
    except InvalidTime:
        return None


def read_bpm(text: str | None) -> float | None:
    """A tempo as a history writes it ("128", "127.98", "127,98" in comma locales); None when
    there is none or it cannot be one (0 or less, 1000 or more)."""
    try:
        value = float(text.replace(",", ".")) if text else None
    except ValueError:
        return None
    return value if value is not None and 0 < value < 1000 else None


def placed(day: date, clock: time, zone: tzinfo | None) -> datetime:
    """The date-time: aware when the zone is known, else naive wall clock."""
    return datetime.combine(day, clock, tzinfo=zone)
