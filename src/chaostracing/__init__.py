"""chaostracing: distributed tracing for Chaos Toolkit experiments.

Declare ``chaostracing.control`` as a control in an experiment or in the
Chaos Toolkit settings file; each ``chaos run`` then becomes one trace. The
span model, batching and exporters are C++ (``chaostracing._core``).
"""

from __future__ import annotations

from importlib import metadata

try:
    from chaostracing import _core  # noqa: F401
except ImportError as error:  # pragma: no cover - depends on the install
    raise ImportError(
        "chaostracing's native core (chaostracing._core) could not be imported: "
        f"{error}. Reinstall the package with `pip install .` so that it is "
        "compiled for this Python."
    ) from error

try:
    __version__ = metadata.version("chaostoolkit-opentracing")
except metadata.PackageNotFoundError:  # pragma: no cover - source tree only
    __version__ = "unknown"

__all__ = ["__version__"]
