"""Our sheets read by the Debian tools: cuetools (cuebreakpoints, cueprint, cueconvert),
libFLAC's metaflac --import-cuesheet-from, and shntool splitting real audio at our points.

Run by `make test-system`, which installs cuetools, flac and shntool when they are missing.
Silence compresses to almost nothing in FLAC, so a 2 h 30 min CD-quality mix costs seconds.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.unit.cue.conftest import make_tracklist
from tracktion.cue.options import CueOptions
from tracktion.cue.render import RenderedCue, render
from tracktion.cue.time import CueTime
from tracktion.tracklists.estimates import estimate
from tracktion.tracklists.model import Track, Tracklist

pytestmark = pytest.mark.system

TOOLS = ("cuebreakpoints", "cueprint", "cueconvert", "metaflac", "flac", "shntool")


@pytest.fixture(autouse=True)
def _debian_tools() -> None:
    """`make test` installs these (make system-deps); missing ones are a failure, never a skip."""
    if missing := [t for t in TOOLS if not shutil.which(t)]:
        pytest.fail(f"Debian tools missing: {missing}; run `make system-deps`")


SAMPLES_PER_FRAME = 588  # 44100 / 75


def run(*args: str, stdin: bytes | None = None) -> str:
    done = subprocess.run(args, input=stdin, capture_output=True, check=True, timeout=300)
    return done.stdout.decode("latin-1")


@pytest.fixture(scope="session")
def silent_flac(tmp_path_factory: pytest.TempPathFactory) -> Callable[[int], Path]:
    """A CD-quality (44.1 kHz, 16-bit, stereo) FLAC of silence lasting exactly `frames`."""
    made: dict[int, Path] = {}
    base = tmp_path_factory.mktemp("audio")

    def make(frames: int) -> Path:
        if frames not in made:
            path = base / f"mix-{frames}.flac"
            raw = subprocess.Popen(
                ["head", "-c", str(frames * SAMPLES_PER_FRAME * 4), "/dev/zero"], stdout=subprocess.PIPE
            )
            subprocess.run(
                ["flac", "-s", "-0", "--force-raw-format", "--endian=little", "--sign=signed", "--channels=2",
                 "--bps=16", "--sample-rate=44100", "-o", str(path), "-"],
                stdin=raw.stdout, check=True, timeout=300,
            )  # fmt: skip
            raw.wait()
            made[frames] = path
        return made[frames]

    return make


def _msf_frames(text: str) -> int:
    """cuebreakpoints' m:ss.ff"""
    m, rest = text.split(":")
    s, f = rest.split(".")
    return (int(m) * 60 + int(s)) * 75 + int(f)


def _sheets(rendered: RenderedCue, directory: Path) -> list[Path]:
    texts = [rendered.text] + [c.content for c in rendered.companions if c.role == "disc"]
    paths = []
    for n, text in enumerate(texts, start=1):
        path = directory / f"{rendered.format}-{n}.cue"
        path.write_bytes(text.encode(rendered.encoding))
        paths.append(path)
    return paths


def _expected_discs(t: Tracklist, rendered: RenderedCue) -> list[list[int]]:
    """The INDEX 01 frames each sheet must hold, from the tracklist (not from our output)."""
    starts = [CueTime.from_seconds(tr.start_time).frames for tr in t.tracks if not tr.played_with_previous]
    discs, at = [], 0
    sizes = [
        len(re.findall(r"^  TRACK ", s, re.M))
        for s in [rendered.text] + [c.content for c in rendered.companions if c.role == "disc"]
    ]
    for size in sizes:
        chunk = starts[at : at + size]
        offset = chunk[0] if (rendered.format == "cdj" and at) else 0
        discs.append([s - offset for s in chunk])
        at += size
    return discs


def _check_cuetools(path: Path, expected: list[int], titles: list[str], encoding: str) -> None:
    breaks = [_msf_frames(line) for line in run("cuebreakpoints", str(path)).split()]
    assert breaks == expected[1:], f"cuebreakpoints read other starts from {path.name}"
    printed = run("cueprint", "-d", "", "-t", "%n|%t\n", str(path)).encode("latin-1").decode(encoding)
    assert [line.split("|", 1)[1] for line in printed.splitlines() if line] == titles
    toc = run("cueconvert", "-i", "cue", "-o", "toc", str(path))
    assert toc.count("TRACK AUDIO") == len(expected)


def _check_metaflac(path: Path, expected: list[int], flac: Path, tmp: Path) -> None:
    target = tmp / f"{path.stem}.flac"
    shutil.copy(flac, target)
    run("metaflac", f"--import-cuesheet-from={path}", str(target))
    exported = run("metaflac", "--export-cuesheet-to=-", str(target))
    got = []
    for block in re.split(r"^\s*TRACK ", exported, flags=re.M)[1:]:
        if (m := re.search(r"INDEX 01 (\d+):(\d\d):(\d\d)", block)) is not None:
            got.append((int(m[1]) * 60 + int(m[2])) * 75 + int(m[3]))
    assert got == expected, f"metaflac imported other starts from {path.name}"


