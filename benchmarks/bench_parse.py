"""Tracklist page parsing: our full extraction vs BeautifulSoup and vs the bare-parse floor.

For each fixture tracklist page (the shared real pages when present, else our own), in one run:
- ours: `parse_tracklist(html)` — the full model (metadata, every track, cues, w/, mashups);
- (a) BeautifulSoup with html.parser doing the same extraction, as most open-source scrapers
  of this site do — goal: ours at least 15x faster;
- (b) the floor: selectolax/lexbor's bare parse of the page plus selecting the track rows —
  goal: ours within 2x of it.
"""

from __future__ import annotations

import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.timing import ms

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "fixtures" / "1001tracklists"
OWN = ROOT / "tests" / "fixtures" / "1001tracklists"
CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})$")


def _pages() -> list[Path]:
    shared = sorted(SHARED.glob("tracklist_*.html")) if SHARED.is_dir() else []
    return shared or sorted(p for p in OWN.glob("tracklist_*.html") if "empty" not in p.name)


def _bs4_extract(html: str) -> dict[str, Any]:
    """The same extraction written the way BeautifulSoup scrapers of this site write it."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    tab = soup.find(id="tlTab")
    h1 = soup.find("h1")
    meta = {m.get("itemprop"): m.get("content") for m in tab.find_all("meta", recursive=False)}
    djs = [a.get_text(" ", strip=True) for a in h1.select("a[href^='/dj/'], a[href^='/artist/']")]
    sources = [a.get_text(" ", strip=True) for a in h1.select("a[href^='/source/']")]
    tracks: list[dict[str, Any]] = []
    for row in tab.select("div.tlpItem"):
        value = row.select_one("span.trackValue")
        if value is None:
            continue
        parts = [" ".join(c.get_text().split()) for c in value.children]
        parts = [p for p in parts if p]
        sep = parts.index("-") if "-" in parts else -1
        artist = " ".join(parts[:sep]) if sep > 0 else ""
        title = parts[sep + 1] if sep > 0 and sep + 1 < len(parts) else ""
        remix = " ".join(parts[sep + 2 :]).strip("() ") if sep > 0 else ""
        cue = row.select_one("div.cue")
        m = CLOCK.match(cue.get_text(strip=True)) if cue else None
        start = int(m[1] or 0) * 3600 + int(m[2]) * 60 + int(m[3]) if m else None
        number = row.select_one("span[id$=_tracknumber_value]")
        labels = [s.get_text(" ", strip=True) for s in row.select("span.trackLabel")]
        item = {
            "artist": artist,
            "title": title,
            "remix": remix or None,
            "label": " / ".join(labels) or None,
            "start": start,
            "with_previous": bool(number and number.get_text(strip=True) == "w/"),
        }
        if "tlpSubTog" in (row.get("class") or []) and tracks:
            tracks[-1].setdefault("mashup", []).append(item)
        else:
            tracks.append(item)
    return {"meta": meta, "djs": djs, "sources": sources, "tracks": tracks}


def _once(fn: Callable[[], object], number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def _interleaved(
    ours: Callable[[], object], soup: Callable[[], object], floor: Callable[[], object], rounds: int = 9
):
    """Medians of each, and of the per-round ratios: the three run side by side in every round,
    so load from other processes on a shared machine hits them alike."""
    for fn in (ours, soup, floor):
        fn()
    samples = [(_once(ours, 5), _once(soup, 1), _once(floor, 5)) for _ in range(rounds)]
    o, s, f = (statistics.median(x[i] for x in samples) for i in range(3))
    speedup = statistics.median(x[1] / x[0] for x in samples)
    over_floor = statistics.median(x[0] / x[2] for x in samples)
    return o, s, f, speedup, over_floor


def run() -> str:
    if str(ROOT / "layers" / "core") not in sys.path:
        sys.path.insert(0, str(ROOT / "layers" / "core"))
    from selectolax.lexbor import LexborHTMLParser

    from tracktion.sources.tracklists1001 import parse_tracklist

    pages = _pages()
    lines = [
        "## Tracklist page parsing (selectolax/lexbor)",
        "",
        "Full extraction of each fixture tracklist page by `parse_tracklist` vs (a) BeautifulSoup "
        "html.parser doing the same extraction (goal: >= 15x faster) and (b) the floor: lexbor's bare "
        "parse plus selecting the track rows (goal: <= 2x the floor). Nine interleaved rounds; "
        "times and ratios are medians (ratios taken within each round).",
        "",
        "| page | size | tracks | ours | BeautifulSoup | speed-up (a) | floor | ours / floor (b) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for page in pages:
        html = page.read_text(encoding="utf-8")
        tracks = len(parse_tracklist(html).tracks)
        ours, soup, floor, speedup, over_floor = _interleaved(
            lambda html=html: parse_tracklist(html),
            lambda html=html: _bs4_extract(html),
            lambda html=html: LexborHTMLParser(html).css("#tlTab div.tlpItem"),
        )
        lines.append(
            f"| {page.name[:48]} | {len(html) // 1024} KB | {tracks} | {ms(ours)} | {ms(soup)} "
            f"| {speedup:.1f}x | {ms(floor)} | {over_floor:.2f}x |"
        )
    source = "shared real pages" if pages and pages[0].parent == SHARED else "our own fixture pages"
    lines += ["", f"Pages: {source}."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run())
