"""Reads for moderation: the house rules, whether a person is muted, and how
much shielded text each officer chose to read (the abuse shield's exposure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.db.models.functions import TruncWeek
from django.http import Http404
from django.utils import timezone

from accounts import access
from accounts.models import User
from events.models import Event
from inbox.models import AbuseTerm, Conversation, HouseRule, NetworkAction
from inbox.services.moderation import MUTE_NETWORKS, mute_current


def house_rules() -> list[HouseRule]:
    return list(HouseRule.objects.order_by("title"))


def house_rule_get(*, pk: int) -> HouseRule:
    """Every signed-in person may read the house rules (they are published)."""
    try:
        return HouseRule.objects.get(pk=pk)
    except HouseRule.DoesNotExist as exc:
        raise Http404("No such house rule") from exc


def abuse_terms() -> list[AbuseTerm]:
    return list(AbuseTerm.objects.order_by("term"))


def abuse_term_get(*, pk: int) -> AbuseTerm:
    try:
        return AbuseTerm.objects.get(pk=pk)
    except AbuseTerm.DoesNotExist as exc:
        raise Http404("No such term") from exc


def contact_mute_state(*, conversation: Conversation) -> NetworkAction | None:
    """The mute or unmute in force for the contact on this channel (None: never
    muted). Only some networks mute (MUTE_NETWORKS), so others cost no query."""
    if conversation.channel.network not in MUTE_NETWORKS:
        return None
    if hasattr(conversation, "mute_kind"):  # inbox.selectors.conversation_get_for_view
        kind = conversation.mute_kind
        return NetworkAction(kind=kind, state=conversation.mute_state) if kind else None  # type: ignore[attr-defined]
    return mute_current(channel_id=conversation.channel_id, target=conversation.contact.external_id)


@dataclass(frozen=True)
class ExposureRow:
    officer: str
    counts: list[int]
    total: int


@dataclass(frozen=True)
class Exposure:
    weeks: list[date]  # the Monday of each week, oldest first
    rows: list[ExposureRow]


def _zone():
    return ZoneInfo(settings.KPI_TIME_ZONE or settings.TIME_ZONE)


def shield_exposure(*, user: User, weeks: int = 8, now: datetime | None = None) -> Exposure:
    """Reveals of shielded messages per officer per week, over the last
    ``weeks`` weeks, on the conversations the viewer may see; managers use it
    to rotate who reads abusive content. Managers and admins only."""
    if not access.is_manager_or_admin(user):
        raise PermissionDenied("Only managers and admins see the shield's exposure.")
    zone = _zone()
    today = timezone.localtime(now or timezone.now(), zone).date()
    first = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    mondays = [first + timedelta(days=7 * n) for n in range(weeks)]
    start = datetime.combine(first, datetime.min.time(), tzinfo=zone)
    counted = (
        Event.objects.filter(
            type="message.revealed",
            at__gte=start,
            actor__isnull=False,
            # Reveals on the channels this manager manages, not every channel
            # they can see (they may be an officer on another team's).
            conversation__channel__in=access.channels_managed_by(user).values("pk"),
        )
        .annotate(week=TruncWeek("at", tzinfo=zone))
        .values("actor_id", "week")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_actor: dict[int, dict[date, int]] = {}
    for row in counted:
        week = row["week"]
        week = week.date() if isinstance(week, datetime) else week
        by_actor.setdefault(row["actor_id"], {})[week] = row["n"]
    people = {u.pk: str(u) for u in User.objects.filter(pk__in=by_actor)}
    rows = [
        ExposureRow(
            officer=people.get(pk, f"User {pk}"),
            counts=[weeks_.get(m, 0) for m in mondays],
            total=sum(weeks_.values()),
        )
        for pk, weeks_ in by_actor.items()
    ]
    rows.sort(key=lambda r: (-r.total, r.officer))
    return Exposure(weeks=mondays, rows=rows)
