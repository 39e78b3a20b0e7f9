"""The six CUE dialects, each defined once.

Generation (render.py), validation, the capabilities endpoint and conversion previews all
read these definitions, so what we say a dialect does is what we write.

Facts behind them (checked against the CDRWIN spec as documented by Hydrogenaudio and the
Kodi wiki, libcue's format notes, and the Red Book limits):
- INDEX times are mm:ss:ff at 75 frames/s; FILE types are WAVE (also used for FLAC), MP3, AIFF.
- An audio CD holds at most 99 tracks, each at least 4 s, 79:57 of audio; CD-TEXT is
  ISO-8859-1 and its fields are commonly limited to 80 characters.
- Kodi reads INDEX 01, TITLE, PERFORMER, REM DATE (a year), REM GENRE, REM DISCNUMBER and
  REM REPLAYGAIN_*; it finds the FILE by basename and rejects FILE lines inside a track.
- Pioneer CDJs, Traktor and Serato do not open .cue files: for CDJs a sheet is a disc to burn;
  for Traktor/Serato users it travels beside a recorded mix for players and splitters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from tracktion.cue.time import FRAMES_PER_SECOND, CueTime
from tracktion.errors import BadRequest

Encoding = Literal["utf-8", "latin-1"]
DateStyle = Literal["iso", "year"]

# The FILE type each audio format is declared with (CDRWIN has no FLAC type: WAVE is used).
FILE_TYPES = {"wav": "WAVE", "flac": "WAVE", "mp3": "MP3", "aiff": "AIFF"}

CD_MAX_TRACKS = 99
CD_MAX_LENGTH = CueTime((79 * 60 + 57) * FRAMES_PER_SECOND)
CD_MIN_TRACK = CueTime(4 * FRAMES_PER_SECOND)
CD_TEXT_MAX = 80


class UnsupportedFormat(BadRequest):
    """The reference's INVALID_FORMAT; `details.reason` keeps the finer cause."""

    error_code = "INVALID_FORMAT"

    def __init__(self, name: str) -> None:
        super().__init__(
            f"Unknown CUE format {name!r}",
            details={"format": name, "supported": sorted(DIALECTS), "reason": "UNSUPPORTED_FORMAT"},
        )


@dataclass(frozen=True)
class Dialect:
    name: str
    label: str
    summary: str
    target_reads_cue: bool
    encoding: Encoding = "utf-8"
    quote_replacement: str = "\u2033"  # ″: no escape for '"' is read alike by all parsers
    max_text_length: int | None = None
    # CDRWIN numbers tracks 01-99 (libcue and @gplane/cue refuse more): a longer list is cut
    # into parts. Only CD dialects rebase each part to 00:00:00 as a disc of its own.
    max_tracks_per_disc: int = CD_MAX_TRACKS
    max_disc_length: CueTime | None = None
    min_track_length: CueTime | None = None
    disc_rems: tuple[str, ...] = ("GENRE", "DATE", "COMMENT")
    date_style: DateStyle = "iso"
    recorded_by: str | None = None
    default_audio_format: str = "wav"
    audio_formats: tuple[str, ...] = ("wav", "flac", "mp3", "aiff")
    companions: tuple[str, ...] = ()
    carries: tuple[str, ...] = ()
    features: tuple[str, ...] = ()
    does_not_carry: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def splits_discs(self) -> bool:
        """Parts are separate discs (rebased to 00:00:00), not parts of one sheet set."""
        return self.max_disc_length is not None

    def file_type(self, audio_format: str) -> str:
        return FILE_TYPES[audio_format]

    def limitations(self) -> list[str]:
        """The reference's `limitations`: short identifiers of what the dialect cannot do."""
        out = [f"max_tracks_{self.max_tracks_per_disc}"]
        if self.max_text_length:
            out.append(f"text_length_{self.max_text_length}")
        if self.encoding == "latin-1":
            out.append("iso_8859_1_text")
        if self.max_disc_length:
            out.append("disc_length_" + str(self.max_disc_length)[:5].replace(":", "_"))
        if self.min_track_length:
            out.append(f"min_track_length_{self.min_track_length.seconds:g}s")
        if self.date_style == "year":
            out.append("year_only_dates")
        if set(self.audio_formats) != set(FILE_TYPES):
            out.append("audio_" + "_".join(self.audio_formats) + "_only")
        if not self.target_reads_cue:
            out.append("target_software_does_not_read_cue_files")
        return [*out, "no_bpm", "no_key"]

    def metadata_support(self) -> dict[str, bool]:
        """Which track and disc fields the sheet carries (remix goes into the TITLE)."""
        return {
            "artist": True,
            "title": True,
            "remix": True,
            "bpm": False,
            "key": False,
            "genre": "GENRE" in self.disc_rems,
            "date": "DATE" in self.disc_rems,
            "comment": "COMMENT" in self.disc_rems,
            "label": False,
        }

    def capabilities(self) -> dict[str, Any]:
        """What the dialect writes, what it leaves out, and the limits it enforces."""
        return {
            "format": self.name,
            "features": list(self.features),
            "limitations": self.limitations(),
            "metadata_support": self.metadata_support(),
            "label": self.label,
            "summary": self.summary,
            "target_reads_cue_files": self.target_reads_cue,
            "encoding": self.encoding.upper().replace("LATIN-1", "ISO-8859-1"),
            "byte_order_mark": False,
            "time_format": "mm:ss:ff (75 frames per second)",
            "minutes_may_exceed_99": not self.splits_discs,
            "audio_formats": list(self.audio_formats),
            "default_audio_format": self.default_audio_format,
            "limits": {
                "max_text_length": self.max_text_length,
                "max_tracks_per_disc": self.max_tracks_per_disc,
                "max_disc_length": str(self.max_disc_length) if self.max_disc_length else None,
                "min_track_length_seconds": (
                    self.min_track_length.seconds if self.min_track_length else None
                ),
            },
            "disc_rem_keys": list(self.disc_rems) + (["RECORDED_BY"] if self.recorded_by else []),
            "date_style": self.date_style,
            "quote_replacement": self.quote_replacement,
            "companion_files": list(self.companions),
            "carries": list(self.carries),
            "does_not_carry": list(self.does_not_carry),
            "notes": list(self.notes),
        }


