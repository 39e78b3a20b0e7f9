"""Export targets against their rules: YouTube chapters, Mixcloud's licensing check on lists built
to break each rule, FFMETADATA1 escaping, description templates (fuzzed: they are parsers)."""

from __future__ import annotations

import itertools
import re

from hypothesis import given
from hypothesis import strategies as st

from tracktion.exports import ffmetadata, mixcloud, text, youtube
from tracktion.exports.chapters import estimated_tracklist
from tracktion.exports.mixcloud import CheckRow, check
from tracktion.tracklists.model import Track, Tracklist

TIMESTAMP = re.compile(r"^(?:(\d+):(\d{2})|(\d+):(\d{2}):(\d{2})) (\S.*)$")


def tl(rows: list[tuple[str, str, float | None]], end: float | None = 3600, **track: object) -> Tracklist:
    return Tracklist(
        owner_id="u",
        title="Set",
        duration_seconds=end,
        tracks=[
            Track(position=i, artist=a, title=t, start_time=s, **track)  # type: ignore[arg-type]
            for i, (a, t, s) in enumerate(rows, start=1)
        ],
    )


def seconds(stamp: str) -> int:
    parts = [int(p) for p in stamp.split(":")]
    return sum(p * 60**i for i, p in enumerate(reversed(parts)))


def youtube_rules_hold(text_: str) -> None:
    """YouTube's own reading of a description: 0:00 first, >= 3 ascending stamps, each >= 10 s apart."""
    stamps = [ln.split(" ", 1)[0] for ln in text_.splitlines() if TIMESTAMP.match(ln)]
    assert stamps[0] in ("0:00", "0:00:00") and len(stamps) >= 3
    values = [seconds(s) for s in stamps]
    assert all(b - a >= 10 for a, b in itertools.pairwise(values))


# ---------------------------------------------------------------- YouTube


def test_youtube_hours_and_minutes_forms() -> None:
    t = tl([("A", "One", 0), ("B", "Two", 59 * 60 + 59), ("C", "Three", 3600 + 61)], end=7200)
    lines = youtube.youtube(estimated_tracklist(t))["text"].splitlines()
    assert lines == ["0:00 A - One", "59:59 B - Two", "1:01:01 C - Three"]
    always = youtube.youtube(estimated_tracklist(t), hours="always")["text"].splitlines()
    assert always[0] == "0:00:00 A - One" and always[1] == "0:59:59 B - Two"


def test_youtube_short_first_and_last_chapters_and_order() -> None:
    t = tl(
        [("A", "One", 0), ("B", "Two", 4), ("C", "Three", 300), ("D", "Four", 600), ("E", "Five", 895)],
        end=900,
    )
    out = youtube.youtube(estimated_tracklist(t))
    short = [v for v in out["violations"] if v["rule"] == "min_length"]
    assert [v["tracks"] for v in short] == [[1], [5]]
    youtube_rules_hold(out["text"])
    assert out["text"].splitlines()[0] == "0:00 A - One / B - Two"
    assert out["text"].splitlines()[-1] == "10:00 D - Four / E - Five"


def test_youtube_refuses_angle_brackets_and_keeps_one_line() -> None:
    t = tl([("A <b>", "x\ny", 0), ("B", "Two", 100), ("C", "Three", 200)])
    first = youtube.youtube(estimated_tracklist(t))["text"].splitlines()[0]
    assert "<" not in first and ">" not in first and first.startswith("0:00 A ")


# ---------------------------------------------------------------- Mixcloud


def rows(artists: list[str], releases: list[str | None] | None = None) -> list[CheckRow]:
    releases = releases or [None] * len(artists)
    return [CheckRow(i, a, r) for i, (a, r) in enumerate(zip(artists, releases, strict=True), start=1)]


def rules(result: dict) -> dict[str, list[list[int]]]:
    out: dict[str, list[list[int]]] = {}
    for b in result["breaches"]:
        out.setdefault(b["rule"], []).append(b["tracks"])
    return out


