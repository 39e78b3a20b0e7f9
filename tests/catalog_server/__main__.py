"""`python -m tests.catalog_server`: the same as `python -m local.catalog_site`."""

from tests.catalog_server import serve_forever

serve_forever()
