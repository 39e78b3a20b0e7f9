"""For any valid tracklist, reading back what we generate gives the same starts to the frame,
in every dialect (our reader and deflacue; the npm parsers run on the example cases)."""

from __future__ import annotations

from deflacue.parser import CueParser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracktion.cue.dialects import DIALECTS
from tracktion.cue.parse import parse
from tracktion.cue.render import render
from tracktion.cue.time import CueTime
from tracktion.tracklists.model import Track, Tracklist

text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), max_codepoint=0x2FFF), min_size=1, max_size=40
)


@st.composite
def tracklists(draw: st.DrawFn) -> Tracklist:
    n = draw(st.integers(min_value=1, max_value=130))
    # Gaps of 4 s .. 20 min in frames, so no CD rule merges tracks and no track outgrows a disc.
    gaps = draw(st.lists(st.integers(min_value=300, max_value=90_000), min_size=n, max_size=n))
    first = draw(st.integers(min_value=0, max_value=3000))
    tracks, at = [], first
    for i in range(n):
        together = i > 0 and draw(st.booleans()) and draw(st.booleans())
        tracks.append(
            Track(
                position=i + 1,
                artist=draw(text),
                title=draw(text),
                start_time=None if together else at / 75,
                played_with_previous=together,
            )
        )
        if not together:
            at += gaps[i]
    return Tracklist(
        owner_id="u", title=draw(text), djs=[draw(text)], tracks=tracks, duration_seconds=at / 75
    )


def _expected(t: Tracklist) -> list[int]:
    return [CueTime.from_seconds(tr.start_time).frames for tr in t.tracks if not tr.played_with_previous]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(t=tracklists())
def test_parse_of_generate_gives_back_every_start_to_the_frame(t):
    expected = _expected(t)
    for fmt, d in DIALECTS.items():
        rendered = render(t, fmt)
        sheets = [rendered.text] + [c.content for c in rendered.companions if c.role == "disc"]
        ours: list[int] = []
        theirs: list[int] = []
        for sheet in sheets:
            offset = expected[len(ours)] if ours and d.splits_discs else 0
            parsed = parse(sheet)
            assert parsed.errors == [], (fmt, parsed.errors)
            ours += [tr.start.frames + offset for tr in parsed.tracks if tr.start is not None]
            lines = [line.strip() for line in sheet.splitlines() if line.strip()]
            theirs += [tr.start // 588 + offset for tr in CueParser(lines).run().tracks]
        assert ours == expected, fmt
        assert theirs == expected, fmt
