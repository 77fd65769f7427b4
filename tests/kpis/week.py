"""A hand-built week of inbox activity whose KPIs are known exactly.

Channel A is staffed Mon-Fri 08:00-18:00 Europe/London with English bank
holidays. The week is Saturday 28 March to Friday 3 April 2026 (local days):
the clocks go forward at 01:00 GMT on Sunday 29 March, Good Friday (3 April)
and Easter Monday (6 April) are bank holidays. Times below are London wall
time; GMT until 29 March 01:00, BST (UTC+1) after.

Rows and events are written as the inbox services write them (ingest stores
an inbound message ~30 s after the network's timestamp; delivery writes
``message.sent`` when the reply reached the network; likes, resolutions and
reopenings write their events).

Expected first responses (calendar min / staffed min):

  C1  Sat 28 10:00 GMT -> Mon 30 08:30 BST             2730 / 30   officer
  C2  Sat 28 23:00 GMT -> Sun 29 09:00 BST (after DST)  540 /  0   teammate (auto-reply first)
  C3  Mon 30 09:00 (+ follow-up 09:05) -> 09:10          10 / 10   officer, resolved 09:30
  C4  Mon 30 17:50 -> Tue 31 08:20                      870 / 30   officer
  C5  Mon 30 19:00 -> Tue 31 09:00 (Orlo's example)     840 / 60   officer
  C6  Tue 31 00:30 BST (Mon 23:30 UTC) -> 07:00         390 /  0   teammate (before opening)
  C7  Wed 1 11:00 name-check, liked 11:05               counted apart (liked)
  C8  Wed 1 14:00, closed 14:30 as no reply needed       counted apart
  C9  Thu 2 10:00, closed 12:00 without a reply          unanswered
  C10 Fri 3 10:00 (Good Friday) -> Tue 7 Apr 08:15     5655 / 15   teammate
  C11 Thu 2 16:00 -> 16:45, resolved 17:00               45 / 45   teammate
  C12 Thu 2 09:00 -> 09:20, resolved 09:30               20 / 20   officer
      reopened by 13:00 -> 14:30                          90 / 90   teammate
  C13 Fri 3 12:00, auto-reply only                       awaiting (auto-acknowledged)
"""

from __future__ import annotations

import itertools
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from escalation.models import OpeningInterval, StaffedHours
from events.models import Event
from inbox.models import Conversation, DeliveryState, Direction, Message
from tests.factories import ContactFactory, ConversationFactory

LONDON = ZoneInfo("Europe/London")
_ids = itertools.count(1)

FRT_CALENDAR_MIN = [2730, 540, 10, 870, 840, 390, 5655, 45, 20, 90]
FRT_STAFFED_MIN = [30, 0, 10, 30, 60, 0, 15, 45, 20, 90]


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def office_hours(channel) -> StaffedHours:
    hours = StaffedHours.objects.create(
        channel=channel, time_zone="Europe/London", holiday_region="GB-ENG"
    )
    OpeningInterval.objects.bulk_create(
        [OpeningInterval(hours=hours, weekday=d, start=time(8), end=time(18)) for d in range(5)]
    )
    return hours


class Story:
    """Writes messages and events the way the inbox services do."""

    def __init__(self, channel):
        self.channel = channel

    def conversation(self) -> Conversation:
        return ConversationFactory(
            channel=self.channel,
            contact=ContactFactory(),
            last_message_at=london(2026, 3, 28),
        )

    def inbound(self, conv: Conversation, sent_at: datetime, *, stored_at=None) -> Message:
        n = next(_ids)
        msg = Message.objects.create(
            conversation=conv,
            channel=self.channel,
            direction=Direction.IN,
            kind="mention",
            external_id=f"in-{n}",
            author_contact=conv.contact,
            text=f"Message {n}",
            sent_at=sent_at,
        )
        Event.objects.create(
            type="message.received",
            at=stored_at or sent_at + timedelta(seconds=30),
            channel=self.channel,
            conversation=conv,
            message=msg,
            data={
                "external_id": msg.external_id,
                "kind": "mention",
                "sent_at": sent_at.isoformat(),
            },
        )
        return msg

    def reply(self, conv: Conversation, at: datetime, *, by=None, automated: bool = False):
        n = next(_ids)
        msg = Message.objects.create(
            conversation=conv,
            channel=self.channel,
            direction=Direction.OUT,
            kind="reply",
            external_id=f"out-{n}",
            author_user=None if automated else by,
            text=f"Reply {n}",
            sent_at=at,
            state=DeliveryState.SENT,
            is_automated=automated,
            sent_by_network_at=at,
        )
        Event.objects.create(
            type="message.sent",
            at=at,
            actor=None if automated else by,
            channel=self.channel,
            conversation=conv,
            message=msg,
            data={
                "external_id": msg.external_id,
                "automated": automated,
                "reconciled": False,
                "attempts": 1,
            },
        )
        return msg

    def like(self, conv: Conversation, at: datetime, *, by, target: Message) -> None:
        Event.objects.create(
            type="message.liked",
            at=at,
            actor=by,
            channel=self.channel,
            conversation=conv,
            data={"target": target.external_id},
        )

    def status(self, conv, at, *, by=None, to="resolved", previous="open", reason=None) -> None:
        data = {"from": previous, "to": to}
        if reason:
            data["reason"] = reason
        Event.objects.create(
            type="conversation.status_changed",
            at=at,
            actor=by,
            channel=self.channel,
            conversation=conv,
            data=data,
        )


