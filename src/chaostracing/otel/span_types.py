"""The native span types (``_core.ApiSpan``, ``_core.ApiSpanView``) as the
OpenTelemetry API's ``Span``: the API checks ``isinstance()`` against its
abstract classes, nothing more.

They are registered with a subclass of ``Span`` rather than with ``Span``
itself: CPython's ``abc`` never caches a class found in an ABC's own registry,
so each ``isinstance(span, Span)`` — which ``trace.get_current_span()`` runs on
every call — went through a Python-level ``__subclasscheck__`` (twice the cost
of the SDK's call); a class found through a subclass is cached on first use.
"""

from __future__ import annotations

from opentelemetry import trace as trace_api

from chaostracing import _core

__all__ = ["NativeSpan"]


class NativeSpan(trace_api.Span):
    """What the native span types register as (never instantiated)."""


NativeSpan.register(_core.ApiSpan)
NativeSpan.register(_core.ApiSpanView)
