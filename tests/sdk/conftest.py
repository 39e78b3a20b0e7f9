"""The SDK tests drive the same local runtime as the integration tests (its session fixture)."""

from tests.integration.conftest import runtime

__all__ = ["runtime"]
