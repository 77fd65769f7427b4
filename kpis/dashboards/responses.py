"""The response-time dashboards: overview, channels, people, my figures."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from accounts import access
from accounts.models import Team, User
from kpis import metrics as m
from kpis import selectors as sel
from kpis.dashboards.base import Chart, Column, Dashboard, Headline, Table


def _headline(now: m.Summary, before: m.Summary) -> list[Headline]:
    def pair(label, kind, getter, better=""):
        return Headline(label, kind, getter(now), getter(before), better)

    return [
        pair("Inbound messages", "int", lambda s: s.inbound),
        pair("Conversations needing an answer", "int", lambda s: s.needing_answer),
        pair("Response rate", "share", lambda s: s.response_rate, "higher"),
        pair(
            "Median first response (calendar)", "duration", lambda s: s.frt_calendar.median, "lower"
        ),
        pair(
            "Median first response (staffed hours)",
            "duration",
            lambda s: s.frt_staffed.median,
            "lower",
        ),
        pair(
            "90th percentile first response (staffed hours)",
            "duration",
            lambda s: s.frt_staffed.p90,
            "lower",
        ),
        pair(
            "Answered within 60 minutes (staffed hours)",
            "share",
            lambda s: s.frt_staffed.within_60_share,
            "higher",
        ),
        pair("Resolved", "int", lambda s: s.resolved),
        pair("Escalations raised", "int", lambda s: s.escalations),
    ]


def _daily_table(per_day: dict[date, m.ChannelDayFacts], period: sel.Period) -> Table:
    rows = []
    for day in period.each_day():
        f = per_day.get(day) or m.ChannelDayFacts()
        rows.append(
            [
                day,
                f.inbound,
                f.cycles,
                f.answered,
                m.response_rate_of(f),
                m.percentile(f.frt_calendar, 0.5),
                m.percentile(f.frt_staffed, 0.5),
            ]
        )
    return Table(
        "daily",
        "Day by day",
        [
            Column("Day", "date"),
            Column("Inbound messages", "int"),
            Column("Conversations started", "int"),
            Column("Answered", "int"),
            Column("Response rate", "share"),
            Column("Median first response (calendar)", "duration"),
            Column("Median first response (staffed hours)", "duration"),
        ],
        rows,
        charts=[
            Chart("bar", "Inbound messages and answered conversations per day", (1, 3)),
            Chart("line", "Median first response per day, in minutes", (5, 6), unit="minutes"),
        ],
    )


def _response_table(s: m.Summary) -> Table:
    def row(label: str, st: m.Stats) -> list[Any]:
        return [label, st.count, st.median, st.p90, st.mean, st.within_30_share, st.within_60_share]

    return Table(
        "response",
        "First response time",
        [
            Column("Clock"),
            Column("Answered", "int"),
            Column("Median", "duration"),
            Column("90th percentile", "duration"),
            Column("Mean", "duration"),
            Column("Within 30 minutes", "share"),
            Column("Within 60 minutes", "share"),
        ],
        [row("Calendar", s.frt_calendar), row("Staffed hours", s.frt_staffed)],
        note="From the first inbound message of a conversation (or of its reopening) to the "
        "first reply by a person. Auto-replies do not count. The staffed clock stops outside "
        "staffed hours and on public holidays; a reply sent before opening counts as 0. "
        "Within 30/60 minutes is a share of answered conversations.",
    )


def _outcomes_table(s: m.Summary) -> Table:
    rows = [
        ["Answered by a person", s.answered],
        ["Acknowledged with a like (counted apart)", s.liked],
        ["Closed as no reply needed (counted apart)", s.no_reply_needed],
        ["Closed without an answer", s.closed_unanswered],
        ["Still awaiting an answer", s.awaiting],
        ["Acknowledged by an auto-reply", s.auto_acknowledged],
    ]
    return Table(
        "outcomes",
        "What happened to each conversation",
        [Column("Outcome"), Column("Conversations", "int")],
        rows,
        note=f"Response rate = answered ÷ (answered + closed without an answer + awaiting) "
        f"= {s.answered} ÷ {s.needing_answer}.",
    )


def _resolution_table(s: m.Summary) -> Table:
    def row(label: str, st: m.Stats) -> list[Any]:
        return [label, st.count, st.median, st.p90, st.mean]

    return Table(
        "resolution",
        "Resolution time",
        [
            Column("Clock"),
            Column("Resolved", "int"),
            Column("Median", "duration"),
            Column("90th percentile", "duration"),
            Column("Mean", "duration"),
        ],
        [row("Calendar", s.resolution_calendar), row("Staffed hours", s.resolution_staffed)],
    )


def _escalation_table(s: m.Summary) -> Table:
    st = s.escalation_ack
    return Table(
        "escalations",
        "Escalations",
        [
            Column("Raised", "int"),
            Column("Acknowledged", "int"),
            Column("Median time to acknowledge", "duration"),
            Column("90th percentile time to acknowledge", "duration"),
        ],
        [[s.escalations, st.count, st.median, st.p90]],
    )


def overview(*, scope: sel.Scope, period: sel.Period) -> Dashboard:
    facts = sel.channel_day_facts(channel_ids=scope.channel_ids, period=period)
    per_day: dict[date, list[m.ChannelDayFacts]] = defaultdict(list)
    for day, _channel, f in facts:
        per_day[day].append(f)
    merged_days = {day: m.merge(fs, m.ChannelDayFacts) for day, fs in per_day.items()}
    now = m.summarise(m.merge((f for _d, _c, f in facts), m.ChannelDayFacts))
    # The headline compares first responses only: skip the other time lists.
    before = sel.summary_from_rollups(
        channel_ids=scope.channel_ids,
        period=period.previous(),
        lists=("frt_calendar", "frt_staffed"),
    )
    return Dashboard(
        "overview",
        "Overview",
        [
            _daily_table(merged_days, period),
            _response_table(now),
            _outcomes_table(now),
            _resolution_table(now),
            _escalation_table(now),
        ],
        headline=_headline(now, before),
    )


# --- channels and people ---------------------------------------------------------------


def channels(*, scope: sel.Scope, period: sel.Period) -> Dashboard:
    grouped: dict[int, list[m.ChannelDayFacts]] = defaultdict(list)
    for _day, channel_id, f in sel.channel_day_facts(channel_ids=scope.channel_ids, period=period):
        grouped[channel_id].append(f)
    rows = []
    for channel in scope.channels:
        s = m.summarise(m.merge(grouped.get(channel.pk, []), m.ChannelDayFacts))
        rows.append(
            [
                channel.name,
                s.inbound,
                s.needing_answer,
                s.answered,
                s.response_rate,
                s.frt_calendar.median,
                s.frt_calendar.p90,
                s.frt_staffed.median,
                s.frt_staffed.p90,
                s.frt_staffed.within_30_share,
                s.frt_staffed.within_60_share,
                s.resolved,
                s.resolution_calendar.median,
            ]
        )
    table = Table(
        "channels",
        "Per channel",
        [
            Column("Channel"),
            Column("Inbound messages", "int"),
            Column("Needing an answer", "int"),
            Column("Answered", "int"),
            Column("Response rate", "share"),
            Column("Median first response (calendar)", "duration"),
            Column("90th percentile (calendar)", "duration"),
            Column("Median first response (staffed hours)", "duration"),
            Column("90th percentile (staffed hours)", "duration"),
            Column("Within 30 minutes (staffed hours)", "share"),
            Column("Within 60 minutes (staffed hours)", "share"),
            Column("Resolved", "int"),
            Column("Median resolution (calendar)", "duration"),
        ],
        rows,
        charts=[Chart("bar", "Median first response per channel, in minutes", (5, 7), "minutes")],
    )
    return Dashboard("channels", "Channels", [table])


_PEOPLE_COLUMNS = [
    Column("Handled", "int"),
    Column("Replies sent", "int"),
    Column("Median first response (calendar)", "duration"),
    Column("Median first response (staffed hours)", "duration"),
    Column("Resolved", "int"),
    Column("Median resolution (calendar)", "duration"),
]


def _people_row(label: str, facts: m.OfficerDayFacts) -> list[Any]:
    s = m.summarise_officer(facts)
    return [
        label,
        s.handled,
        s.replies,
        s.frt_calendar.median,
        s.frt_staffed.median,
        s.resolved,
        s.resolution_calendar.median,
    ]


def _teams_in_view(user: User, scope: sel.Scope) -> list[Team]:
    if scope.team is not None:
        return [scope.team]
    return list(sel.teams_for_dashboards(user=user))


def people(*, user: User, scope: sel.Scope, period: sel.Period) -> Dashboard:
    by_user: dict[int, list[m.OfficerDayFacts]] = defaultdict(list)
    for _d, _c, user_id, f in sel.officer_day_facts(channel_ids=scope.channel_ids, period=period):
        by_user[user_id].append(f)
    merged = {uid: m.merge(fs, m.OfficerDayFacts) for uid, fs in by_user.items()}
    users = {u.pk: u for u in User.objects.filter(pk__in=list(merged))}
    officer_rows = sorted(
        (_people_row(str(users[uid]), f) for uid, f in merged.items()), key=lambda r: r[0].lower()
    )
    teams = _teams_in_view(user, scope)
    members = sel.team_members(t.pk for t in teams)
    team_rows = [
        _people_row(
            t.name,
            m.merge((merged[u] for u in members.get(t.pk, []) if u in merged), m.OfficerDayFacts),
        )
        for t in teams
    ]
    return Dashboard(
        "people",
        "Teams and officers",
        [
            Table(
                "officers",
                "Per officer",
                [Column("Officer"), *_PEOPLE_COLUMNS],
                officer_rows,
                note="Handled: conversations this person gave the first reply to.",
                charts=[Chart("bar", "Conversations handled per officer", (1,))],
            ),
            Table(
                "teams",
                "Per team",
                [Column("Team"), *_PEOPLE_COLUMNS],
                team_rows,
                note="A team's figures are its current members' figures on these channels.",
            ),
        ],
    )


def my_figures(*, user: User, period: sel.Period) -> Dashboard:
    """An officer's own figures, on the channels they cover."""
    channel_ids = list(access.channels_visible_to(user).values_list("pk", flat=True))
    facts = sel.officer_day_facts(channel_ids=channel_ids, period=period, user_ids=[user.pk])
    per_day: dict[date, list[m.OfficerDayFacts]] = defaultdict(list)
    for day, _c, _u, f in facts:
        per_day[day].append(f)
    rows = []
    for day in period.each_day():
        s = m.summarise_officer(m.merge(per_day.get(day, []), m.OfficerDayFacts))
        rows.append(
            [day, s.handled, s.replies, s.frt_calendar.median, s.frt_staffed.median, s.resolved]
        )
    total = m.merge((f for *_k, f in facts), m.OfficerDayFacts)
    return Dashboard(
        "me",
        "My figures",
        [
            Table(
                "summary",
                "Summary",
                [Column("Who"), *_PEOPLE_COLUMNS],
                [_people_row(str(user), total)],
            ),
            Table(
                "daily",
                "Day by day",
                [
                    Column("Day", "date"),
                    Column("Handled", "int"),
                    Column("Replies sent", "int"),
                    Column("Median first response (calendar)", "duration"),
                    Column("Median first response (staffed hours)", "duration"),
                    Column("Resolved", "int"),
                ],
                rows,
                charts=[Chart("bar", "Conversations handled and replies sent per day", (1, 2))],
            ),
        ],
    )
