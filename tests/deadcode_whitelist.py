# Names vulture cannot see used (python -m tests.deadcode reads this file as code that uses them).
# Each group says who reaches them. A name that stops being reached this way leaves the list;
# a name only the tests reach is a candidate for removal with its tests.
# ruff: noqa: B018, F821

# -- Lambda's context object (local/worker.py's LambdaContext): read by Powertools and handlers.
_.function_name
_.function_version
_.memory_limit_in_mb
_.invoked_function_arn
_.aws_request_id
_.log_group_name
_.log_stream_name
_.client_context
_.get_remaining_time_in_millis

# -- io.RawIOBase protocol of cue/audio.py's S3 range reader: called by mutagen through io.
_.readable
_.seekable
_.tell
_.seek
_.readinto

# -- The published Python SDK (sdk/tracktion_sdk): its public API, called by its users (every
#    route's method is called by tests/sdk/test_every_method.py, which vulture does not read).
_.rate_limit
_.last_response
_.oauth_login
_.oauth_callback
_.advanced
_.match_to_catalog
_.by_url
_.clear_cache
_.mixcloud_check
_.generate_batch
_.job_status
_.download_companion
_.docs_asset
# The CLI's choices (typer reads the enum members): --priority urgent, --gap-handling auto/skip/preserve
_.urgent
_.auto
_.skip
_.preserve

# -- The local runtime's test helpers (local/testing.py, local/websocket.py): used by tests/.
_.admin_headers
_.aws_client
start_runtime
_.management_endpoint
_.connection_ids

# -- The catalog stand-in's routes (local/catalog_site.py): registered by @route, called by its
#    route table.
docs_page
docs_script
genre_top
tracks_top
releases_top
artist_top
label_top
musicbrainz_recording

# -- The settings model (tracktion.config): GROUPS is walked by tests/contract/test_settings.py;
#    Settings is the stores' old name for CoreSettings.
GROUPS
Settings

# -- Reached only by tests (candidates for removal together with their tests).
forget_credentials  # catalog/beatport_auth.py: tests/catalog_server switches AWS mocks
_.tracks_by_isrc  # catalog/beatport.py: tests/functional/test_catalog.py
_.genre_tracks
_.chart
_.chart_tracks
_.artist_line  # catalog/normalize.py: tests/unit/catalog/test_matching.py
_.to_tracklist  # cue/parse.py: tests/unit/cue (reading sheets back)
set_timing  # tracklists/editing.py: tests/unit/tracklists/test_editing.py
