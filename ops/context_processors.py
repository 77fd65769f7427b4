from __future__ import annotations

from django.conf import settings

from ops.version import version


def app_version(request) -> dict:
    """The release and the source link shown in every page's footer."""
    return {
        "socialdesk_version": version(),
        "socialdesk_source_url": settings.SOCIALDESK_SOURCE_URL,
    }
