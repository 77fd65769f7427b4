"""KPI overview speed: from the daily rollups, from raw events, and as one
bare SQL aggregate of the same numbers, in the same run.

    python bench/kpis.py [N_MESSAGES]     (default 1000000; DATABASE_URL=postgres://...)

Seeds N messages (citizens' inbound and our replies) with their events over
90 days on four channels (three staffed Mon-Fri 08:00-18:00 with English
bank holidays, one 24/7), written with COPY. Then rebuilds the rollups and
times, for the last 30 days and all channels:
  - the overview dashboard from rollups (summary, previous period, daily table);
  - the same summary computed from raw events (``summary_from_events``);
  - a bare SQL statement computing the same numbers in the database (cycles
    by window functions, percentile_cont, the staffed clock from a temp
    table of staffed intervals with running totals).
Goal: overview under 300 ms from rollups; raw within 2x of the bare SQL.
"""

from __future__ import annotations

import json
import math
import os
import random
import statistics
import sys
from datetime import UTC, date, datetime, timedelta

from _db import Timer, bench_database

DAYS = 90
CHANNELS = 4
STAFFED = 3  # the first three channels keep office hours
OFFICERS = 20
SEED = 11


# --- seeding -------------------------------------------------------------------------------


def _defaults(model, given: tuple[str, ...]) -> tuple[tuple[str, ...], tuple]:
    """Columns (and constant values) for every other NOT NULL field with a
    default, so the bench keeps working when other apps add fields."""
    extra_cols, extra_vals = [], []
    for f in model._meta.concrete_fields:
        if f.column in given or f.primary_key or f.null:
            continue
        value = f.get_default()  # "" for text fields without a default
        if value is None:
            continue
        extra_cols.append(f.column)
        extra_vals.append(json.dumps(value) if isinstance(value, dict | list) else value)
    return given + tuple(extra_cols), tuple(extra_vals)


