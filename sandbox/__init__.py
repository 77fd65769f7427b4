"""The SocialDesk sandbox network.

A standalone local HTTP server that speaks the subset of the social networks'
APIs SocialDesk uses (X API v2 under ``/x``), with the real JSON shapes,
pagination, rate-limit headers and webhook signatures, plus a control API
under ``/_sandbox/`` for tests, demos and training.

Python standard library only: it must run anywhere the app runs, and it must
never import Django (the app talks to it over HTTP like to a real network).
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
