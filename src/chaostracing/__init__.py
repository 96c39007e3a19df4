"""chaostracing: distributed tracing for Chaos Toolkit experiments.

Declare ``chaostracing.control`` as a control in an experiment or in the
Chaos Toolkit settings file; each ``chaos run`` then becomes one trace. The
span model, batching and exporters are C++ (``chaostracing._core``).
"""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    # Not at import: Chaos Toolkit imports chaostracing.cli (and so this package) at every
    # `chaos` start, and loading the native core costs ~2 ms that a run without tracing
    # never needs.
    if name == "__version__":
        try:
            from chaostracing import _core
        except ImportError as error:  # pragma: no cover - depends on the install
            raise ImportError(
                "chaostracing's native core (chaostracing._core) could not be imported: "
                f"{error}. Reinstall the package with `pip install .` so that it is "
                "compiled for this Python."
            ) from error
        # The build puts the distribution's version into the core (a metadata lookup ~1 ms).
        return str(_core.__version__)
    raise AttributeError(f"module 'chaostracing' has no attribute {name!r}")