_CORE = ("disc title", "disc performer (DJs)", "track titles", "track performers", "track starts")
_REM = ("genre (REM GENRE)", "date (REM DATE)")

DIALECTS: dict[str, Dialect] = {
    d.name: d
    for d in (
        Dialect(
            name="standard",
            features=("track_markers", "disc_metadata", "rem_comment", "utf8_text", "mixes_over_99_minutes"),
            label="Standard (CDRWIN)",
            summary="The CDRWIN cue sheet every mainstream player and splitter reads.",
            target_reads_cue=True,
            carries=(*_CORE, *_REM, "comment (REM COMMENT)"),
            does_not_carry=("labels", "BPM", "keys", "mashup components"),
            notes=(
                "Minutes pass 99 for mixes longer than 99 minutes; libcue, libFLAC, shntool, "
                "deflacue and the JavaScript parsers we test with accept it.",
                "A double quote inside text becomes ″ (there is no escape every reader agrees on).",
                'Tracks played together ("w/") share one TRACK entry and one start.',
            ),
        ),
        Dialect(
            name="cdj",
            features=(
                "track_markers",
                "disc_metadata",
                "cd_text",
                "disc_splitting",
                "short_track_merging",
                "burn_to_audio_cd",
            ),
            label="Pioneer CDJ (audio CD to burn)",
            summary=(
                "CDJs do not read .cue files from USB; this is a sheet to burn the mix to audio "
                "CD(s) a CDJ plays, split into discs when it does not fit on one."
            ),
            target_reads_cue=False,
            encoding="latin-1",
            quote_replacement="'",
            max_text_length=CD_TEXT_MAX,
            max_disc_length=CD_MAX_LENGTH,
            min_track_length=CD_MIN_TRACK,
            disc_rems=("GENRE", "DATE", "DISCNUMBER", "TOTALDISCS"),
            date_style="year",
            audio_formats=("wav", "aiff"),
            companions=("disc sheets (one .cue per extra disc)",),
            carries=(*_CORE, *_REM, "disc number (REM DISCNUMBER)"),
            does_not_carry=(
                "memory and hot cues (use the rekordbox format and its XML)",
                "characters outside ISO-8859-1 (transliterated, else '?')",
                "text past 80 characters (cut)",
            ),
            notes=(
                "At most 99 tracks and 79:57 per disc; each disc restarts at 00:00:00 and keeps "
                "track boundaries.",
                "A track shorter than 4 s is merged into the one before it.",
            ),
        ),
        Dialect(
            name="rekordbox",
            features=(
                "track_markers",
                "disc_metadata",
                "rem_recorded_by",
                "rekordbox_xml",
                "memory_cue_points",
                "hot_cues",
            ),
            label="rekordbox",
            summary=(
                "A standard sheet with rekordbox's REM RECORDED_BY header, plus a rekordbox XML "
                "(DJ_PLAYLISTS) with a memory cue at every track start and hot cues A-H."
            ),
            target_reads_cue=False,
            recorded_by="Tracktion",
            companions=("rekordbox.xml",),
            carries=(*_CORE, *_REM, "memory cues and hot cues (companion rekordbox XML)"),
            does_not_carry=(
                "rekordbox's own INDEX hh:mm:ss times and per-track FILE lines (they break other readers)",
                "beat grids",
            ),
            notes=(
                "Import the XML in rekordbox (Preferences > Advanced > rekordbox xml) and point "
                "its TRACK Location at the recorded mix.",
            ),
        ),
        Dialect(
            name="traktor",
            features=("track_markers", "disc_metadata", "rem_comment", "utf8_text"),
            label="Traktor",
            summary=(
                "Traktor does not read .cue files; this is the standard sheet to keep beside a "
                "Traktor recording (WAV) for players and splitters."
            ),
            target_reads_cue=False,
            disc_rems=("GENRE", "DATE", "COMMENT"),
            audio_formats=("wav",),
            carries=(*_CORE, *_REM, "comment (REM COMMENT)"),
            does_not_carry=(
                "Traktor cue points (Traktor keeps them in its collection.nml; no kept library "
                "reads that back, so no companion is offered)",
            ),
        ),
        Dialect(
            name="serato",
            features=("track_markers", "disc_metadata", "rem_comment", "utf8_text"),
            label="Serato",
            summary=(
                "Serato DJ does not read .cue files; this is the standard sheet to keep beside a "
                "Serato recording for players and splitters."
            ),
            target_reads_cue=False,
            disc_rems=("GENRE", "DATE", "COMMENT"),
            audio_formats=("wav", "aiff", "flac", "mp3"),
            carries=(*_CORE, *_REM, "comment (REM COMMENT)"),
            does_not_carry=(
                "Serato cue points (kept in the audio file's own tags; no companion is offered)",
            ),
        ),
        Dialect(
            name="kodi",
            features=("track_markers", "rem_genre", "rem_date_year", "bare_file_name"),
            label="Kodi",
            summary="A sheet Kodi's music library reads: only the commands Kodi understands.",
            target_reads_cue=True,
            disc_rems=("GENRE", "DATE"),
            date_style="year",
            carries=(*_CORE, "genre (REM GENRE)", "year (REM DATE)"),
            does_not_carry=("comments", "full dates (year only)", "anything after INDEX 01"),
            notes=("Kodi finds the FILE by its basename, so the FILE line holds a bare file name.",),
        ),
    )
}