def test_mixcloud_five_by_one_artist_spread_out() -> None:
    got = check(rows(["X", "a", "X", "b", "X", "c", "X ft. Y", "d", "X"]), 3600)
    assert rules(got) == {"max_tracks_by_artist": [[1, 3, 5, 7, 9]]}
    assert got["breaches"][0]["artist"] == "X"


def test_mixcloud_four_in_a_row_counts_every_credited_artist() -> None:
    got = check(rows(["a", "X & Y", "Y", "Z vs. Y", "y ft. Q", "b"]), 3600)
    assert rules(got) == {"max_artist_in_a_row": [[2, 3, 4, 5]]}
    assert got["breaches"][0]["artist"] == "Y"


def test_mixcloud_release_rules() -> None:
    four = check(rows(["a", "b", "c", "d", "e"], ["LP1", None, "LP1", "lp1", "LP1"]), 3600)
    assert rules(four) == {"max_tracks_from_release": [[1, 3, 4, 5]], "max_release_in_a_row": [[3, 4, 5]]}
    three_in_a_row = check(rows(["a", "b", "c", "d"], ["EP", "EP", "EP", None]), 3600)
    assert rules(three_in_a_row) == {"max_release_in_a_row": [[1, 2, 3]]}


def test_mixcloud_length_and_what_was_not_checked() -> None:
    assert rules(check(rows(["a", "b"]), 14 * 60)) == {"min_length": [[]]}
    unknown = check(rows(["a", "b"]), None)
    assert unknown["ok"] is True
    assert {n["rule"] for n in unknown["not_checked"]} == {"min_length", "max_tracks_from_release"}


def test_mixcloud_sections_and_release_from_catalog_numbers() -> None:
    t = tl(
        [("Band", "Song", 0), ("ID", "ID", 200.4), ("Cave Studio", "ID", 400), ("Other", "Tune", 600)],
        catalog_number="CAT001",
    )
    est = estimated_tracklist(t)
    secs = mixcloud.sections(est)
    assert secs[0] == {"artist": "Band", "song": "Song", "start_time": 0, "position": 1}
    assert secs[1]["chapter"] == "ID" and secs[1]["start_time"] == 200
    assert secs[2]["chapter"] == "Cave Studio - ID"
    fields = mixcloud.form_fields(secs)
    assert list(fields)[:4] == [
        "sections-0-artist",
        "sections-0-song",
        "sections-0-start_time",
        "sections-1-chapter",
    ]
    assert all(re.fullmatch(r"sections-\d+-(artist|song|start_time|chapter)", k) for k in fields)
    breaches = rules(check(mixcloud.rows_of(est.tracks), est.end))
    assert breaches == {"max_tracks_from_release": [[1, 2, 3, 4]], "max_release_in_a_row": [[1, 2, 3, 4]]}
    assert [s.get("artist") for s in mixcloud.sections(est, "skip")] == ["Band", "Other"]


# ---------------------------------------------------------------- FFMETADATA1


def unescape(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value, flags=re.DOTALL)


@given(st.text(max_size=80))
def test_ffmetadata_escaping_round_trips(value: str) -> None:
    escaped = ffmetadata.escape(value)
    assert "\n" not in escaped.replace("\\\n", "")
    assert unescape(escaped) == value.replace("\r\n", "\n").replace("\r", "\n")


def test_ffmetadata_chapters() -> None:
    t = tl([("A=B", "x;y#z\\w", 0), ("C", "D", 90.5), ("E", "F", None)], end=400)
    out = ffmetadata.ffmetadata(t, estimated_tracklist(t))["text"].splitlines()
    assert out[0] == ";FFMETADATA1"
    assert "title=A\\=B - x\\;y\\#z\\\\w" in out
    assert [ln for ln in out if ln.startswith(("START=", "END="))][:4] == [
        "START=0",
        "END=90500",
        "START=90500",
        "END=245250",
    ]
    assert out[-3:] == ["START=245250", "END=400000", "title=E - F"]


