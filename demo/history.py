"""Ninety days of a council's social inbox, lived through the real services.

The history is a discrete-event simulation on a travelling clock
(time-machine moves ``now`` for the whole process, the in-process sandbox
network included). Every citizen message is a real post on a sandbox
network started for the seed: the sandbox builds the webhook payload it
would deliver, and the app stores and processes it with its own webhook
services (mapping, ``messages_ingest``). Officers act through the inbox's
services: assignment, replies (held for approval for the new starter),
likes, resolutions; each reply is delivered to the sandbox over HTTP by the
deliver task, run eagerly. The escalation pass runs every half hour
(out-of-hours replies, target breaches, keyword escalations, detractors)
and each channel's metrics and own posts are read every evening. Nothing is written
to the inbox tables by hand.

Each conversation is a generator: it acts at the current instant, then
yields the instant it wants to act next; the agenda runs whoever is due
first. Work planned after the end of the simulation (now) is simply not
done, so the last hours leave conversations waiting, as a real inbox does.
"""

from __future__ import annotations

import bisect
import contextlib
import heapq
import itertools
import json
import math
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from accounts.models import User
from demo import bluesky_history
from demo.organisation import NEW_STARTER, Organisation
from escalation import clock
from escalation.models import Escalation, StaffedHours
from escalation.services import evaluation
from escalation.services.rules import escalation_acknowledge
from inbox.models import (
    CannedResponse,
    Channel,
    Conversation,
    DeliveryState,
    Direction,
    Message,
    Network,
    Status,
)
from inbox.networks.instagram_mapping import message_key
from inbox.services import actions, approvals, outbound, polling
from inbox.services.replies import canned_render
from inbox.webhooks import services as webhooks
from kpis import rollups
from kpis.models import RollupCursor
from kpis.own_posts import own_posts_read_by_id
from kpis.services import channel_metrics_fetch
from sandbox import fb_inject, fb_webhooks, ig_inject, masto_inject, x_inject
from sandbox import webhooks as x_webhooks
from sandbox.bsky_store import did_for
from sandbox.masto_scenario import MASTO_ACCOUNTS
from sandbox.scenarios import ACCOUNTS, FB_PAGES
from sandbox.server import SandboxServer
from sandbox.trickle import PICTURES

# The escalation pass costs ~0.1 s however little it finds, so the history
# runs it when it has something to find (an out-of-hours private message, a
# keyword, a detractor, a target about to pass unanswered), at most once per
# COALESCE, plus once each morning, instead of every minute as beat does.
COALESCE = timedelta(minutes=10)
# Conversations a weekday brings to each channel (weekends bring under half).
DAILY_VOLUME = {
    ("x", "999"): 5,
    ("x", "997"): 3,
    ("facebook", "104857600000"): 3.5,
    ("facebook", "104857600001"): 2,
    ("bluesky", did_for("riversidecouncil.bsky.social")): 2.5,
    ("mastodon", "1001@social.sandbox.example"): 2,
    ("instagram", "17841400000000001"): 2.5,
}
# Networks whose accounts post now and then for people to comment on.
POSTING_NETWORKS = (Network.FACEBOOK, Network.INSTAGRAM)
# When people write, by local hour: a morning and an evening peak, quiet nights.
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 3, 6, 9, 10, 10, 9, 9, 9, 8, 8, 8, 9, 10, 10, 8, 6, 4, 2]
# Messages that trip the shipped keyword rules, written now and then.
KEYWORD_TEXTS = [
    "There's a gas leak smell outside 14 Mill Lane and nobody is answering, is this an emergency?",
    "Water is flooding into our kitchen from the blocked drain on Weir Road, please help",
    "A live wire is hanging off the lamp post on Station Road, kids walk past it",
    "Honestly I can't go on like this, the council tax arrears letters are the last straw",
    "If my bins get missed one more time I know where you live, you have been warned",
    "Man collapsed at the bus stop on the High Street, ambulance called, road is blocked",
]
PERSONAL_TOUCHES = [
    "Thanks for your patience.",
    "Sorry for the trouble.",
    "Let us know if there's anything else.",
    "Hope that helps.",
    "We appreciate you flagging it.",
]