class Seeder:
    def __init__(self, n_messages: int, today: date, zone):
        self.n = n_messages
        self.rng = random.Random(SEED)
        self.first_day = today - timedelta(days=DAYS - 1)
        self.zone = zone
        self.messages: list[tuple] = []
        self.events: list[tuple] = []
        self.conversations: list[tuple] = []
        self.message_id = 0

    def _when(self) -> datetime:
        day = self.first_day + timedelta(days=self.rng.randrange(DAYS))
        hour = min(23, max(0, int(self.rng.gauss(13, 4.5))))
        local = datetime(day.year, day.month, day.day, hour, self.rng.randrange(60),
                         self.rng.randrange(60), tzinfo=self.zone)  # fmt: skip
        return local.astimezone(UTC)

    def _message(self, conv, channel, direction, at, *, user=None, automated=False, contact=None):
        self.message_id += 1
        mid = self.message_id
        out = direction == "out"
        self.messages.append(
            (mid, conv, channel, direction, "reply" if out else "mention", f"m{mid}", "",
             None if out else contact, user, f"Message {mid} about the bins", at, at, "{}", "{}",
             "sent" if out else "received", automated, 0, "")
        )  # fmt: skip
        if out:
            data = {"external_id": f"m{mid}", "automated": automated, "reconciled": False}
            self.events.append(("message.sent", at, user, channel, conv, mid, json.dumps(data)))
        else:
            data = {"external_id": f"m{mid}", "kind": "mention", "sent_at": at.isoformat()}
            self.events.append(
                ("message.received", at + timedelta(seconds=20), None, channel, conv, mid,
                 json.dumps(data))
            )  # fmt: skip
        return mid

    def _status(self, conv, channel, at, to, *, user=None, reason=None, previous="open"):
        data = {"from": previous, "to": to}
        if reason:
            data["reason"] = reason
        self.events.append(("conversation.status_changed", at, user, channel, conv, None,
                            json.dumps(data)))  # fmt: skip

    def _cycle(self, conv, channel, contact, start, last: bool) -> datetime:
        rng, t = self.rng, start
        for i in range(rng.choices((1, 2, 3), (60, 30, 10))[0]):
            t = start + timedelta(minutes=i * rng.randint(1, 20))
            self._message(conv, channel, "in", t, contact=contact)
        officer = rng.randint(1, OFFICERS)
        r = rng.random()
        if rng.random() < 0.1:
            self._message(conv, channel, "out", start + timedelta(seconds=45), automated=True)
        if r < 0.78:
            delay = min(72 * 60, math.exp(rng.gauss(3.7, 1.3)))
            t = t + timedelta(seconds=int(delay * 60) + 60)
            self._message(conv, channel, "out", t, user=officer)
            if rng.random() < 0.7 or not last:
                t += timedelta(minutes=rng.randint(1, 120))
                self._status(conv, channel, t, "resolved", user=officer)
        elif r < 0.83 or (r >= 0.92 and not last):
            self.events.append(("message.liked", t + timedelta(minutes=3), officer, channel,
                                conv, None, json.dumps({"target": "x"})))  # fmt: skip
            if not last:
                self._status(conv, channel, t + timedelta(minutes=4), "resolved", user=officer)
        elif r < 0.87:
            t += timedelta(minutes=rng.randint(5, 90))
            self._status(conv, channel, t, "resolved", user=officer, reason="no_reply_needed")
        elif r < 0.92:
            t += timedelta(minutes=rng.randint(5, 600))
            self._status(conv, channel, t, "resolved", user=officer)
        return t

    def run(self) -> None:
        conv = 0
        while self.message_id < self.n:
            conv += 1
            channel = self.rng.randint(1, CHANNELS)
            contact = self.rng.randint(1, 50_000)
            start = self._when()
            two = self.rng.random() < 0.15
            t = self._cycle(conv, channel, contact, start, last=not two)
            if two:
                again = t + timedelta(hours=self.rng.randint(2, 200))
                self._cycle(conv, channel, contact, again, last=True)
                reopen = again + timedelta(seconds=20)
                self._status(conv, channel, reopen, "open", previous="resolved",
                             reason="new inbound message")  # fmt: skip
            self.conversations.append((conv, channel, contact, "public", f"t{conv}", "open", 1,
                                       start, "", start, start))  # fmt: skip
        # Stored order is time order, as in production.
        self.events.sort(key=lambda e: (e[4], e[1]))


def seed(n_messages: int, today: date, zone) -> dict[str, int]:
    from django.db import connection

    from accounts.models import User
    from events.models import Event
    from inbox.models import Channel, Contact, Conversation, Message
    from inbox.services.bulk import insert_rows

    s = Seeder(n_messages, today, zone)
    s.run()
    for i in range(1, CHANNELS + 1):
        Channel.objects.create(network="x", name=f"Bench {i}", handle=f"@bench{i}",
                               external_account_id=str(900 + i))  # fmt: skip
    User.objects.bulk_create([User(username=f"officer{i}") for i in range(1, OFFICERS + 1)])
    now = datetime.now(UTC)
    cols, extra = _defaults(Contact, ("id", "network", "external_id", "created_at", "updated_at"))
    insert_rows(Contact._meta.db_table, cols,
                [(i, "x", str(i), now, now, *extra) for i in range(1, 50_001)])  # fmt: skip
    cols, extra = _defaults(Conversation, (
        "id", "channel_id", "contact_id", "kind", "thread_key", "status", "priority",
        "last_message_at", "last_message_preview", "last_inbound_at", "created_at"))  # fmt: skip
    insert_rows(Conversation._meta.db_table, cols, [r + extra for r in s.conversations])
    cols, extra = _defaults(Message, (
        "id", "conversation_id", "channel_id", "direction", "kind", "external_id",
        "in_reply_to_external_id", "author_contact_id", "author_user_id", "text", "sent_at",
        "received_at", "metrics", "raw", "state", "is_automated", "attempts", "last_error"))  # fmt: skip
    insert_rows(Message._meta.db_table, cols, [r + extra for r in s.messages],
                nullable=("author_contact_id", "author_user_id"))  # fmt: skip
    cols, extra = _defaults(Event, ("type", "at", "actor_id", "channel_id", "conversation_id",
                                    "message_id", "data"))  # fmt: skip
    insert_rows(Event._meta.db_table, cols, [r + extra for r in s.events],
                nullable=("actor_id", "message_id"))  # fmt: skip
    with connection.cursor() as cur:
        for table in ("inbox_contact", "inbox_conversation", "inbox_message"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))")  # fmt: skip
        cur.execute("ANALYZE")
    _office_hours()
    return {"messages": len(s.messages), "events": len(s.events),
            "conversations": len(s.conversations)}  # fmt: skip


