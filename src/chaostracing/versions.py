"""Versions of installed distributions, for resources and scopes."""

from __future__ import annotations

import functools
import sys
from importlib import metadata

__all__ = ["distribution_version"]

# Distributions whose module, already imported in a `chaos run`, says its version: reading
# it costs nothing, where each importlib.metadata lookup scans sys.path (about 1 ms).
_MODULES = {
    "chaostoolkit": "chaostoolkit",
    "chaostoolkit-lib": "chaoslib",
    "chaostoolkit-opentracing": "chaostracing",
}


@functools.cache
def distribution_version(distribution: str) -> str:
    """The installed version of ``distribution``, or "unknown"."""
    module = sys.modules.get(_MODULES.get(distribution, ""))
    version = getattr(module, "__version__", None)
    if isinstance(version, str) and version:
        return version
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"
