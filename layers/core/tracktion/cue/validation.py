"""Validation reports: a tracklist for a format, or a stored sheet, optionally against the
real duration of its audio. Problems name their tracks; nothing here raises for a bad sheet,
the report says what is wrong (errors make `valid` false, warnings do not)."""

from __future__ import annotations

import hashlib
import itertools
import posixpath
from typing import Any

from tracktion.cue.audio import AudioInfo
from tracktion.cue.dialects import dialect
from tracktion.cue.options import CueOptions
from tracktion.cue.parse import parse
from tracktion.cue.render import render
from tracktion.errors import ValidationFailed
from tracktion.tracklists.model import Tracklist


def _audio_findings(
    starts: list[tuple[int, float]], ends: dict[int, float], audio: AudioInfo
) -> list[dict[str, Any]]:
    """Tracks past the end of the audio, gaps and overlaps between stated ends and starts."""
    found: list[dict[str, Any]] = []
    past = [n for n, s in starts if s >= audio.duration_seconds]
    if past:
        found.append(
            {
                "code": "TRACKS_PAST_AUDIO_END",
                "tracks": past,
                "message": f"Track(s) {', '.join(map(str, past))} start after the audio ends "
                f"({audio.duration_seconds:.2f} s)",
            }
        )
    for (n, _start), (_m, next_start) in itertools.pairwise(starts):
        end = ends.get(n)
        if end is None:
            continue
        if end < next_start - 0.5:
            found.append(
                {
                    "code": "GAP",
                    "tracks": [n],
                    "message": f"{next_start - end:.1f} s of silence after track {n}",
                }
            )
        elif end > next_start + 0.5:
            found.append(
                {
                    "code": "OVERLAP",
                    "tracks": [n],
                    "message": f"Track {n} runs {end - next_start:.1f} s into the next",
                }
            )
    return found


def audio_findings(tracklist: Tracklist, audio: AudioInfo) -> list[dict[str, Any]]:
    """A tracklist's times against its audio: past the end, gaps, overlaps, length."""
    starts = [(t.position, t.start_time) for t in tracklist.tracks if t.start_time is not None]
    ends = {t.position: t.end_time for t in tracklist.tracks if t.end_time is not None}
    found = _audio_findings(starts, ends, audio)
    if tracklist.duration_seconds and abs(tracklist.duration_seconds - audio.duration_seconds) > 2:
        found.append(
            {
                "code": "DURATION_MISMATCH",
                "message": f"The tracklist lasts {tracklist.duration_seconds:.0f} s, the audio "
                f"{audio.duration_seconds:.0f} s",
            }
        )
    return found


def validate_tracklist(
    tracklist: Tracklist, fmt: str, options: CueOptions | None = None, audio: AudioInfo | None = None
) -> dict[str, Any]:
    d = dialect(fmt)
    errors: list[dict[str, Any]] = []
    warnings: list[dict[str, Any]] = []
    track_count = disc_count = 0
    sheet: dict[str, Any] = {}
    try:
        rendered = render(tracklist, d.name, options)
        warnings += rendered.warnings
        track_count, disc_count = rendered.track_count, rendered.disc_count
        data = rendered.data
        sheet = {
            "file_size": len(data),
            "checksum": "sha256:" + hashlib.sha256(data).hexdigest(),
            "files": [rendered.filename],
            "audio_files": _file_names(rendered.text),
        }
    except ValidationFailed as exc:
        errors.append({"code": exc.error_code, "message": exc.message, **exc.details})
    if audio is not None:
        warnings += audio_findings(tracklist, audio)
    return {**_report(d.name, errors, warnings, track_count, disc_count, audio), "sheet": sheet}


def _file_names(text: str) -> list[str]:
    return [name for name, _type in parse(text).files]


