"""Validation reports: a tracklist for a format, or a stored sheet, optionally against the
real duration of its audio. Problems name their tracks; nothing here raises for a bad sheet,
the report says what is wrong (errors make `valid` false, warnings do not)."""

from __future__ import annotations

import itertools
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


def validate_tracklist(
    tracklist: Tracklist, fmt: str, options: CueOptions | None = None, audio: AudioInfo | None = None
) -> dict[str, Any]:
    d = dialect(fmt)
    errors: list[dict[str, Any]] = []
    warnings: list[dict[str, Any]] = []
    track_count = disc_count = 0
    try:
        rendered = render(tracklist, d.name, options)
        warnings += rendered.warnings
        track_count, disc_count = rendered.track_count, rendered.disc_count
    except ValidationFailed as exc:
        errors.append({"code": exc.error_code, "message": exc.message, **exc.details})
    if audio is not None:
        starts = [(t.position, t.start_time) for t in tracklist.tracks if t.start_time is not None]
        ends = {t.position: t.end_time for t in tracklist.tracks if t.end_time is not None}
        warnings += _audio_findings(starts, ends, audio)
        if tracklist.duration_seconds and abs(tracklist.duration_seconds - audio.duration_seconds) > 2:
            warnings.append(
                {
                    "code": "DURATION_MISMATCH",
                    "message": f"The tracklist lasts {tracklist.duration_seconds:.0f} s, the audio "
                    f"{audio.duration_seconds:.0f} s",
                }
            )
    return _report(d.name, errors, warnings, track_count, disc_count, audio)


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
    return _report(d.name, errors, warnings, len(sheet.tracks), 1, audio)


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
