"""Conformance: the published documents (../shared/spec), read in place, run against the local runtime."""
