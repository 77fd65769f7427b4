from __future__ import annotations

from ops.version import version


def app_version(request) -> dict:
    """The release shown in every page's footer."""
    return {"socialdesk_version": version()}