def _check_shntool(path: Path, expected: list[int], flac: Path, total_frames: int, tmp: Path) -> None:
    counter = tmp / "count.sh"
    counter.write_text('#!/bin/sh\nwc -c > "$1"\n')
    counter.chmod(0o755)
    out = tmp / f"split-{path.stem}"
    out.mkdir()
    run("shntool", "split", "-q", "-P", "none", "-O", "always", "-f", str(path), "-d", str(out),
        "-o", f"cust ext=len {counter} %f", str(flac))  # fmt: skip
    files = sorted(p for p in out.iterdir() if not p.name.startswith("00"))
    lengths = [int(p.read_text()) for p in files]
    ends = [*expected[1:], total_frames]
    # Each track holds its samples plus a 44-byte WAV header.
    assert [(n - 44) // 4 for n in lengths] == [
        (e - s) * SAMPLES_PER_FRAME for s, e in zip(expected, ends, strict=True)
    ]


def _all_tools(
    t: Tracklist, fmt: str, tmp: Path, silent_flac, shntool: bool = True, options: CueOptions | None = None
) -> None:
    tmp.mkdir(parents=True, exist_ok=True)
    rendered = render(t, fmt, options)
    discs = _expected_discs(t, rendered)
    end = CueTime.from_seconds(t.duration_seconds or 0).frames
    starts = [CueTime.from_seconds(tr.start_time).frames for tr in t.tracks if not tr.played_with_previous]
    at = 0
    for path, expected in zip(_sheets(rendered, tmp), discs, strict=True):
        text = path.read_bytes().decode(rendered.encoding)
        titles = re.findall(r'^    TITLE "(.*)"$', text, re.M)
        _check_cuetools(path, expected, titles, rendered.encoding)
        if rendered.format == "cdj":  # a disc of its own: its audio runs to the next disc
            stop = starts[at + len(expected)] if at + len(expected) < len(starts) else end
            length = stop - (starts[at] if at else 0)
        else:  # parts of one sheet set share the whole mix
            length = end
        at += len(expected)
        audio = silent_flac(length)
        if rendered.format == "cdj" or len(discs) == 1:
            _check_metaflac(path, expected, audio, tmp)
        if shntool:
            _check_shntool(path, expected, audio, length, tmp)


@pytest.mark.parametrize("fmt", ["standard", "cdj", "kodi", "rekordbox"])
def test_two_and_a_half_hour_mix(fmt, tmp_path, silent_flac):
    t = make_tracklist(40, spacing=225.37, duration_seconds=150 * 60)
    _all_tools(t, fmt, tmp_path, silent_flac, shntool=fmt in ("standard", "cdj"))


@pytest.mark.parametrize("fmt", ["standard", "cdj"])
def test_120_tracks(fmt, tmp_path, silent_flac):
    t = make_tracklist(120, spacing=30.0)
    _all_tools(t, fmt, tmp_path, silent_flac, shntool=False)


@pytest.mark.parametrize("fmt", ["standard", "cdj", "serato"])
def test_quotes_non_ascii_w_tracks_and_estimated_starts(fmt, tmp_path, silent_flac):
    t = make_tracklist(8, spacing=200.0, title='Live "Raw" \u2013 Ünïcödé')
    t.tracks[1].title = 'The "Real" Thing'
    t.tracks[2].artist = "Ødd Økland"
    t.tracks[3] = Track(position=4, artist="Guest", title="Acapella", played_with_previous=True)
    t.tracks[5].start_time = None
    options = CueOptions(gap_handling="estimate")
    rendered = render(t, fmt, options)
    # Estimated starts are ours to check against: give the tracklist the estimate back.
    estimated = next(w for w in rendered.warnings if w["code"] == "START_ESTIMATED")
    assert estimated["tracks"] == [6]
    t.tracks[5].start_time = estimate(t).tracks[5].start_time  # the estimator sheets use
    _all_tools(t, fmt, tmp_path, silent_flac, options=options)


def test_real_fixture_set_with_w_row(tmp_path, silent_flac):
    from tests.conftest import shared_fixture
    from tracktion.sources import tracklists1001 as source

    name = "tracklist_matroda_club-space-miami_2023-08-05_28trk_1h28_cues_w-row.html"
    t = source.parse_tracklist(shared_fixture("1001tracklists", name).read_text(encoding="utf-8"))
    t = t.model_copy(update={"owner_id": "user-1"})
    assert all(tr.start_time is not None for tr in t.tracks if not tr.played_with_previous)
    for fmt in ("standard", "cdj"):
        _all_tools(t, fmt, tmp_path / fmt, silent_flac, shntool=False)