def dialect(name: str) -> Dialect:
    try:
        return DIALECTS[name.lower()]
    except KeyError:
        raise UnsupportedFormat(name) from None


def conversion_preview(source: str, target: str) -> dict[str, Any]:
    """What converting a sheet from one dialect to another keeps, loses and changes."""
    src, dst = dialect(source), dialect(target)
    lost = [c for c in src.carries if c not in dst.carries]
    gained = [c for c in dst.carries if c not in src.carries]
    changes: list[str] = []
    if src.encoding != dst.encoding:
        changes.append(f"text re-encoded from {src.encoding} to {dst.encoding}")
    if dst.max_text_length and dst.max_text_length != src.max_text_length:
        changes.append(f"text longer than {dst.max_text_length} characters is cut")
    if dst.splits_discs and not src.splits_discs:
        changes.append("mixes longer than 79:57 or with more than 99 tracks are split into discs")
    if src.splits_discs and not dst.splits_discs:
        changes.append("disc sheets are joined back into one sheet")
    if dst.date_style != src.date_style:
        changes.append(f"REM DATE written as {dst.date_style}")
    if src.quote_replacement != dst.quote_replacement:
        changes.append(f"double quotes written as {dst.quote_replacement}")
    return {
        "source_format": src.name,
        "target_format": dst.name,
        "lossless": not lost and not changes,
        "lost": lost,
        "gained": gained,
        "changes": changes,
        "companion_files": list(dst.companions),
    }


def preview_lines(preview: dict[str, Any]) -> list[str]:
    """The reference's conversion preview: one sentence per thing a user should know."""
    src, dst = preview["source_format"], preview["target_format"]
    lines = [f"{c[0].upper()}{c[1:]}" for c in preview["changes"]]
    lines += [f"Not carried by {dst}: {item}" for item in preview["lost"]]
    lines += [f"Added by {dst}: {item}" for item in preview["gained"]]
    lines += [f"Companion file written: {name}" for name in preview["companion_files"]]
    if not lines:
        lines.append(f"Nothing is lost or changed converting from {src} to {dst}")
    return lines
