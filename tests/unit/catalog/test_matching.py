"""Fuzzy matching normalises the ways tracklists spell tracks, explains itself, and stays honest."""

from __future__ import annotations

import pytest

from tracktion.catalog.matching import best_match
from tracktion.catalog.model import CatalogTrack, TrackQuery
from tracktion.catalog.normalize import classify_mix, normalize_track, split_artists


def cat(
    id_: str, artist: str, title: str, mix: str | None, remixers: list[str] | None = None, **kw
) -> CatalogTrack:
    return CatalogTrack(
        id=f"beatport:{id_}",
        source="beatport",
        source_id=id_,
        title=title,
        mix_name=mix,
        artist=artist,
        artists=split_artists(artist) and [a.strip() for a in artist.split(",")],
        remixers=remixers or [],
        **kw,
    )


STROBE_REMIX = cat(
    "1", "deadmau5", "Strobe", "Layton Giordani Extended Remix", ["Layton Giordani"], bpm=128, key="Ab Minor"
)
STROBE_OTHER_REMIX = cat("2", "deadmau5", "Strobe", "Victor Ruiz Remix", ["Victor Ruiz"], bpm=130)
STROBE_ANOTR = cat("3", "ANOTR", "Strobe", "Original Mix", bpm=124)


@pytest.mark.parametrize(
    ("line", "artists"),
    [
        ("Artist A feat. Artist B", ["artist a", "artist b"]),
        ("Artist A ft Artist B", ["artist a", "artist b"]),
        ("Artist A & Artist B", ["artist a", "artist b"]),
        ("Artist A x Artist B", ["artist a", "artist b"]),
        ("Artist A vs. Artist B", ["artist a", "artist b"]),
        ("Artist A, Artist B and Artist C", ["artist a", "artist b", "artist c"]),
        ("Amélie Lens", ["amelie lens"]),
    ],
)
def test_artist_lines_split_into_the_same_artists(line, artists):
    assert split_artists(line) == artists


@pytest.mark.parametrize(
    ("mix", "kind", "remixer"),
    [
        ("Original Mix", "original", None),
        ("Extended Mix", "original", None),
        ("Radio Edit", "original", None),
        ("Layton Giordani Extended Remix", "remix", "layton giordani"),
        ("ID Remix", "unknown_remix", "id"),
        ("Victor Ruiz Dub", "remix", "victor ruiz"),
    ],
)
def test_mix_names_are_classified(mix, kind, remixer):
    m = classify_mix(mix)
    assert (m.kind, m.remixer) == (kind, remixer)


def test_title_brackets_and_dash_suffixes_are_mix_names_and_featured_artists_move_to_artists():
    n = normalize_track("Artist A", "Song Name (feat. Singer B) [Extended Mix]")
    assert n.title == "song name"
    assert n.artists == ["artist a", "singer b"]
    assert n.mix.kind == "original"

    n = normalize_track("Artist A", "Song Name - Someone Remix")
    assert (n.title, n.mix.remixer) == ("song name", "someone")


def test_the_right_remix_is_matched_and_explained():
    q = TrackQuery(artist="Deadmau5", title="Strobe (Layton Giordani Remix)")

    r = best_match(q, [STROBE_OTHER_REMIX, STROBE_ANOTR, STROBE_REMIX], threshold=0.8)

    assert r.matched and r.catalog_track_id == "beatport:1"
    assert r.confidence is not None and r.confidence >= 0.9
    assert any("title 'strobe'" in e for e in r.explanation)
    assert any("layton giordani" in e for e in r.explanation)
    assert r.explanation[-1].startswith(f"score {r.confidence:.2f} ≥ threshold 0.80: matched")


def test_the_same_song_in_another_remix_is_not_a_match():
    q = TrackQuery(artist="deadmau5", title="Strobe", remix="Victor Ruiz Remix")

    r = best_match(q, [STROBE_REMIX], threshold=0.8)

    assert not r.matched
    assert r.confidence is not None and r.confidence < 0.8
    assert "not matched" in r.explanation[-1]


def test_another_artists_song_with_the_same_title_is_not_a_match():
    r = best_match(TrackQuery(artist="deadmau5", title="Strobe"), [STROBE_ANOTR], threshold=0.8)

    assert not r.matched


def test_featured_and_reordered_artists_still_match():
    c = cat("9", "Artist B, Artist A", "Song", "Original Mix")

    r = best_match(
        TrackQuery(artist="Artist A ft. Artist B", title="Song (Extended Mix)"), [c], threshold=0.9
    )

    assert r.matched


@pytest.mark.parametrize(("artist", "title"), [("ID", "ID"), ("Someone", "ID"), ("id", "id (ID Remix)")])
def test_id_tracks_are_never_matched(artist, title):
    anything = cat("5", artist, title, None)

    r = best_match(TrackQuery(artist=artist, title=title), [anything], threshold=0.0)

    assert not r.matched and r.catalog_track_id is None
    assert "unidentified" in r.explanation[0]


def test_threshold_is_honoured_both_ways():
    q = TrackQuery(artist="deadmau5", title="Strobe")  # no mix named: a remix is a weaker candidate

    low = best_match(q, [STROBE_REMIX], threshold=0.5)
    high = best_match(q, [STROBE_REMIX], threshold=0.99)

    assert low.matched and not high.matched
    assert low.confidence == high.confidence
