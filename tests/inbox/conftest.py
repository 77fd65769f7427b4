"""Hypothesis settings for the inbox's property-based tests.

Examples are few (each stores a batch, some over HTTP through the sandbox) and
have no deadline (a Postgres COPY or a sandbox round trip varies). No example
database is written into the checkout. ``HYPOTHESIS_PROFILE=thorough`` runs
many more examples when hunting a bug.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = {
    "deadline": None,
    "database": None,
    "print_blob": True,
    # Tests take function-scoped fixtures (a channel, the sandbox) and undo each
    # example's writes themselves (tests/inbox/properties.py `undone`).
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
}
settings.register_profile("socialdesk", max_examples=30, **_COMMON)
settings.register_profile("thorough", max_examples=500, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "socialdesk"))
