"""Tracktion's domain package: tracklists, their sources, CUE sheets, the catalog and identity.

Nothing here knows about API Gateway except the `tracktion.api` edge package, which adapts
HTTP events to calls of the domain modules.
"""

__version__ = "0.1.0"
