"""Every test here is an integration test; the local runtime they drive is tests/conftest.py's
session-wide `runtime` fixture (one for tests/integration, tests/sdk and tests/conformance)."""
