"""chaostracing: distributed tracing for Chaos Toolkit experiments.

Declare ``chaostracing.control`` as a control in an experiment or in the
Chaos Toolkit settings file; each ``chaos run`` then becomes one trace. The
span model, batching and exporters are C++ (``chaostracing._core``).
"""

from __future__ import annotations

try:
    from chaostracing import _core
except ImportError as error:  # pragma: no cover - depends on the install
    raise ImportError(
        "chaostracing's native core (chaostracing._core) could not be imported: "
        f"{error}. Reinstall the package with `pip install .` so that it is "
        "compiled for this Python."
    ) from error

# The build puts the distribution's version into the core (a metadata lookup costs ~1 ms).
__version__: str = _core.__version__

__all__ = ["__version__"]
