"""`python -m tests.catalog_server`: a local Beatport/MusicBrainz for `make run` experiments."""

from tests.catalog_server import serve_forever

serve_forever()
