"""Every dashboard as data: tables (shown, exported as CSV, served by the
API) and the charts drawn from them. A chart is always drawn from a table
that is on the page too, so the table is its accessible alternative.

``base`` has the shapes; ``responses`` the response-time dashboards
(overview, channels, people, my figures); ``reach`` demand and cover,
audience and channel shift; ``posts`` engagement of everything we publish."""

from __future__ import annotations

from accounts.models import User
from kpis import selectors as sel
from kpis.dashboards.base import (
    Chart,
    Column,
    Dashboard,
    Headline,
    Table,
    duration_text,
)
from kpis.dashboards.posts import engagement
from kpis.dashboards.reach import audience, channel_shift, cover, staffed_grid
from kpis.dashboards.responses import channels, my_figures, overview, people

BUILDERS = {
    "overview": overview,
    "channels": channels,
    "cover": cover,
    "engagement": engagement,
    "audience": audience,
    "shift": channel_shift,
}


def dashboard_build(name: str, *, user: User, scope: sel.Scope, period: sel.Period) -> Dashboard:
    if name == "people":
        return people(user=user, scope=scope, period=period)
    return BUILDERS[name](scope=scope, period=period)


__all__ = [
    "BUILDERS",
    "Chart",
    "Column",
    "Dashboard",
    "Headline",
    "Table",
    "audience",
    "channel_shift",
    "channels",
    "cover",
    "dashboard_build",
    "duration_text",
    "engagement",
    "my_figures",
    "overview",
    "people",
    "staffed_grid",
]
