"""The music catalog: Beatport, MusicBrainz and Tracktion's own table behind one interface."""