# ---------------------------------------------------------------- description text


def test_text_styles() -> None:
    t = tl([("A", "One", 0), ("B", "Two", None), ("C", "Three", 600)], end=900, label="LBL", remix="Dub")
    est = estimated_tracklist(t)
    assert text.text(est)["text"].splitlines()[:2] == [
        "01. [0:00] A - One (Dub) [LBL]",
        "02. [~5:00] B - Two (Dub) [LBL]",
    ]
    assert text.text(est, style="timed")["text"].splitlines()[2] == "10:00 C - Three (Dub) [LBL]"
    assert text.text(est, style="plain")["text"].splitlines()[0] == "1. A - One (Dub) [LBL]"
    assert text.text(est, template="{nn} {artist.__class__} {title}")["text"].splitlines()[0] == (
        "01 {artist.__class__} One"
    )


@given(st.text(min_size=1, max_size=text.MAX_TEMPLATE))
def test_any_template_fills_without_evaluating_anything(template: str) -> None:
    t = tl([("A", "One", 0), ("B", "Two", 100)])
    out = text.text(estimated_tracklist(t), template=template)["text"]
    assert "__" not in out or "__" in template  # nothing but the named fields is ever looked up
    assert out.count("\n") >= 2


def test_ffmetadata_titles_are_cut_at_a_character_for_ffmpegs_mp3_chapters() -> None:
    long = "Sven Väth - " + "é" * 80
    cut = ffmetadata.shorten(long, 100)
    assert len(cut.encode("utf-8")) <= 100 and cut.endswith("...") and long.startswith(cut[:-3])
    assert ffmetadata.shorten(long, 0) == long
    t = tl([(long, "x", 0), ("B", "y", 100)], end=200)
    out = ffmetadata.ffmetadata(t, estimated_tracklist(t))
    assert any(w["type"] == "titles_shortened" for w in out["warnings"])


# ---------------------------------------------------------------- any tracklist


@st.composite
def tracklists(draw: st.DrawFn) -> Tracklist:
    n = draw(st.integers(min_value=1, max_value=25))
    tracks = []
    for i in range(1, n + 1):
        start = draw(st.one_of(st.none(), st.floats(min_value=0, max_value=8000, allow_nan=False)))
        tracks.append(
            Track(
                position=i,
                artist=draw(st.sampled_from(["A", "B & C", "ID", "D ft. A"])),
                title=draw(st.text(min_size=1, max_size=30)),
                start_time=start,
                played_with_previous=i > 1 and draw(st.booleans()),
            )
        )
    end = draw(st.one_of(st.none(), st.floats(min_value=1, max_value=9000, allow_nan=False)))
    return Tracklist(owner_id="u", title="Set", duration_seconds=end, tracks=tracks)


@given(tracklists(), st.sampled_from(["merge", "drop"]))
def test_any_tracklist_exports_within_each_targets_rules(t: Tracklist, short: str) -> None:
    est = estimated_tracklist(t)
    yt = youtube.youtube(est, short_chapters=short)  # type: ignore[arg-type]
    if yt["valid"]:
        youtube_rules_hold(yt["text"])
    else:
        assert any(v["rule"] == "min_chapters" for v in yt["violations"])
    ff = ffmetadata.ffmetadata(t, est)["text"].splitlines()
    starts = [int(ln[6:]) for ln in ff if ln.startswith("START=")]
    ends = [int(ln[4:]) for ln in ff if ln.startswith("END=")]
    assert starts == sorted(set(starts)) and all(e > s for s, e in zip(starts, ends, strict=True))
    assert all(e <= s2 for e, s2 in zip(ends, starts[1:], strict=False))
    secs = mixcloud.sections(est)
    assert [s["start_time"] for s in secs] == sorted(s["start_time"] for s in secs)
    assert len(secs) == len(t.tracks)
    assert text.text(est)["text"].count("\n") >= len(est.groups)