def _office_hours() -> None:
    from datetime import time

    from escalation.models import OpeningInterval, StaffedHours

    for channel_id in range(1, STAFFED + 1):
        hours = StaffedHours.objects.create(channel_id=channel_id, holiday_region="GB-ENG")
        OpeningInterval.objects.bulk_create(
            [OpeningInterval(hours=hours, weekday=d, start=time(8), end=time(18)) for d in range(5)]
        )


# --- the bare SQL -----------------------------------------------------------------------------

BARE_SQL = """
WITH conv AS (
  SELECT DISTINCT conversation_id FROM inbox_message
  WHERE direction = 'in' AND sent_at >= %(start)s AND sent_at < %(end)s
    AND channel_id = ANY(%(channels)s)
), ev AS (
  SELECT e.conversation_id, e.channel_id, e.type, e.at, e.id, e.actor_id,
         COALESCE(m.sent_at, e.at) AS t, e.data->>'automated' AS automated,
         e.data->>'to' AS to_status, e.data->>'reason' AS reason
  FROM inbox_event e JOIN conv USING (conversation_id)
  LEFT JOIN inbox_message m ON m.id = e.message_id
  WHERE e.type IN ('message.received', 'message.sent', 'message.seen_outbound',
                   'message.liked', 'conversation.status_changed')
), numbered AS (
  SELECT ev.*, COALESCE(SUM((type = 'conversation.status_changed' AND to_status = 'resolved')::int)
           OVER (PARTITION BY conversation_id ORDER BY at, id
                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS seq
  FROM ev
), started AS (
  SELECT numbered.*,
         MIN(CASE WHEN type = 'message.received' THEN t END)
           OVER (PARTITION BY conversation_id, seq) AS start,
         MIN(CASE WHEN type = 'message.received' THEN at END)
           OVER (PARTITION BY conversation_id, seq) AS opened_at
  FROM numbered
), cycles AS (
  SELECT conversation_id, seq, MIN(channel_id) AS channel_id, MIN(start) AS start,
    MIN(CASE WHEN type = 'message.sent' AND automated IS DISTINCT FROM 'true' AND at >= start
             THEN at WHEN type = 'message.seen_outbound' AND t >= start THEN t END) AS fr,
    MIN(CASE WHEN type = 'message.sent' AND automated = 'true' AND at >= opened_at THEN at END)
      AS auto_ack,
    BOOL_OR(type = 'message.liked' AND at >= opened_at) AS liked,
    MAX(CASE WHEN type = 'conversation.status_changed' AND to_status = 'resolved'
             AND at >= opened_at THEN at END) AS resolved_at,
    MAX(CASE WHEN type = 'conversation.status_changed' AND to_status = 'resolved'
             AND at >= opened_at THEN reason END) AS reason
  FROM started GROUP BY conversation_id, seq
), timed AS (
  SELECT c.*, floor(extract(epoch FROM fr - start)) AS frt,
    floor(extract(epoch FROM resolved_at - start)) AS res,
    CASE WHEN fr IS NULL THEN NULL WHEN c.channel_id = ANY(%(staffed)s) THEN
      floor(staffed(c.channel_id, fr) - staffed(c.channel_id, start))
      ELSE floor(extract(epoch FROM fr - start)) END AS frt_st,
    CASE WHEN resolved_at IS NULL THEN NULL WHEN c.channel_id = ANY(%(staffed)s) THEN
      floor(staffed(c.channel_id, resolved_at) - staffed(c.channel_id, start))
      ELSE floor(extract(epoch FROM resolved_at - start)) END AS res_st
  FROM cycles c
  WHERE start >= %(start)s AND start < %(end)s AND channel_id = ANY(%(channels)s)
)
SELECT
  (SELECT count(*) FROM ev WHERE type = 'message.received' AND t >= %(start)s AND t < %(end)s),
  count(*), count(fr),
  count(*) FILTER (WHERE fr IS NULL AND liked),
  count(*) FILTER (WHERE fr IS NULL AND NOT liked AND resolved_at IS NOT NULL
                   AND reason = 'no_reply_needed'),
  count(*) FILTER (WHERE fr IS NULL AND NOT liked AND resolved_at IS NOT NULL
                   AND reason IS DISTINCT FROM 'no_reply_needed'),
  count(*) FILTER (WHERE fr IS NULL AND NOT liked AND resolved_at IS NULL),
  count(*) FILTER (WHERE auto_ack IS NOT NULL AND (fr IS NULL OR auto_ack < fr)),
  percentile_cont(0.5) WITHIN GROUP (ORDER BY frt), percentile_cont(0.9) WITHIN GROUP (ORDER BY frt),
  avg(frt), count(*) FILTER (WHERE frt <= 1800), count(*) FILTER (WHERE frt <= 3600),
  percentile_cont(0.5) WITHIN GROUP (ORDER BY frt_st),
  percentile_cont(0.9) WITHIN GROUP (ORDER BY frt_st),
  avg(frt_st), count(*) FILTER (WHERE frt_st <= 1800), count(*) FILTER (WHERE frt_st <= 3600),
  count(resolved_at), count(*) FILTER (WHERE resolved_at IS NOT NULL AND fr IS NOT NULL),
  percentile_cont(0.5) WITHIN GROUP (ORDER BY res), percentile_cont(0.5) WITHIN GROUP (ORDER BY res_st)
FROM timed
"""

