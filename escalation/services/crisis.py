"""Crisis mode: a manager puts a set of channels into crisis mode.

While active: the holding statement is pinned as the first canned response
(``selectors.canned_responses_for``), inbound messages matching the incident
keywords are labelled and routed to the crisis team (once per conversation,
claimed by a unique row), response targets tighten (``targets.Policies``),
and out-of-hours replies use the crisis text. Starting, every change and
ending each write an Event per channel and notify the people on duty.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.models import Team, User
from escalation.models import CrisisMode, CrisisRouting, validate_reply_template
from escalation.selectors import crisis_for_channels
from escalation.services._conversations import change_event, lock_conversations
from escalation.services._sql import insert_rows
from escalation.services.notify import notifications_create, team_members
from escalation.services.targets import targets_invalidate
from events.services import event_record, events_record_bulk
from inbox.models import CannedResponse, Channel, Conversation, Label
from socialdesk.text import one_line, validate_single_line

CRISIS_LABEL = "Crisis"
EDITABLE = (
    "title",
    "holding_statement",
    "keywords",
    "crisis_team",
    "auto_reply_text",
    "target_minutes",
    "limit_minutes",
)


def _check_actor(actor: User, channels: Sequence[Channel]) -> None:
    if not access.managed_team_ids(actor):
        raise PermissionDenied("Only managers and admins can use crisis mode.")
    managed = set(access.channels_managed_by(actor).values_list("pk", flat=True))
    if any(c.pk not in managed for c in channels):
        raise PermissionDenied("You do not manage every one of these channels.")


def _check_team(actor: User, team: Team | None) -> None:
    # Routing the crisis's conversations to a team is a manager's call for
    # that team: a manager of team A does not hand work to team B, even on a
    # channel both teams cover.
    if team is not None and not access.can_manage_team(actor, team.pk):
        raise PermissionDenied(f"You do not manage {team}.")


def _validate(values: dict[str, Any], channels: Sequence[Channel]) -> None:
    if not channels:
        raise ValidationError("Choose at least one channel.")
    if not (values.get("title") or "").strip():
        raise ValidationError("Give the incident a title.")
    # The title goes into e-mail subjects, where a line break is refused.
    validate_single_line(values["title"])
    if not (values.get("holding_statement") or "").strip():
        raise ValidationError("Write the holding statement.")
    validate_reply_template(values.get("auto_reply_text") or "")
    target, limit = values.get("target_minutes", 15), values.get("limit_minutes", 30)
    if target < 1 or limit < target:
        raise ValidationError("The limit must be at least the target, and both at least 1 minute.")
    team: Team | None = values.get("crisis_team")
    if team is not None:
        covered = set(team.channels.values_list("pk", flat=True))
        missing = [c.name for c in channels if c.pk not in covered]
        if missing:
            raise ValidationError(
                f"{team} does not cover {', '.join(missing)}: its members could not see "
                "the messages routed to them."
            )


def _log(
    crisis: CrisisMode,
    event_type: str,
    actor: User,
    channels: Sequence[Channel],
    data: dict[str, Any],
) -> None:
    # One event per channel, so each channel's audit trail shows it.
    now = timezone.now()
    for channel in channels:
        event_record(
            type=event_type,
            at=now,
            actor=actor,
            channel=channel,
            data={"crisis_id": crisis.pk, "title": crisis.title, **data},
        )


def _notify_on_duty(crisis: CrisisMode, channels: Sequence[Channel], what: str) -> None:
    teams = set(
        Channel.teams.through.objects.filter(channel__in=channels).values_list("team_id", flat=True)
    )
    if crisis.crisis_team_id:
        teams.add(crisis.crisis_team_id)
    names = ", ".join(c.name for c in channels)
    notifications_create(
        user_ids=team_members(teams),
        text=f"Crisis mode {what}: {crisis.title} ({names})",
        url=reverse("escalation:index"),
        dedupe_key=f"crisis:{crisis.pk}:{what}",
        email_subject=one_line(f"SocialDesk crisis mode {what}: {crisis.title}"),
    )


def _holding_statement(
    values: dict[str, Any], channel_ids: list[int], crisis_team: Team | None
) -> CannedResponse:
    """The canned response offered (pinned first) to the channels' teams."""
    canned = CannedResponse.objects.create(
        title=f"Holding statement: {values['title']}"[:120], text=values["holding_statement"]
    )
    teams = set(
        Channel.teams.through.objects.filter(channel_id__in=channel_ids).values_list(
            "team_id", flat=True
        )
    )
    canned.teams.set(teams | ({crisis_team.pk} if crisis_team else set()))
    return canned


