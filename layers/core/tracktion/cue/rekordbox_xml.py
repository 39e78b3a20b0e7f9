"""The rekordbox XML companion: the mix as one TRACK with a memory cue at every track start.

rekordbox imports DJ_PLAYLISTS files (Preferences > Advanced > rekordbox xml). POSITION_MARK
Type 0 is a cue; Num -1 makes it a memory cue, 0-7 the hot cues A-H. Start is in seconds.
Written with the standard library so the Lambda layer needs nothing for it; tests read it
back with pyrekordbox.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import quote

from tracktion.cue.sheet import CuePlan
from tracktion.tracklists.model import Tracklist

HOT_CUES = 8


def _seconds(frames: int) -> str:
    return f"{frames / 75:.3f}"


def build(tracklist: Tracklist, cue_plan: CuePlan, audio_filename: str, kind: str) -> str:
    root = ET.Element("DJ_PLAYLISTS", Version="1.0.0")
    ET.SubElement(root, "PRODUCT", Name="Tracktion", Version="1.0", Company="Tracktion")
    collection = ET.SubElement(root, "COLLECTION", Entries="1")
    attrs = {
        "TrackID": "1",
        "Name": tracklist.title,
        "Artist": tracklist.performer,
        "Album": tracklist.event or tracklist.title,
        "Genre": " / ".join(tracklist.genres),
        "Kind": kind,
        "Location": "file://localhost/" + quote(audio_filename),
    }
    if cue_plan.end is not None:
        attrs["TotalTime"] = str(int(cue_plan.end.seconds))
    if tracklist.date:
        attrs["DateAdded"] = tracklist.date[:10]
        attrs["Year"] = tracklist.date[:4]
    track = ET.SubElement(collection, "TRACK", attrs)
    for entry in cue_plan.entries:
        name = f"{entry.performer} - {entry.title}"
        start = _seconds(entry.start.frames)
        ET.SubElement(track, "POSITION_MARK", Name=name, Type="0", Start=start, Num="-1")
    for num, entry in enumerate(cue_plan.entries[:HOT_CUES]):
        name = f"{entry.performer} - {entry.title}"
        start = _seconds(entry.start.frames)
        ET.SubElement(track, "POSITION_MARK", Name=name, Type="0", Start=start, Num=str(num))
    playlists = ET.SubElement(root, "PLAYLISTS")
    top = ET.SubElement(playlists, "NODE", Type="0", Name="ROOT", Count="1")
    playlist = ET.SubElement(top, "NODE", Name=tracklist.title, Type="1", KeyType="0", Entries="1")
    ET.SubElement(playlist, "TRACK", Key="1")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