STAFFED_FUNCTION = """
CREATE TEMP TABLE bench_staffed (channel_id bigint, s timestamptz, e timestamptz, cum float8);
CREATE INDEX ON bench_staffed (channel_id, s);
CREATE OR REPLACE FUNCTION staffed(ch bigint, t timestamptz) RETURNS float8 LANGUAGE sql STABLE AS $$
  SELECT COALESCE((SELECT cum + extract(epoch FROM least(t, e) - s) FROM bench_staffed
                   WHERE channel_id = ch AND s <= t ORDER BY s DESC LIMIT 1), 0)
$$;
"""


def bare_sql_prepare(start: datetime, horizon: datetime) -> None:
    """The staffed intervals (from the business clock) as a temp table with
    running totals: a database could keep this table for real."""
    from django.db import connection

    from escalation.clock import staffed_intervals
    from escalation.selectors import schedules_by_channel

    schedules = schedules_by_channel()
    rows = []
    for channel_id, schedule in schedules.items():
        total = 0.0
        for s, e in staffed_intervals(hours=schedule, start=start, end=horizon):
            rows.append((channel_id, s, e, total))
            total += (e - s).total_seconds()
    with connection.cursor() as cur:
        cur.execute(STAFFED_FUNCTION)
        cur.executemany("INSERT INTO bench_staffed VALUES (%s, %s, %s, %s)", rows)
        cur.execute("ANALYZE bench_staffed")


def bare_sql(start: datetime, end: datetime, channels: list[int], staffed: list[int]) -> tuple:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(BARE_SQL, {"start": start, "end": end, "channels": channels,
                               "staffed": staffed})  # fmt: skip
        return cur.fetchone()


def summary_tuple(s) -> tuple:
    return (
        s.inbound, s.cycles, s.answered, s.liked, s.no_reply_needed, s.closed_unanswered,
        s.awaiting, s.auto_acknowledged, s.frt_calendar.median, s.frt_calendar.p90,
        s.frt_calendar.mean, s.frt_calendar.within_30, s.frt_calendar.within_60,
        s.frt_staffed.median, s.frt_staffed.p90, s.frt_staffed.mean, s.frt_staffed.within_30,
        s.frt_staffed.within_60, s.resolved, s.resolved_after_answer,
        s.resolution_calendar.median, s.resolution_staffed.median,
    )  # fmt: skip


