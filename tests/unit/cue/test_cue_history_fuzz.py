"""The CUE history reader and the pasted-text reader, fed random input and mutated real samples:
a History / tracks, or our typed errors (INVALID_FORMAT naming a line or offset for sheets;
NO_TRACKS_FOUND / VALIDATION_ERROR for text), never anything else.

Samples: our own (tests/fixtures/cue/histories, tests/fixtures/text, the sheets our six dialects
write) and, when ../shared is present, the real rekordbox recording, MixesDB and SoundCloud
files (read in place).
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import SHARED_FIXTURES
from tests.mutations import mutate
from tracktion.cue.dialects import DIALECTS
from tracktion.cue.render import render
from tracktion.errors import TracktionError
from tracktion.histories.cue_sheets import parse_cue_history
from tracktion.histories.model import HistoryOptions, assemble
from tracktion.tracklists.model import Track, Tracklist
from tracktion.tracklists.text_format import read_text

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SHARED = SHARED_FIXTURES / "dj-histories"


def _rendered() -> dict[str, bytes]:
    tracks = [
        Track(position=1, artist="Halden Rowe", title="Quiet Harbour", remix="Dub", start_time=0.0),
        Track(position=2, artist="Mira Castell", title="Second Light", start_time=312.0),
        Track(position=3, artist="Oto Venn", title="Tidewater", played_with_previous=True),
    ]
    mix = Tracklist(owner_id="u", title="Harbour", djs=["Harbour"], tracks=tracks)
    return {f"ours-{d}.cue": render(mix, d).data for d in DIALECTS}


SHEETS = {p.name: p.read_bytes() for p in sorted((FIXTURES / "cue" / "histories").glob("*.cue"))}
SHEETS |= _rendered()
SHEETS |= {p.name: p.read_bytes() for p in sorted(SHARED.glob("rekordbox/*.cue"))}
TEXTS = {p.name: p.read_bytes() for p in sorted((FIXTURES / "text").glob("*.txt"))}
TEXTS |= {p.name: p.read_bytes() for p in sorted(SHARED.glob("mixesdb/*.txt"))}
TEXTS |= {p.name: p.read_bytes()[:20_000] for p in sorted(SHARED.glob("soundcloud/*.js"))}
TEXTS |= {f"pasted-{name}": data for name, data in SHEETS.items()}  # a CUE sheet pasted as text


# What a CUE sheet and a pasted list hang on, for the mutator's separator edits.
SEPARATORS = '0123456789:?[]"-\n\t'


@st.composite
def mutated_sheets(draw: st.DrawFn) -> bytes:
    return mutate(draw, SHEETS, max_cut=120, separators=SEPARATORS)


@st.composite
def mutated_texts(draw: st.DrawFn) -> str:
    return mutate(draw, TEXTS, max_cut=120, separators=SEPARATORS).decode("utf-8", errors="replace")


def sheet_or_typed(data: bytes) -> None:
    try:
        history = parse_cue_history(data)
        assemble(history, HistoryOptions())
    except TracktionError as exc:
        assert exc.error_code == "INVALID_FORMAT", exc
        assert set(exc.details) & {"line", "offset"}, exc.details


def text_or_typed(text: str) -> None:
    try:
        reading = read_text(text)
    except TracktionError as exc:
        assert exc.error_code in {"NO_TRACKS_FOUND", "VALIDATION_ERROR", "INVALID_FORMAT"}, exc
        return
    assert reading.tracks and [t.position for t in reading.tracks] == list(range(1, len(reading.tracks) + 1))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_random_bytes_are_a_sheet_or_invalid_format(data: bytes) -> None:
    sheet_or_typed(data)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_sheets())
def test_mutated_sheets_are_a_sheet_or_invalid_format(data: bytes) -> None:
    sheet_or_typed(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=3000))
def test_random_text_is_tracks_or_a_typed_error(text: str) -> None:
    text_or_typed(text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_texts())
def test_mutated_pasted_texts_are_tracks_or_a_typed_error(text: str) -> None:
    text_or_typed(text)
