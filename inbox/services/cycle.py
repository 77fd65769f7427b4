"""The one rule for a conversation's cycle: when it is awaiting an answer,
and when it was answered.

Live code (ingest, the seen-outbound path of polling, outbound, status
changes) folds each new fact into the conversation's ``CycleState`` through
these functions and stores the result; the response targets read what they
stored (``awaiting_since`` is the cycle of a due time), and the KPI rebuild
(``kpis.metrics.cycles_from_events``) replays the event log through the same
functions. So a first-response time, and whether it missed its target, is
the same number live and rebuilt.

The rule:

- A **cycle** starts with a citizen's message when nothing is open: on a new
  conversation, after a resolution, or after an officer reopened a resolved
  one. It ends at the resolution.
- The conversation **awaits an answer** from the first unanswered citizen
  message (``awaiting_since``, the network's time) until a person answers:
  a reply or private message sent through SocialDesk, or one our account
  posted on the network itself and polling saw. Automated replies never
  answer. An "answer" dated before the message it would answer is not one.
- ``first_response_at`` is the first answer of the cycle: the first-response
  time of the KPIs. A citizen writing again after it awaits a fresh answer
  (a new due time) in the same cycle, so the first response stays.
- A message that arrives late but was written earlier than the one awaiting
  moves ``awaiting_since`` back (the citizen has waited since then).
- A citizen's message wakes a *pending* or *resolved* conversation: it is
  open again and its clock runs. It also ends a *snooze*: the conversation
  comes back to the open views at once, whatever time it was snoozed until.
  Resolving ends a snooze too (there is nothing left to come back for).

Pure functions over plain values (no database), so every layer above the
inbox can import it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

# The values of ``inbox.models.Status`` (kept literal so that this module
# needs no models; a test holds them equal).
NEW, OPEN, PENDING, RESOLVED = "new", "open", "pending", "resolved"
_ASLEEP = (PENDING, RESOLVED)


@dataclass(frozen=True, slots=True)
class CycleState:
    """What a conversation row carries about its cycle."""

    status: str = NEW
    awaiting_since: datetime | None = None
    first_response_at: datetime | None = None
    snoozed_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Step:
    """A new state and what the fact did: ``started`` a cycle, ``answered``
    the awaiting message, ``woke`` the conversation from this status, or
    ``unsnoozed`` it (ended a snooze before its time)."""

    state: CycleState
    started: bool = False
    answered: bool = False
    woke: str | None = None
    unsnoozed: bool = False


def after_inbound(state: CycleState, *, sent_at: datetime) -> Step:
    """A citizen's message, dated when they wrote it."""
    woke = state.status if state.status in _ASLEEP else None
    status = OPEN if woke else state.status
    unsnoozed = state.snoozed_until is not None
    idle = state.awaiting_since is None and state.first_response_at is None
    if state.status == RESOLVED or idle:
        return Step(CycleState(status, sent_at, None), started=True, woke=woke, unsnoozed=unsnoozed)
    awaiting, answered = state.awaiting_since, state.first_response_at
    if awaiting is None:
        awaiting = sent_at  # a follow-up after an answer
    elif sent_at < awaiting and (answered is None or sent_at >= answered):
        awaiting = sent_at  # a late delivery of an earlier, unanswered message
    return Step(
        replace(state, status=status, awaiting_since=awaiting, snoozed_until=None),
        woke=woke,
        unsnoozed=unsnoozed,
    )


def after_answer(state: CycleState, *, at: datetime, automated: bool = False) -> Step:
    """A reply or private message from our account at ``at``."""
    since = state.awaiting_since
    if automated or since is None or state.status == RESOLVED or at < since:
        return Step(state)
    first = state.first_response_at or at
    return Step(replace(state, awaiting_since=None, first_response_at=first), answered=True)


def after_status(state: CycleState, *, to: str) -> Step:
    """An officer (or a rule) set the status. Resolving ends the cycle and
    the wait; reopening a resolved conversation leaves nothing awaiting
    until the citizen writes again (that message starts the next cycle)."""
    if to == RESOLVED:
        return Step(
            replace(state, status=RESOLVED, awaiting_since=None, snoozed_until=None),
            unsnoozed=state.snoozed_until is not None,
        )
    if state.status == RESOLVED:
        return Step(CycleState(to, None, None))
    return Step(replace(state, status=to))