def _same(a: tuple, b: tuple) -> bool:
    return all(
        (x is None and y is None)
        or (
            x is not None
            and y is not None
            and abs(float(x) - float(y)) < 1e-6 * max(1, abs(float(x)))
        )
        for x, y in zip(a, b, strict=True)
    )


def best_of(fn, runs: int = 5) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        with Timer() as t:
            result = fn()
        times.append(t.seconds * 1000)
    return statistics.median(times), result


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    # The smoke test names its own database, so it never drops a running bench's.
    with bench_database(os.environ.get("KPI_BENCH_NAME", "kpis")):
        from inbox.models import Channel
        from kpis import dashboards, rollups
        from kpis import selectors as sel
        from kpis.metrics import day_bounds

        zone = rollups.kpi_zone()
        today = sel.today_local()
        with Timer() as seeding:
            counts = seed(n, today, zone)
        with Timer() as rebuild:
            rollups.rollups_recompute(
                first=today - timedelta(days=DAYS - 1), last=today + timedelta(days=20)
            )
        channels = list(range(1, CHANNELS + 1))
        period = sel.Period(today - timedelta(days=29), today)
        scope = sel.Scope(channels=tuple(Channel.objects.filter(pk__in=channels).order_by("name")))
        overview_ms, _ = best_of(lambda: dashboards.overview(scope=scope, period=period))
        rollup_ms, from_rollups = best_of(
            lambda: sel.summary_from_rollups(channel_ids=channels, period=period)
        )
        raw_ms, from_raw = best_of(
            lambda: sel.summary_from_events(channel_ids=channels, period=period), runs=3
        )
        start, end = day_bounds(period.first, period.last, zone)
        bare_sql_prepare(start - timedelta(days=1), datetime.now(UTC) + timedelta(days=40))
        bare_ms, bare = best_of(
            lambda: bare_sql(start, end, channels, list(range(1, STAFFED + 1))), runs=3
        )
    rollups_match = from_rollups == from_raw
    numbers_match = _same(summary_tuple(from_raw), tuple(bare))
    ratio = raw_ms / bare_ms
    print(
        f"seeded: {counts['messages']:,} messages, {counts['events']:,} events, "
        f"{counts['conversations']:,} conversations over {DAYS} days ({seeding.seconds:.0f} s)"
    )
    print(f"rollups rebuilt for {DAYS + 20} days in {rebuild.seconds:.1f} s")
    print(f"30-day overview dashboard from rollups: {overview_ms:8.1f} ms")
    print(
        f"30-day summary from rollups:            {rollup_ms:8.1f} ms  (same as raw: {rollups_match})"
    )
    print(f"30-day summary from raw events:         {raw_ms:8.1f} ms")
    print(
        f"bare SQL aggregate of the same numbers: {bare_ms:8.1f} ms  (same numbers: {numbers_match})"
    )
    print(f"  cycles {from_raw.cycles:,}, answered {from_raw.answered:,}, median FRT "
          f"{from_raw.frt_calendar.median / 60:.1f} min calendar / "
          f"{from_raw.frt_staffed.median / 60:.1f} min staffed")  # fmt: skip
    print(json.dumps({
        "bench": "kpis", **counts, "days": DAYS,
        "rollup_rebuild_s": round(rebuild.seconds, 2),
        "overview_rollups_ms": round(overview_ms, 1), "summary_rollups_ms": round(rollup_ms, 1),
        "summary_raw_ms": round(raw_ms, 1), "bare_sql_ms": round(bare_ms, 1),
        "rollups_equal_raw": rollups_match, "raw_equals_bare_sql": numbers_match,
        "ratio": round(ratio, 3),
        "goal": "overview < 300 ms from rollups; raw within 2x of bare SQL",
        "goal_met": overview_ms < 300 and ratio <= 2,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