def build_week(channel, *, officer, teammate) -> dict[str, Conversation]:
    """Write the week described in the module docstring; returns the conversations."""
    s = Story(channel)
    c = {name: s.conversation() for name in (f"C{i}" for i in range(1, 14))}
    s.inbound(c["C1"], london(2026, 3, 28, 10, 0))
    s.reply(c["C1"], london(2026, 3, 30, 8, 30), by=officer)

    s.inbound(c["C2"], london(2026, 3, 28, 23, 0))
    s.reply(c["C2"], london(2026, 3, 28, 23, 0, 40), automated=True)
    s.reply(c["C2"], london(2026, 3, 29, 9, 0), by=teammate)

    s.inbound(c["C3"], london(2026, 3, 30, 9, 0))
    s.inbound(c["C3"], london(2026, 3, 30, 9, 5))
    s.reply(c["C3"], london(2026, 3, 30, 9, 10), by=officer)
    s.status(c["C3"], london(2026, 3, 30, 9, 30), by=officer)

    s.inbound(c["C4"], london(2026, 3, 30, 17, 50))
    s.reply(c["C4"], london(2026, 3, 31, 8, 20), by=officer)

    s.inbound(c["C5"], london(2026, 3, 30, 19, 0))
    s.reply(c["C5"], london(2026, 3, 31, 9, 0), by=officer)

    s.inbound(c["C6"], london(2026, 3, 31, 0, 30))
    s.reply(c["C6"], london(2026, 3, 31, 7, 0), by=teammate)

    name_check = s.inbound(c["C7"], london(2026, 4, 1, 11, 0))
    s.like(c["C7"], london(2026, 4, 1, 11, 5), by=officer, target=name_check)

    s.inbound(c["C8"], london(2026, 4, 1, 14, 0))
    s.status(c["C8"], london(2026, 4, 1, 14, 30), by=officer, reason="no_reply_needed")

    s.inbound(c["C9"], london(2026, 4, 2, 10, 0))
    s.status(c["C9"], london(2026, 4, 2, 12, 0), by=teammate)

    s.inbound(c["C10"], london(2026, 4, 3, 10, 0))
    s.reply(c["C10"], london(2026, 4, 7, 8, 15), by=teammate)

    s.inbound(c["C11"], london(2026, 4, 2, 16, 0))
    s.reply(c["C11"], london(2026, 4, 2, 16, 45), by=teammate)
    s.status(c["C11"], london(2026, 4, 2, 17, 0), by=teammate)

    s.inbound(c["C12"], london(2026, 4, 2, 9, 0))
    s.reply(c["C12"], london(2026, 4, 2, 9, 20), by=officer)
    s.status(c["C12"], london(2026, 4, 2, 9, 30), by=officer)
    s.inbound(c["C12"], london(2026, 4, 2, 13, 0))
    s.status(
        c["C12"],
        london(2026, 4, 2, 13, 0, 30),
        to="open",
        previous="resolved",
        reason="new inbound message",
    )
    s.reply(c["C12"], london(2026, 4, 2, 14, 30), by=teammate)

    s.inbound(c["C13"], london(2026, 4, 3, 12, 0))
    s.reply(c["C13"], london(2026, 4, 3, 12, 0, 45), automated=True)
    return c