@dataclass
class Tally:
    conversations: int = 0
    inbound: int = 0
    replies: int = 0
    held_for_approval: int = 0
    likes: int = 0
    resolved: int = 0
    escalations_acknowledged: int = 0
    evaluation_passes: int = 0
    metrics_fetches: int = 0
    own_posts_read: int = 0
    skipped: Counter = field(default_factory=Counter)
    seconds: float = 0.0


@dataclass
class ChannelSim:
    channel: Channel
    hours: Any  # clock.Schedule
    officers: list[User]
    canned: list[CannedResponse]
    fb_post: str | None = None


class Agenda:
    """Who acts next: a heap of (instant, order, generator)."""

    def __init__(self, end: datetime):
        self.end = end
        self._heap: list[tuple[datetime, int, Iterator[datetime]]] = []
        self._order = itertools.count()

    def add(self, at: datetime, script: Iterator[datetime]) -> None:
        if at <= self.end:
            heapq.heappush(self._heap, (at, next(self._order), script))

    def run(self, move_to: Callable[[datetime], None]) -> None:
        while self._heap:
            at, _, script = heapq.heappop(self._heap)
            move_to(at)
            with contextlib.suppress(StopIteration):
                self.add(next(script), script)


class History:
    def __init__(self, org: Organisation, server: SandboxServer, *, days: int, seed: int):
        self.org = org
        self.server = server
        self.state = server.state
        self.rng = random.Random(seed)
        # Apart, so pictures do not reshuffle the rest of the history.
        self.pictures = random.Random(seed + 1)
        self.tally = Tally()
        self.end = timezone.now() - timedelta(minutes=2)
        self.start = (self.end - timedelta(days=days)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        self.agenda = Agenda(self.end)
        self.manager = org.people["maya"]
        self.sims = [self._sim(c) for c in org.channels]
        self._ref = itertools.count(40_000)
        self._passes: list[datetime] = []

    # --- set-up ----------------------------------------------------------------------

    def _sim(self, channel: Channel) -> ChannelSim:
        hours = (
            StaffedHours.objects.prefetch_related("intervals", "exceptions")
            .get(channel=channel)
            .schedule()
        )
        team = channel.teams.get()
        officers = [
            m.user
            for m in team.memberships.select_related("user").order_by("user__username")
            if m.role == "officer"
        ]
        canned = list(CannedResponse.objects.filter(teams=team).order_by("pk"))
        return ChannelSim(channel=channel, hours=hours, officers=officers, canned=canned)

    def _sandbox_accounts(self) -> None:
        with self.state.lock:
            for account in ACCOUNTS:
                if self.state.x.user(account["id"]) is None:
                    self.state.x.add_user(**account, is_org=True)
            for page in FB_PAGES:
                if page["id"] not in self.state.fb.pages:
                    self.state.fb.add_page(**page)
            for account in MASTO_ACCOUNTS:
                if self.state.masto.account(account["id"]) is None:
                    self.state.masto.add_account(**account, is_org=True)
        bluesky_history.accounts_add(self.state)
        ig_inject.accounts_add(self.state)

    # --- the run -----------------------------------------------------------------------

    def run(self) -> Tally:
        started = time.perf_counter()
        self._sandbox_accounts()
        self._plan()
        with _travel(self.start) as move_to:
            self.agenda.run(move_to)
        self.tally.seconds = time.perf_counter() - started
        return self.tally

    def _plan(self) -> None:
        day = self.start
        while day < self.end:
            weekend = day.weekday() >= 5
            for sim in self.sims:
                key = (sim.channel.network, sim.channel.external_account_id)
                mean = DAILY_VOLUME.get(key, 5) * (0.45 if weekend else 1.0)
                for _ in range(_poisson(self.rng, mean)):
                    self.agenda.add(self._when(day), self._conversation(sim))
                if sim.channel.network in POSTING_NETWORKS and day.day % 3 == 1:
                    self.agenda.add(day + timedelta(hours=7, minutes=45), self._fb_post(sim))
            if self.rng.random() < 0.3:
                sim = self.rng.choice(self.sims)
                text = self.rng.choice(KEYWORD_TEXTS)
                self.agenda.add(self._when(day), self._conversation(sim, text=text, urgent=True))
            self.agenda.add(day + timedelta(hours=21, minutes=30), self._metrics())
            self._pass_request(day + timedelta(hours=8, minutes=5))
            day += timedelta(days=1)
        self.agenda.add(self.start + timedelta(days=9, hours=9), self._detractor(self.sims[0]))
        for sim in self.sims:
            if sim.channel.network in POSTING_NETWORKS:
                self.agenda.add(self.start, self._fb_post(sim))

    def _when(self, day: datetime) -> datetime:
        hour = self.rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
        return day + timedelta(hours=hour, seconds=self.rng.randrange(3600))

    # --- background work ------------------------------------------------------------------

    def _pass_request(self, at: datetime) -> None:
        """Run the escalation pass at ``at`` unless one runs near it already."""
        i = bisect.bisect_left(self._passes, at - COALESCE)
        if i < len(self._passes) and self._passes[i] <= at + COALESCE:
            return
        bisect.insort(self._passes, at)
        self.agenda.add(at, self._evaluation())

    def _evaluation(self) -> Iterator[datetime]:
        evaluation.evaluation_run()
        self.tally.evaluation_passes += 1
        return
        yield

    def _metrics(self) -> Iterator[datetime]:
        for sim in self.sims:
            channel_metrics_fetch(channel=sim.channel)
            self.tally.metrics_fetches += 1
            # The channel's own posts, as the beat reads them.
            read = own_posts_read_by_id(channel_id=sim.channel.pk)
            self.tally.own_posts_read += read.read if read is not None else 0
        return
        yield  # a generator that acts once

    def _fb_post(self, sim: ChannelSim) -> Iterator[datetime]:
        """The account posts something new for people to comment on (a Page
        post, or an Instagram post)."""
        if sim.channel.network == Network.INSTAGRAM:
            with self.state.lock:
                media = self.state.ig.add_media(
                    owner_id=sim.channel.external_account_id,
                    caption=self.state.traffic.announcement("council"),
                    timestamp=timezone.now(),
                )
            sim.fb_post = media.id
            return
        page = self.state.fb.pages[sim.channel.external_account_id]
        flavour = fb_inject.flavour_of(page)
        with self.state.lock:
            post = self.state.fb.add_post(
                page_id=page.id,
                message=self.state.traffic.announcement(flavour),
                created_time=timezone.now(),
            )
        sim.fb_post = post.id
        return
        yield

    # --- one conversation ------------------------------------------------------------------

    def _conversation(
        self, sim: ChannelSim, *, text: str | None = None, urgent: bool = False
    ) -> Iterator[datetime]:
        """One person's thread: they write (perhaps twice), an officer picks
        it up and answers (or likes it, or closes it), it is resolved, and
        some write again and reopen it."""
        rng = self.rng
        private = rng.random() < 0.3
        posted = self._citizen_writes(sim, private=private, text=text)
        conv = self._store(sim, posted)
        if conv is None:
            return
        self.tally.conversations += 1
        category = posted.get("category") or "question"
        if urgent or (private and not clock.is_staffed(hours=sim.hours, at=timezone.now())):
            self._pass_request(timezone.now() + timedelta(minutes=2))
        if rng.random() < 0.2 and not urgent:
            yield timezone.now() + timedelta(minutes=rng.uniform(3, 40))
            self._store(sim, self._citizen_writes(sim, private=private, follow=posted))
        if urgent:
            yield timezone.now() + timedelta(minutes=rng.uniform(3, 12))
            self._acknowledge(conv, self._acknowledger(sim))
        officer = self._officer(sim)
        yield self._pickup(sim, conv, urgent=urgent)
        conv = self._act(
            actions.conversation_assign, conversation=conv, actor=officer, assignee=officer
        )
        if conv is None:
            return
        self._acknowledge(conv, officer)  # a breach or keyword escalation: someone has it now
        if category in ("name_check", "thanks") and not private:
            yield timezone.now() + timedelta(minutes=rng.uniform(1, 10))
            if rng.random() < 0.5:
                self._like(conv, officer)
            else:
                self._resolve(conv, officer, reason="no_reply_needed")
            return
        if rng.random() < 0.05:  # lost in the pile: closed days later, never answered
            yield timezone.now() + timedelta(days=rng.uniform(2, 5))
            self._resolve(conv, officer)
            return
        yield timezone.now() + timedelta(minutes=rng.uniform(1, 8))
        yield from self._reply(sim, conv, officer)
        yield timezone.now() + timedelta(minutes=rng.uniform(20, 60 * 30))
        self._resolve(conv, officer)
        if category in ("complaint", "detractor") and rng.random() < 0.15:
            yield timezone.now() + timedelta(hours=rng.uniform(2, 60))
            self._store(sim, self._citizen_writes(sim, private=private, follow=posted))
            yield self._pickup(sim, conv)
            yield from self._reply(sim, conv, officer)
            yield timezone.now() + timedelta(hours=rng.uniform(1, 24))
            self._resolve(conv, officer)

    def _detractor(self, sim: ChannelSim) -> Iterator[datetime]:
        """A resident who keeps writing after every answer: the pass flags them."""
        first = self._citizen_writes(sim, private=False, text=None, category="detractor")
        conv = self._store(sim, first)
        if conv is None:
            return
        officer = self._officer(sim)
        yield self._pickup(sim, conv)
        conv = self._act(
            actions.conversation_assign, conversation=conv, actor=officer, assignee=officer
        )
        yield from self._reply(sim, conv, officer)
        for _ in range(7):
            yield timezone.now() + timedelta(hours=self.rng.uniform(2, 20))
            self._store(
                sim, self._citizen_writes(sim, private=False, follow=first, category="detractor")
            )
            self._pass_request(timezone.now() + timedelta(minutes=2))

    # --- what citizens do (on the sandbox network) ------------------------------------------

    def _citizen_writes(
        self,
        sim: ChannelSim,
        *,
        private: bool,
        text: str | None = None,
        follow: dict[str, Any] | None = None,
        category: str | None = None,
    ) -> dict[str, Any]:
        now = timezone.now()
        state = self.state
        media = self._picture()
        if sim.channel.network == Network.BLUESKY:
            return bluesky_history.citizen_writes(
                state,
                sim.channel,
                private=private,
                text=text,
                follow=follow,
                category=category,
                now=now,
                media=media,
            )
        author = {"id": _author_id(follow)} if follow else None
        if sim.channel.network == Network.X:
            account = state.x.user(sim.channel.external_account_id)
            assert account is not None  # added by _sandbox_accounts
            if private:
                return x_inject.inject_dm(
                    state,
                    account,
                    text=text,
                    author=author,
                    created_at=now,
                    category=category,
                    media=media,
                )
            return x_inject.inject_mention(
                state,
                account,
                text=text,
                author=author,
                in_reply_to_tweet_id=follow["id"] if follow else None,
                created_at=now,
                category=category,
                media=media,
            )
        if sim.channel.network == Network.MASTODON:
            return self._mastodon_writes(
                sim, private=private, text=text, follow=follow, category=category, media=media
            )
        if sim.channel.network == Network.INSTAGRAM:
            spec: dict[str, Any] = {
                "account_id": sim.channel.external_account_id,
                "kind": "dm" if private else ("reply" if follow else "comment"),
                "text": text,
                "created_at": now.isoformat(),
                "category": category,
                "media": media if private else [],  # Instagram comments are words only
            }
            if follow:
                # The same person writes again, under their comment (or in their thread).
                spec["author"] = {"id": str(follow["from"]["id"])}
                spec["parent_id"] = follow["id"]
            elif not private:
                spec["media_id"] = sim.fb_post
            return ig_inject.inject(state, spec)[0]
        page = state.fb.pages[sim.channel.external_account_id]
        if private:
            return fb_inject.inject_message(
                state,
                page,
                text=text,
                author=author,
                created_at=now,
                category=category,
                media=media,
            )
        if follow:
            return fb_inject.inject_reply(
                state,
                page,
                parent_id=follow["id"],
                text=text,
                created_at=now,
                category=category,
                media=media,
            )
        return fb_inject.inject_comment(
            state,
            page,
            post_id=sim.fb_post,
            text=text,
            created_at=now,
            category=category,
            media=media,
        )

    def _picture(self) -> list[dict[str, Any]]:
        """About one message in eight comes with a photo, usually described."""
        if self.pictures.random() >= 1 / 8:
            return []
        alt = self.pictures.choice(PICTURES)
        width, height = (900, 1200) if self.pictures.random() < 0.3 else (1200, 900)
        spec = {"kind": "photo", "variant": "normal", "width": width, "height": height}
        return [{**spec, "alt_text": alt or ""}]

    def _mastodon_writes(
        self,
        sim: ChannelSim,
        *,
        private: bool,
        text: str | None,
        follow: dict[str, Any] | None,
        category: str | None,
        media: list[dict[str, Any]],
    ) -> dict[str, Any]:
        account = self.state.masto.account(sim.channel.external_account_id.partition("@")[0])
        assert account is not None  # added by _sandbox_accounts
        return masto_inject.inject_one(
            self.state,
            account,
            kind="dm" if private else ("reply" if follow else "mention"),
            text=text,
            author={"id": _author_id(follow)} if follow else None,
            in_reply_to_id=follow["id"] if follow and not private else None,
            created_at=timezone.now(),
            category=category,
            media=media,
        )

    def _store(self, sim: ChannelSim, posted: dict[str, Any]) -> Conversation | None:
        """What the sandbox would deliver by webhook, stored and processed by
        the app's webhook services (which map it and call ``messages_ingest``).
        Bluesky and Mastodon have no webhooks: they are read as a poll would."""
        if sim.channel.network == Network.BLUESKY:
            bluesky_history.store(self.state, sim.channel, posted)  # no webhooks: as a poll
        elif sim.channel.network == Network.MASTODON:
            polling.channel_poll(channel_id=sim.channel.pk)  # as the worker would
        else:
            if sim.channel.network == Network.X:
                payload = x_webhooks.payload_for_event(
                    self.state, posted["id"], for_user_id=sim.channel.external_account_id
                )
            elif sim.channel.network == Network.INSTAGRAM:
                payload = ig_inject.payload_for_event(self.state, posted["id"])
            else:
                payload = fb_webhooks.payload_for_event(self.state, posted["id"])
            body = json.dumps(payload).encode()
            # Meta posts Instagram's events to the same endpoint as the Page's.
            network = Network.FACEBOOK if sim.channel.network == Network.INSTAGRAM else None
            webhooks.webhook_delivery_store(
                network=network or sim.channel.network, body=body, headers={}
            )
            webhooks.webhook_deliveries_process()
        self.tally.inbound += 1
        external_id = str(posted["id"])
        if sim.channel.network == Network.INSTAGRAM:
            external_id = message_key(external_id)  # long message ids are kept as digests
        message = (
            Message.objects.filter(channel=sim.channel, external_id=external_id)
            .select_related("conversation__channel")
            .first()
        )
        if message is None:
            self.tally.skipped["inbound not stored"] += 1
            return None
        return message.conversation

    # --- what officers do (through the inbox's services) ------------------------------------

    def _officer(self, sim: ChannelSim) -> User:
        officers = [
            o for o in sim.officers if o.username != NEW_STARTER or o.date_joined <= timezone.now()
        ]
        return self.rng.choice(officers)

    def _pickup_time(self, sim: ChannelSim, *, urgent: bool = False) -> datetime:
        """When an officer gets to it: minutes in staffed hours (a long tail
        past the target on busy days), after opening when it came in closed,
        and now and then out of hours by someone keeping an eye on it."""
        now = timezone.now()
        rng = self.rng
        if urgent:
            return now + timedelta(minutes=rng.uniform(5, 25))
        if clock.is_staffed(hours=sim.hours, at=now) or rng.random() < 0.08:
            return now + timedelta(minutes=min(rng.lognormvariate(math.log(13), 0.75), 300))
        opening = clock.next_opening(hours=sim.hours, after=now) or now
        return opening + timedelta(minutes=rng.uniform(2, 40))

    def _pickup(self, sim: ChannelSim, conv: Conversation, *, urgent: bool = False) -> datetime:
        """The pickup time, with a pass where the wait crosses the response
        target or its outer limit (so the breach events are written)."""
        at = self._pickup_time(sim, urgent=urgent)
        now = timezone.now()
        for minutes in (30, 60):
            due = clock.add_staffed_seconds(hours=sim.hours, start=now, seconds=minutes * 60)
            if due is not None and due < at:
                self._pass_request(due + timedelta(minutes=1))
        return at

    def _act(self, service: Callable[..., Any], **kwargs: Any) -> Any:
        """Call a service; a refusal (a closed Messenger window, a rule) is
        counted and the script goes on, as the officer would."""
        try:
            return service(**kwargs)
        except (ValidationError, PermissionDenied) as exc:
            message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
            self.tally.skipped[f"{service.__name__}: {message[:70]}"] += 1
            return None

    def _reply_text(self, sim: ChannelSim, conv: Conversation, officer: User) -> str:
        rng = self.rng
        if sim.canned and rng.random() < 0.6:
            text = canned_render(canned=rng.choice(sim.canned), conversation=conv, officer=officer)
        else:
            name = (conv.contact.display_name or "there").split()[0]
            text = f"Hi {name}, " + rng.choice(
                [
                    "thanks for getting in touch. I've passed this to the right team today.",
                    "sorry about this. We've raised it with the service and will update you.",
                    "thanks, that's now logged and someone will be out this week.",
                    "the details are on riverside.example; reply here if anything is unclear.",
                ]
            )
        # A case reference, as officers give: it also keeps two answers apart.
        extra = f" {rng.choice(PERSONAL_TOUCHES)} Ref {next(self._ref)}"
        return text + extra if len(text) + len(extra) <= 270 else text

    def _reply(self, sim: ChannelSim, conv: Conversation, officer: User) -> Iterator[datetime]:
        conv.refresh_from_db()
        message = self._act(
            outbound.reply_create,
            conversation=conv,
            actor=officer,
            text=self._reply_text(sim, conv, officer),
        )
        if message is None:
            self._resolve(conv, officer)
            return
        if message.state == DeliveryState.AWAITING_APPROVAL:
            self.tally.held_for_approval += 1
            yield timezone.now() + timedelta(minutes=self.rng.uniform(4, 35))
            self._act(approvals.reply_approve, message=message, approver=self.manager)
        self.tally.replies += 1

    def _like(self, conv: Conversation, officer: User) -> None:
        target = (
            conv.messages.filter(direction=Direction.IN)
            .order_by("-sent_at")
            .values_list("external_id", flat=True)
            .first()
        )
        if target and self._act(
            outbound.action_create,
            conversation=conv,
            actor=officer,
            kind="like",
            target_external_id=target,
        ):
            self.tally.likes += 1

    def _resolve(self, conv: Conversation, officer: User, reason: str = "") -> None:
        conv.refresh_from_db()
        if conv.status == Status.RESOLVED:
            return
        if self._act(
            actions.conversation_set_status,
            conversation=conv,
            actor=officer,
            status=Status.RESOLVED,
            reason=reason,
        ):
            self.tally.resolved += 1

    def _acknowledger(self, sim: ChannelSim) -> User:
        """The manager for the channels of her team, else a duty officer."""
        covered = sim.channel.teams.filter(memberships__user=self.manager).exists()
        return self.manager if covered else self._officer(sim)

    def _acknowledge(self, conv: Conversation, actor: User) -> None:
        for esc in Escalation.objects.filter(conversation=conv, acknowledged_at__isnull=True):
            if self._act(escalation_acknowledge, escalation=esc, actor=actor):
                self.tally.escalations_acknowledged += 1


def _author_id(item: dict[str, Any]) -> str:
    author = item.get("author") or {}
    return str(author.get("id") or item.get("author_id") or item.get("sender_id"))


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method: fine for the small means of a day's messages.
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


@contextlib.contextmanager
def _travel(start: datetime) -> Iterator[Callable[[datetime], None]]:
    """Move the whole process's clock (the sandbox's thread included)."""
    try:
        import time_machine
    except ImportError as exc:  # a production install has no dev dependencies
        raise RuntimeError(
            "The demo history needs the development dependencies (uv sync)."
        ) from exc
    with time_machine.travel(start, tick=False) as traveller:
        yield traveller.move_to


def history_seed(*, org: Organisation, days: int, seed: int = 2026) -> Tally:
    """Live ``days`` days of the demo council through the real services, then
    build the KPI rollups for them."""
    server = SandboxServer(host="127.0.0.1", port=0, seed=seed).start()
    from socialdesk.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True  # deliver each reply as it is queued, at its instant
    try:
        with override_settings(SOCIAL_SANDBOX_URL=server.url, NETWORK_HTTP_TIMEOUT=5):
            tally = History(org, server, days=days, seed=seed).run()
    finally:
        app.conf.task_always_eager = eager
        server.stop()
    _rollups_build(days)
    return tally


def _rollups_build(days: int) -> None:
    """Dashboards read daily rollups: build them for the whole history now,
    and move the rollup cursor past it so the beat starts from here."""
    from events.models import Event

    today = rollups.m.local_day(timezone.now(), rollups.kpi_zone())
    rollups.rollups_recompute(first=today - timedelta(days=days + 1), last=today)
    last = Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    RollupCursor.objects.update_or_create(name=rollups.CURSOR, defaults={"last_event_id": last})
