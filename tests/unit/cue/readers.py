"""Independent CUE parsers our output must satisfy: deflacue (PyPI), @gplane/cue and
cue-parser (npm). The npm packages are installed on first use into .tools/node (git-ignored).

`read_all(paths, encoding)` gives, per file and per parser, the INDEX 01 starts in frames and
the track titles as that parser understood them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
NODE_DIR = ROOT / ".tools" / "node"
NPM_PACKAGES = ("@gplane/cue@0.2.0", "cue-parser@0.3.0")
SCRIPT = Path(__file__).with_name("read_cue.mjs")
PARSERS = ("deflacue", "gplane", "cueparser")


@cache
def node_modules() -> Path:
    modules = NODE_DIR / "node_modules"
    wanted = [modules / p.rsplit("@", 1)[0] / "package.json" for p in NPM_PACKAGES]
    if all(w.exists() for w in wanted):
        return modules
    if not shutil.which("node") or not shutil.which("npm"):
        pytest.skip("node/npm are not installed; the npm CUE parsers cannot run")
    NODE_DIR.mkdir(parents=True, exist_ok=True)
    if not (NODE_DIR / "package.json").exists():
        (NODE_DIR / "package.json").write_text('{"private": true}\n')
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(NODE_DIR), *NPM_PACKAGES],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return modules


def _deflacue(path: Path, encoding: str) -> dict[str, Any]:
    from deflacue.parser import CueParser

    data = CueParser.from_file(path, encoding=encoding).run()
    return {
        "starts": [t.start // 588 for t in data.tracks],  # deflacue counts 44.1 kHz samples
        "titles": [t.title for t in data.tracks],
        "title": data.meta.data.get("TITLE"),
        "performer": data.meta.data.get("PERFORMER"),
    }


def read_all(paths: list[Path], encoding: str = "utf-8") -> dict[Path, dict[str, dict[str, Any]]]:
    result = subprocess.run(
        ["node", str(SCRIPT), str(node_modules()), encoding, *map(str, paths)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    js = json.loads(result.stdout)
    return {p: {"deflacue": _deflacue(p, encoding), **js[str(p)]} for p in paths}


def assert_all_agree(
    path: Path, readings: dict[str, dict[str, Any]], starts: list[int], titles: list[str]
) -> None:
    """Every parser read every start to the frame and every title as written."""
    assert readings["gplane"]["errors"] == [], f"{path}: @gplane/cue errors {readings['gplane']['errors']}"
    assert "error" not in readings["cueparser"], f"{path}: cue-parser failed {readings['cueparser']}"
    for name in PARSERS:
        assert readings[name]["starts"] == starts, f"{name} read other starts from {path}"
        assert readings[name]["titles"] == titles, f"{name} read other titles from {path}"


def read_back(rendered: Any, directory: Path) -> dict[str, Any]:
    """Write a RenderedCue's sheet(s), read them with every parser, demand they agree.

    Returns the starts (in frames, across discs: each disc's times plus the mix time of its
    first track) and the titles as all parsers read them, plus per-disc details.
    """
    directory.mkdir(parents=True, exist_ok=True)
    texts = [rendered.text] + [c.content for c in rendered.companions if c.role == "disc"]
    paths = []
    for n, text in enumerate(texts, start=1):
        path = directory / f"{rendered.format}-disc{n}.cue"
        path.write_bytes(text.encode(rendered.encoding))
        paths.append(path)
    readings = read_all(paths, rendered.encoding)
    discs = []
    for path in paths:
        reading = readings[path]
        ours = reading["gplane"]
        assert_all_agree(path, reading, ours["starts"], ours["titles"])
        discs.append(
            {
                "starts": ours["starts"],
                "titles": ours["titles"],
                "performers": ours["performers"],
                "title": ours["title"],
                "performer": ours["performer"],
            }
        )
    return {"discs": discs, "paths": paths}


def global_starts(discs: list[dict[str, Any]], expected: list[int], rebased: bool) -> list[int]:
    """Rebuild mix times from disc sheets: a rebased disc restarts at its first track's mix
    time; parts of one sheet set keep the mix's own times."""
    out: list[int] = []
    for disc in discs:
        offset = expected[len(out)] if out and rebased else 0
        out += [s + offset for s in disc["starts"]]
    return out