def crisis_start(
    *,
    actor: User,
    channels: Sequence[Channel],
    title: str,
    holding_statement: str,
    keywords: str = "",
    crisis_team: Team | None = None,
    auto_reply_text: str = "",
    target_minutes: int = 15,
    limit_minutes: int = 30,
) -> CrisisMode:
    channels = list(channels)
    _check_actor(actor, channels)
    values = {
        "title": title.strip(),
        "holding_statement": holding_statement.strip(),
        "keywords": keywords.strip(),
        "crisis_team": crisis_team,
        "auto_reply_text": auto_reply_text.strip(),
        "target_minutes": target_minutes,
        "limit_minutes": limit_minutes,
    }
    _validate(values, channels)
    _check_team(actor, crisis_team)
    ids = [c.pk for c in channels]
    with transaction.atomic():
        # Serialise starts on the same channels: one active crisis per channel.
        list(Channel.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        busy = crisis_for_channels(channel_ids=ids)
        if busy:
            names = ", ".join(c.name for c in channels if c.pk in busy)
            raise ValidationError(f"Already in crisis mode: {names}.")
        label, _ = Label.objects.get_or_create(name=CRISIS_LABEL, defaults={"colour": "#d4351c"})
        canned = _holding_statement(values, ids, crisis_team)
        crisis = CrisisMode.objects.create(
            label=label,
            canned_response=canned,
            started_by=actor,
            started_at=timezone.now(),
            **values,
        )
        crisis.channels.set(channels)
        _log(
            crisis,
            "crisis.started",
            actor,
            channels,
            {
                "keywords": values["keywords"],
                "crisis_team": crisis.crisis_team_id,
                "target_minutes": target_minutes,
                "limit_minutes": limit_minutes,
                "canned_response_id": canned.pk,
            },
        )
        targets_invalidate(channel_ids=ids)
        _notify_on_duty(crisis, channels, "started")
    return crisis


def crisis_update(*, crisis: CrisisMode, actor: User, **changes: Any) -> CrisisMode:
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError(f"Cannot change {', '.join(sorted(unknown))}.")
    channels = list(crisis.channels.all())
    new_team = changes.get("crisis_team")
    # Keeping the team an admin chose is fine; choosing another is checked.
    changed_team = new_team if new_team and new_team.pk != crisis.crisis_team_id else None
    _check_actor(actor, channels)
    _check_team(actor, changed_team)
    with transaction.atomic():
        locked = CrisisMode.objects.select_for_update().get(pk=crisis.pk)
        if not locked.is_active:
            raise ValidationError("This crisis has ended.")
        before = {f: getattr(locked, f) for f in EDITABLE}
        after = {
            **before,
            **{k: (v.strip() if isinstance(v, str) else v) for k, v in changes.items()},
        }
        _validate(after, channels)
        changed = [f for f in EDITABLE if after[f] != before[f]]
        if not changed:
            return locked
        for field in changed:
            setattr(locked, field, after[field])
        locked.save(update_fields=changed)
        if locked.canned_response_id and {"title", "holding_statement"} & set(changed):
            CannedResponse.objects.filter(pk=locked.canned_response_id).update(
                title=f"Holding statement: {locked.title}"[:120], text=locked.holding_statement
            )
        _log(
            locked,
            "crisis.updated",
            actor,
            channels,
            {
                "changed": changed,
                "values": {
                    f: (after[f].pk if isinstance(after[f], Team) else after[f]) for f in changed
                },
            },
        )
        if {"target_minutes", "limit_minutes"} & set(changed):
            targets_invalidate(channel_ids=[c.pk for c in channels])
    return locked


def crisis_end(*, crisis: CrisisMode, actor: User) -> CrisisMode:
    channels = list(crisis.channels.all())
    _check_actor(actor, channels)
    now = timezone.now()
    with transaction.atomic():
        if not CrisisMode.objects.filter(pk=crisis.pk, ended_at__isnull=True).update(
            ended_at=now, ended_by=actor
        ):
            crisis.refresh_from_db()
            return crisis
        crisis.refresh_from_db()
        # The statement stays on the crisis row and in the log; the canned
        # response goes so nobody sends a stale holding line.
        if crisis.canned_response_id:
            CannedResponse.objects.filter(pk=crisis.canned_response_id).delete()
        _log(crisis, "crisis.ended", actor, channels, {"started_at": crisis.started_at.isoformat()})
        targets_invalidate(channel_ids=[c.pk for c in channels])
        _notify_on_duty(crisis, channels, "ended")
    return crisis


def _crisis_matches(
    messages: Sequence[dict[str, Any]], crises: dict[int, CrisisMode]
) -> dict[tuple[int, int], str]:
    """(crisis, conversation) -> the first incident phrase matched."""
    patterns = {c.pk: c.keyword_pattern() for c in crises.values()}
    wanted: dict[tuple[int, int], str] = {}
    for msg in messages:
        crisis = crises.get(msg["channel_id"])
        if crisis is None:
            continue
        pattern = patterns.get(crisis.pk)
        found = pattern.search(msg["text"] or "") if pattern else None
        if found:
            wanted.setdefault((crisis.pk, msg["conversation_id"]), found.group(0))
    return wanted


def crisis_route(
    *, messages: Sequence[dict[str, Any]], crises: dict[int, CrisisMode], now: datetime
) -> int:
    """Label and route inbound messages that match their channel's crisis
    keywords: once per conversation per crisis (claimed by a unique row).
    Returns conversations routed."""
    wanted = _crisis_matches(messages, crises)
    if not wanted:
        return 0
    with transaction.atomic():
        claimed = insert_rows(
            CrisisRouting,
            [
                {"crisis_id": cid, "conversation_id": conv, "created_at": now}
                for cid, conv in wanted
            ],
            returning=("crisis_id", "conversation_id"),
        )
        if claimed:
            _route(claimed, {c.pk: c for c in crises.values()}, wanted, now)
    return len(claimed)


def _route(
    claimed: list[tuple],
    by_id: dict[int, CrisisMode],
    wanted: dict[tuple[int, int], str],
    now: datetime,
) -> None:
    lock_conversations([conv for _cid, conv in claimed])
    convs = {
        c["pk"]: c
        for c in Conversation.objects.filter(pk__in=[conv for _cid, conv in claimed]).values(
            "pk", "channel_id", "team_id"
        )
    }
    through = Conversation.labels.through
    have = set(
        through.objects.filter(conversation_id__in=list(convs)).values_list(
            "conversation_id", "label_id"
        )
    )
    labels, events = [], []
    moves: dict[int, list[int]] = {}
    for crisis_id, conv_id in claimed:
        crisis, conv = by_id[crisis_id], convs[conv_id]
        data = {"crisis_id": crisis_id, "matched": wanted[(crisis_id, conv_id)]}
        if crisis.label_id and (conv_id, crisis.label_id) not in have:
            labels.append(through(conversation_id=conv_id, label_id=crisis.label_id))
            events.append(
                change_event(
                    "conversation.labelled",
                    conv,
                    now,
                    {"label": CRISIS_LABEL, "label_id": crisis.label_id, **data},
                )
            )
        if crisis.crisis_team_id and conv["team_id"] != crisis.crisis_team_id:
            moves.setdefault(crisis.crisis_team_id, []).append(conv_id)
            events.append(
                change_event(
                    "conversation.assigned",
                    conv,
                    now,
                    {"from": {"team": conv["team_id"]}, "team": crisis.crisis_team_id, **data},
                )
            )
        events.append(change_event("crisis.routed", conv, now, data))
    through.objects.bulk_create(labels, ignore_conflicts=True)
    for team_id, conv_ids in moves.items():
        Conversation.objects.filter(pk__in=conv_ids).update(team_id=team_id)
    events_record_bulk(events=events)