def validate_sheet(text: str, fmt: str, audio: AudioInfo | None = None) -> dict[str, Any]:
    """A stored or uploaded sheet read back with our reader and held to its dialect's limits."""
    d = dialect(fmt)
    sheet = parse(text)
    errors, warnings = list(sheet.errors), list(sheet.warnings)
    if len(sheet.tracks) > d.max_tracks_per_disc:
        errors.append(
            {
                "code": "TOO_MANY_TRACKS",
                "message": f"{len(sheet.tracks)} tracks; at most {d.max_tracks_per_disc}",
            }
        )
    if d.max_text_length:
        long = [t.number for t in sheet.tracks if len(t.title or "") > d.max_text_length]
        if long:
            errors.append(
                {
                    "code": "TEXT_TOO_LONG",
                    "tracks": long,
                    "message": f"Titles over {d.max_text_length} characters",
                }
            )
    if audio is not None:
        starts = [(t.number, t.start.seconds) for t in sheet.tracks if t.start is not None]
        warnings += _audio_findings(starts, {}, audio)
    report = _report(d.name, errors, warnings, len(sheet.tracks), 1, audio)
    return {**report, "audio_files": [name for name, _type in sheet.files]}


def _report(
    fmt: str,
    errors: list[dict[str, Any]],
    warnings: list[dict[str, Any]],
    track_count: int,
    disc_count: int,
    audio: AudioInfo | None,
) -> dict[str, Any]:
    return {
        "valid": not errors,
        "format": fmt,
        "errors": errors,
        "warnings": warnings,
        "track_count": track_count,
        "disc_count": disc_count,
        "audio": audio.to_json() if audio else None,
    }


# ---------------------------------------------------------------- the reference's report

TIMING_CODES = frozenset(
    {"GAP", "OVERLAP", "TRACKS_PAST_AUDIO_END", "DURATION_MISMATCH", "START_AFTER_END", "START_ESTIMATED"}
)
_TYPES = {"TEXT_ADAPTED": "text_warning", "TEXT_TOO_LONG": "text_error"}


def issue(found: dict[str, Any], severity: str) -> dict[str, Any]:
    """A finding as the reference shows it ({type, message, severity}), our code and tracks kept."""
    code = str(found.get("code", "ISSUE"))
    kind = "timing" if code in TIMING_CODES else "format"
    return {
        "type": _TYPES.get(code, f"{kind}_{'error' if severity == 'error' else 'warning'}"),
        "message": str(found.get("message", code)),
        "severity": severity,
        **found,
    }


def file_reference_findings(files: list[str], audio_path: str | None) -> list[dict[str, Any]]:
    """check_file_references: the sheet names a FILE, and it is the audio the caller named."""
    if not files:
        return [{"code": "FILE_REFERENCE_MISSING", "message": "The sheet names no FILE"}]
    if audio_path is None:
        return []
    wanted = posixpath.basename(audio_path.replace("\\", "/"))
    named = [posixpath.basename(f.replace("\\", "/")) for f in files]
    if wanted and wanted not in named:
        return [
            {
                "code": "FILE_REFERENCE_MISMATCH",
                "message": f"The sheet's FILE is {named[0]!r}, not {wanted!r} (the audio_file_path)",
            }
        ]
    return []


def reference_report(
    report: dict[str, Any],
    *,
    strict_timing: bool = False,
    strict_all: bool = False,
    extra_warnings: list[dict[str, Any]] = (),  # type: ignore[assignment]
    extra_errors: list[dict[str, Any]] = (),  # type: ignore[assignment]
) -> dict[str, Any]:
    """Errors and warnings in the reference's shape; strict modes make warnings errors
    (`strict_timing` the timing ones, `strict_all` every one)."""
    errors = [issue(e, "error") for e in [*report["errors"], *extra_errors]]
    warnings = []
    for found in [*report["warnings"], *extra_warnings]:
        code = str(found.get("code", ""))
        if strict_all or (strict_timing and code in TIMING_CODES):
            errors.append(issue(found, "error"))
        else:
            warnings.append(issue(found, "warning"))
    recommendations = []
    if errors:
        recommendations.append("Fix the errors before using the sheet")
    if warnings:
        recommendations.append("Review warnings for potential quality improvements")
    if report.get("audio") is None:
        recommendations.append(
            "Name the uploaded audio in audio_file_path (incoming/<you>/... or audio/<you>/...) "
            "to check the timing against it"
        )
    return {
        **report,
        "valid": not errors,
        "errors": errors,
        "warnings": warnings,
        "recommendations": recommendations,
    }
