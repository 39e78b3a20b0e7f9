"""Exports beside CUE: a tracklist as YouTube chapters, Mixcloud sections, FFmpeg chapters and
plain description text (one module per target; `chapters` is what they share)."""
