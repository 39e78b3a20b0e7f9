"""Tracktion's local runtime: runs the whole SAM template on one machine without Docker.

It never ships to Lambda. Everything it does is derived from template.yaml.
"""
