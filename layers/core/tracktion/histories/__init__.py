"""DJ-software play histories (Serato, Traktor, rekordbox, VirtualDJ, Mixxx, CUE sheets) read into
one `History` (model.py), detected by content (detect.py), assembled into a tracklist's tracks."""
