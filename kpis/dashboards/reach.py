"""Demand and cover, audience and channel shift (engagement: ``engagement``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Max

from escalation.clock import staffed_intervals
from escalation.selectors import schedules_by_channel
from kpis import metrics as m
from kpis import selectors as sel
from kpis.dashboards.base import WEEKDAYS, Chart, Column, Dashboard, Table
from kpis.models import FollowerSnapshot
from kpis.rollups import kpi_zone


def staffed_grid(*, channel_ids: Sequence[int], period: sel.Period) -> list[list[float]]:
    """Staffed seconds per [weekday][local hour] over the period, summed over channels."""
    zone = kpi_zone()
    start, end = m.day_bounds(period.first, period.last, zone)
    schedules = schedules_by_channel(channel_ids=channel_ids)
    grid = [[0.0] * 24 for _ in range(7)]
    for channel_id in channel_ids:
        intervals = staffed_intervals(hours=schedules.get(channel_id), start=start, end=end)
        for day, hour, seconds in m.hour_pieces(intervals, zone):
            grid[day.weekday()][hour] += seconds
    return grid


def cover(*, scope: sel.Scope, period: sel.Period) -> Dashboard:
    facts = sel.channel_day_facts(channel_ids=scope.channel_ids, period=period)
    inbound = m.by_hour_of_week((day, f.inbound_by_hour) for day, _c, f in facts)
    staffed = staffed_grid(channel_ids=scope.channel_ids, period=period)
    weekday_count = [0] * 7
    for day in period.each_day():
        weekday_count[day.weekday()] += 1
    channels_n = max(1, len(scope.channel_ids))
    rows = []
    for weekday in range(7):
        possible = 3600 * weekday_count[weekday] * channels_n
        for hour in range(24):
            cover_share = staffed[weekday][hour] / possible if possible else None
            rows.append([WEEKDAYS[weekday], f"{hour:02d}:00", inbound[weekday][hour], cover_share])
    by_hour = [
        [
            f"{hour:02d}:00",
            sum(inbound[d][hour] for d in range(7)),
            _share_of(sum(staffed[d][hour] for d in range(7)), 3600 * period.days * channels_n),
        ]
        for hour in range(24)
    ]
    per_day: dict[date, int] = defaultdict(int)
    for day, _c, f in facts:
        per_day[day] += f.inbound
    peaks = _peaks(per_day, rows)
    columns = [
        Column("Day of week"),
        Column("Hour"),
        Column("Inbound messages", "int"),
        Column("Staffed share", "share"),
    ]
    return Dashboard(
        "cover",
        "Demand and cover",
        [
            Table(
                "week",
                "Inbound messages by hour of the week, beside staffed hours",
                columns,
                rows,
                display="heatmap",
                note="Each cell: messages received in that hour (local time) over the period, "
                "and how much of that hour was staffed.",
            ),
            peaks,
            Table(
                "hours",
                "By hour of day",
                [
                    Column("Hour"),
                    Column("Inbound messages", "int"),
                    Column("Staffed share", "share"),
                ],
                by_hour,
                charts=[
                    Chart("bar", "Inbound messages by hour of day", (1,)),
                    Chart("line", "Share of each hour that was staffed", (2,), "percent"),
                ],
            ),
        ],
    )


def _peaks(per_day: dict[date, int], week_rows: list[list[Any]]) -> Table:
    rows: list[list[Any]] = []
    if per_day and max(per_day.values()):
        day = max(sorted(per_day), key=lambda d: per_day[d])
        rows.append(["Busiest day", f"{day:%A %-d %B %Y}", per_day[day], None])
    busiest = max(week_rows, key=lambda r: r[2], default=None)
    if busiest is not None and busiest[2]:
        rows.append(
            ["Busiest hour of the week", f"{busiest[0]} {busiest[1]}", busiest[2], busiest[3]]
        )
    return Table(
        "peaks",
        "Peaks",
        [
            Column("Peak"),
            Column("When"),
            Column("Inbound messages", "int"),
            Column("Staffed share", "share"),
        ],
        rows,
        note="Busiest hour of the week adds up the same hour over every week in the period.",
    )


def _share_of(part: float, whole: float) -> float | None:
    return part / whole if whole else None


# --- audience ------------------------------------------------------------------------------


def audience(*, scope: sel.Scope, period: sel.Period) -> Dashboard:
    zone = kpi_zone()
    start, end = m.day_bounds(period.first, period.last, zone)
    snaps: dict[int, list[tuple]] = defaultdict(list)
    for channel_id, taken_at, followers in (
        FollowerSnapshot.objects.filter(
            channel_id__in=scope.channel_ids, taken_at__gte=start, taken_at__lt=end
        )
        .order_by("channel_id", "taken_at")
        .values_list("channel_id", "taken_at", "followers")
    ):
        snaps[channel_id].append((taken_at, followers))
    before = _last_counts_before(scope.channel_ids, start)
    names = {c.pk: c.name for c in scope.channels}
    day_rows, summary_rows = [], []
    by_day: dict[date, dict[int, int]] = defaultdict(dict)
    for channel in scope.channels:
        days = m.audience_days(snaps.get(channel.pk, []), zone, before=before.get(channel.pk))
        for d in days:
            day_rows.append([d.day, names[channel.pk], d.followers, d.gained, d.lost])
            by_day[d.day][channel.pk] = d.followers
        own = snaps.get(channel.pk, [])
        first = before.get(channel.pk, own[0][1] if own else None)
        last = days[-1].followers if days else first
        gained, lost = sum(d.gained for d in days), sum(d.lost for d in days)
        summary_rows.append([channel.name, first, last, gained, lost, gained - lost])
    chart_rows = [
        [day, *(by_day.get(day, {}).get(c.pk) for c in scope.channels)] for day in period.each_day()
    ]
    return Dashboard(
        "audience",
        "Audience",
        [
            Table(
                "channels",
                "Followers per channel",
                [
                    Column("Channel"),
                    Column("Followers at start", "int"),
                    Column("Followers at end", "int"),
                    Column("Gained", "int"),
                    Column("Lost (unfollows)", "int"),
                    Column("Net change", "int"),
                ],
                summary_rows,
                note="Gained and lost add up the rises and falls between follower counts "
                "fetched through the day, so they are lower bounds: a follow and an unfollow "
                "between two fetches cancel out.",
            ),
            Table(
                "followers",
                "Followers at the end of each day",
                [Column("Day", "date"), *(Column(c.name, "int") for c in scope.channels)],
                chart_rows,
                charts=[
                    Chart(
                        "line",
                        "Followers at the end of each day",
                        tuple(range(1, len(scope.channels) + 1)),
                    )
                ],
            ),
            Table(
                "daily",
                "Gained and lost per day",
                [
                    Column("Day", "date"),
                    Column("Channel"),
                    Column("Followers", "int"),
                    Column("Gained", "int"),
                    Column("Lost (unfollows)", "int"),
                ],
                day_rows,
            ),
        ],
    )


def _last_counts_before(channel_ids: Sequence[int], start) -> dict[int, int]:
    latest = (
        FollowerSnapshot.objects.filter(channel_id__in=list(channel_ids), taken_at__lt=start)
        .values("channel_id")
        .annotate(last=Max("taken_at"))
    )
    wanted = {(r["channel_id"], r["last"]) for r in latest}
    if not wanted:
        return {}
    rows = FollowerSnapshot.objects.filter(
        channel_id__in=[c for c, _ in wanted], taken_at__in=[t for _, t in wanted]
    ).values_list("channel_id", "taken_at", "followers")
    return {c: f for c, t, f in rows if (c, t) in wanted}


# --- channel shift ------------------------------------------------------------------------


def channel_shift(*, scope: sel.Scope, period: sel.Period) -> Dashboard:
    s = sel.summary_from_rollups(channel_ids=scope.channel_ids, period=period)
    costs = sel.channel_shift_costs()
    contacts = s.resolved_after_answer
    on_social = costs.social * contacts
    by_phone = costs.phone * contacts
    face = costs.face_to_face * contacts
    cur = costs.currency
    rows = [
        ["Social media (actual channel)", costs.social, on_social, Decimal("0.00")],
        ["Phone (had they called)", costs.phone, by_phone, by_phone - on_social],
        ["Face to face (had they visited)", costs.face_to_face, face, face - on_social],
    ]
    return Dashboard(
        "shift",
        "Channel shift",
        [
            Table(
                "contacts",
                "Contacts resolved on social media",
                [Column("Measure"), Column("Conversations", "int")],
                [["Answered by a person and resolved", contacts]],
            ),
            Table(
                "savings",
                "Estimated cost and saving",
                [
                    Column("Channel"),
                    Column(f"Estimated cost per contact ({cur})", "money"),
                    Column(f"Estimated cost of these contacts ({cur})", "money"),
                    Column(f"Estimated saving by using social media ({cur})", "money"),
                ],
                rows,
                note="Estimates: costs per contact are set by an admin (defaults from Socitm's "
                "2011 channel-value benchmark, which counts information-only contacts). "
                "Do not quote them as measured savings.",
                charts=[Chart("bar", "Estimated cost of these contacts by channel", (2,), "money")],
            ),
        ],
    )
