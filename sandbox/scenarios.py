"""Seed scenarios: a believable recent history for the Riverside accounts.

Texts, people and the shape of the history come from a fixed-seed generator,
so every run seeds the same world; only the times move with the clock (the
history always ends "just now"). Items are created in time order, so ids and
created_at agree, as on X.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sandbox import bsky_inject, fb_inject, ig_inject
from sandbox.masto_scenario import mastodon_council
from sandbox.traffic import TrafficGenerator
from sandbox.traffic_texts import FOLLOW_UPS
from sandbox.x_inject import flavour_of, new_citizen
from sandbox.x_models import XUser

if TYPE_CHECKING:
    from sandbox.fb_models import FbPage, FbPost, FbUser
    from sandbox.state import SandboxState

SCENARIO_SEED = 2026


class ScenarioError(ValueError):
    """Unknown scenario name."""


@dataclass
class _Step:
    at: datetime
    key: str
    kind: str  # "tweet" | "dm"
    author: XUser
    text: str
    parent: str | None = None  # key of the tweet replied to
    recipient: XUser | None = None


ACCOUNTS: tuple[dict[str, Any], ...] = (
    {
        "id": "999",
        "username": "council_help",
        "name": "Riverside Council",
        "followers_count": 18_400,
        "description": "Official account of Riverside Council. Staffed Mon-Fri 8am-6pm.",
    },
    {
        "id": "997",
        "username": "riverside_roads",
        "name": "Riverside Highways",
        "followers_count": 6_150,
        "description": "Roads, potholes, gritting and closures in Riverside. Report a fault online 24/7.",
    },
)
NOTABLE: tuple[dict[str, Any], ...] = (
    {
        "id": "18730021",
        "username": "priya_reports",
        "name": "Priya Natarajan",
        "followers_count": 24_300,
        "verified": True,
        "description": "Local democracy reporter, Riverside Echo. DMs open for tips.",
    },
    {
        "id": "402118877",
        "username": "RiversideBakes",
        "name": "Riverside Bakehouse",
        "followers_count": 12_800,
        "description": "Sourdough and sausage rolls on Market Place since 1998",
    },
    {
        "id": "733900154",
        "username": "FloodActionRVS",
        "name": "Riverside Flood Action",
        "followers_count": 15_200,
        "description": "Volunteer flood wardens for Eastbank and Quayside",
    },
    {
        "id": "1188200457",
        "username": "cllr_okafor",
        "name": "Cllr Grace Okafor",
        "followers_count": 11_900,
        "description": "Ward councillor for Old Town. Surgeries every 2nd Saturday.",
    },
    {
        "id": "561002938",
        "username": "HollinsParkRA",
        "name": "Hollins Park Residents",
        "followers_count": 3_100,
        "description": "Residents' association for Hollins Park and Brook Vale",
    },
    {
        "id": "299481736",
        "username": "RiversideTruth",
        "name": "Riverside Watchdog",
        "followers_count": 412,
        "description": "Holding Riverside Council to account. Someone has to.",
    },
)
DETRACTOR = "RiversideTruth"
JOURNALIST_ASKS = (
    "{acct} could someone from the press office call me about the {area} flooding figures today?",
    "{acct} is the council able to comment on the {street} depot plans? Deadline 4pm",
)


def apply(state: SandboxState, name: str) -> dict[str, Any]:
    builder = SCENARIOS.get(name)
    if builder is None:
        raise ScenarioError(f"unknown scenario {name!r}; known: {sorted(SCENARIOS)}")
    with state.lock:
        before = _counts(state)
        builder(state)
        after = _counts(state)
        return {key: after[key] - before[key] for key in after}


def _counts(state: SandboxState) -> dict[str, int]:
    x = state.x
    return {
        "accounts": len(x.accounts()),
        "citizens": len(x.citizens()),
        "tweets": len(x.tweets),
        "mentions": sum(len(x.mentions_of(a.id)) for a in x.accounts()),
        "dm_events": len(x.dm_events),
        "fb_pages": len(state.fb.pages),
        "fb_posts": len(state.fb.posts),
        "fb_comments": len(state.fb.comments),
        "fb_messages": len(state.fb.messages),
        "masto_accounts": len(state.masto.orgs()),
        "masto_statuses": len(state.masto.statuses),
        "ig_accounts": len(state.ig.accounts),
        "ig_comments": len(state.ig.comments),
        "ig_messages": len(state.ig.messages),
    }


def _none(state: SandboxState) -> None:
    return None


def council(state: SandboxState) -> None:
    """Two accounts, ~40 citizens, ~50 mentions over 2 days, 10 DM threads, own replies."""
    gen = TrafficGenerator(SCENARIO_SEED)
    rng = random.Random(SCENARIO_SEED)
    now = state.now()
    start = now - timedelta(hours=48)
    council_acct, roads = (state.x.add_user(**a, is_org=True) for a in ACCOUNTS)
    notable = {n["username"]: state.x.add_user(**n) for n in NOTABLE}
    for user in notable.values():
        gen.remember_handle(user.username)
    crowd = [new_citizen(state, gen) for _ in range(34)]
    people = [
        *crowd,
        notable["RiversideBakes"],
        notable["HollinsParkRA"],
        notable["FloodActionRVS"],
    ]

    def when(low_h: float, high_h: float) -> datetime:
        return start + timedelta(hours=rng.uniform(low_h, high_h))

    steps: list[_Step] = []
    # The accounts' own announcements: conversations they started (replies there can be hidden).
    for key, account, hours in (
        ("ann1", council_acct, 2),
        ("ann2", roads, 18),
        ("ann3", council_acct, 28),
    ):
        steps.append(
            _Step(
                start + timedelta(hours=hours),
                key,
                "tweet",
                account,
                gen.announcement(flavour_of(account)),
            )
        )
    for i, (parent, hours) in enumerate(
        (("ann1", 3), ("ann1", 5), ("ann2", 19), ("ann3", 29), ("ann3", 31))
    ):
        author = notable[DETRACTOR] if i in (1, 3) else rng.choice(people)
        account = roads if parent == "ann2" else council_acct
        category = (
            "detractor"
            if author.username == DETRACTOR
            else rng.choice(("question", "complaint", "thanks"))
        )
        _, text = gen.mention(account.username, category, flavour_of(account))
        steps.append(
            _Step(
                start + timedelta(hours=hours, minutes=rng.randint(1, 50)),
                f"annr{i}",
                "tweet",
                author,
                text,
                parent,
            )
        )

    # Everyday mentions, 34 to the council and 8 to highways.
    for i in range(42):
        account = council_acct if i < 34 else roads
        author = rng.choice(people)
        _, text = gen.mention(account.username, None, flavour_of(account))
        steps.append(_Step(when(0, 47.5), f"m{i}", "tweet", author, text))
    for i in range(4):  # the persistent detractor keeps coming back
        _, text = gen.mention(council_acct.username, "detractor")
        steps.append(
            _Step(when(4 + 11 * i, 12 + 11 * i), f"d{i}", "tweet", notable[DETRACTOR], text)
        )
    for i, template in enumerate(JOURNALIST_ASKS):
        text = gen.fill(template, acct=f"@{council_acct.username}")
        steps.append(
            _Step(when(10 + 20 * i, 25 + 20 * i), f"j{i}", "tweet", notable["priya_reports"], text)
        )
    steps.append(
        _Step(
            when(30, 40),
            "cllr",
            "tweet",
            notable["cllr_okafor"],
            gen.fill(
                "Thanks to the crews from @council_help for the quick clean-up in {area} after the storm"
            ),
        )
    )

    # Staff replies to some mentions, and citizens answering back in the same thread.
    steps.sort(key=lambda s: s.at)
    answered = [s for s in steps if s.key.startswith("m") and s.at < now - timedelta(hours=6)][:7]
    for i, mention in enumerate(answered):
        account = roads if int(mention.key[1:]) >= 34 else council_acct
        reply_at = mention.at + timedelta(minutes=rng.randint(15, 180))
        reply = _Step(
            reply_at,
            f"r{i}",
            "tweet",
            account,
            gen.own_reply(mention.author.username, mention.author.name),
            mention.key,
        )
        steps.append(reply)
        if i < 4:
            follow = gen.follow_up(account.username)
            steps.append(
                _Step(
                    reply_at + timedelta(minutes=rng.randint(5, 90)),
                    f"f{i}",
                    "tweet",
                    mention.author,
                    follow,
                    reply.key,
                )
            )

    steps.extend(_dm_steps(gen, rng, start, council_acct, roads, crowd, notable[DETRACTOR]))
    _execute(state, steps, now)
    facebook_council(state)
    bsky_inject.council(state, seed=SCENARIO_SEED + 11)
    mastodon_council(state)
    ig_inject.council(state, seed=SCENARIO_SEED + 13)


def _dm_steps(
    gen: TrafficGenerator,
    rng: random.Random,
    start: datetime,
    council_acct: XUser,
    roads: XUser,
    crowd: list[XUser],
    detractor: XUser,
) -> list[_Step]:
    steps: list[_Step] = []
    senders = [*rng.sample(crowd, 9), detractor]
    for n, sender in enumerate(senders):
        account = roads if n in (3, 7) else council_acct
        category = "detractor" if sender is detractor else None
        at = start + timedelta(hours=rng.uniform(1, 44))
        length = rng.randint(1, 4)
        for turn in range(length):
            staff_turn = turn % 2 == 1 and sender is not detractor
            if staff_turn:
                text = f"Hi {sender.name.split()[0]}, thanks for getting in touch. " + rng.choice(
                    (
                        "Could you confirm the full address so we can check the schedule?",
                        "I've raised this with the team; you should hear back within 3 working days.",
                        "Your reference is "
                        + gen.fill("{ref}")
                        + ". Let us know if anything changes.",
                    )
                )
                steps.append(_Step(at, f"dm{n}.{turn}", "dm", account, text, recipient=sender))
            else:
                _, text = gen.dm(
                    category or ("question" if turn == 0 else rng.choice(("question", "thanks")))
                )
                steps.append(_Step(at, f"dm{n}.{turn}", "dm", sender, text, recipient=account))
            at += timedelta(minutes=rng.randint(3, 240))
    return steps


def _execute(state: SandboxState, steps: list[_Step], now: datetime) -> None:
    created: dict[str, Any] = {}
    latest = now - timedelta(seconds=1)
    for step in sorted(steps, key=lambda s: s.at):
        at = min(step.at, latest)  # nothing from the future, even for late replies
        if step.kind == "dm":
            assert step.recipient is not None
            state.x.add_dm(
                sender_id=step.author.id,
                recipient_id=step.recipient.id,
                text=step.text,
                created_at=at,
                origin="seed",
            )
            continue
        parent = created.get(step.parent) if step.parent else None
        created[step.key] = state.x.add_tweet(
            author_id=step.author.id,
            text=step.text,
            in_reply_to=parent,
            created_at=at,
            origin="seed",
        )


def crisis(state: SandboxState) -> None:
    """A flood: ~40 mentions in the last 10 minutes (seeds `council` first if needed)."""
    if state.x.user("999") is None:
        council(state)
    gen = TrafficGenerator(SCENARIO_SEED + 1)
    rng = random.Random(SCENARIO_SEED + 1)
    now = state.now()
    council_acct, roads = state.x.user("999"), state.x.user("997")
    assert council_acct is not None and roads is not None
    start = now - timedelta(minutes=10)
    citizens = state.x.citizens()
    steps = [
        _Step(
            start - timedelta(minutes=2),
            "alert",
            "tweet",
            council_acct,
            gen.fill(
                "We're aware of flooding in {area}. The rest centre at {library} is open. Please avoid {street}."
            ),
        )
    ]
    for i in range(40):
        account = roads if i % 4 == 3 else council_acct
        author = rng.choice(citizens) if rng.random() < 0.5 else new_citizen(state, gen)
        category = rng.choices(
            ("crisis", "question", "complaint", "detractor"), weights=(70, 15, 10, 5)
        )[0]
        if author.username == DETRACTOR:
            category = "detractor"
        _, text = gen.mention(account.username, category, flavour_of(account))
        parent = "alert" if account is council_acct and rng.random() < 0.2 else None
        steps.append(
            _Step(
                start + timedelta(seconds=rng.uniform(0, 595)),
                f"c{i}",
                "tweet",
                author,
                text,
                parent,
            )
        )
    _execute(state, steps, now)


# -- Facebook -------------------------------------------------------------------------

FB_PAGES: tuple[dict[str, Any], ...] = (
    {
        "id": "104857600000",
        "name": "Riverside Council",
        "username": "RiversideCouncil",
        "followers_count": 21_300,
        "about": "Official Page of Riverside Council. Messages answered Mon-Fri 8am-6pm.",
    },
    {
        "id": "104857600001",
        "name": "Riverside Highways",
        "username": "RiversideHighways",
        "followers_count": 4_900,
        "about": "Roadworks, closures and gritting across Riverside.",
    },
)
FB_PAGE_REPLY = (
    "Thanks for letting us know. Could you send us a private message with the exact location?",
    "Sorry about this. We've passed it to the team and they'll be in touch.",
    "Hi, this is now booked in. Thanks for your patience.",
)


def facebook_council(state: SandboxState) -> None:
    """Two Pages, 7 posts with ~40 comments and replies, 8 Messenger threads,
    two visitor posts on the council's Page and one post tagging the roads Page.

    One thread's last message is 30 hours old, so its reply window has closed
    (useful for training on Messenger's 24-hour rule)."""
    gen = TrafficGenerator(SCENARIO_SEED + 7)
    rng = random.Random(SCENARIO_SEED + 7)
    now = state.now()
    start = now - timedelta(hours=48)
    council_page, roads_page = (state.fb.add_page(**p) for p in FB_PAGES)
    people = [fb_inject.new_person(state, gen) for _ in range(24)]
    for page, hours in ((council_page, (1, 9, 20, 30, 41)), (roads_page, (5, 26))):
        for h in hours:
            post = state.fb.add_post(
                page_id=page.id,
                message=gen.announcement(fb_inject.flavour_of(page)),
                created_time=start + timedelta(hours=h),
            )
            _fb_comments(state, gen, rng, page, post, people, now)
    for n, person in enumerate(rng.sample(people, 8)):
        page = roads_page if n in (2, 6) else council_page
        at = now - timedelta(hours=30) if n == 0 else start + timedelta(hours=rng.uniform(20, 47))
        conv = state.fb.conversation_with(page.id, person.id)
        for turn in range(1 if n == 0 else rng.randint(1, 3)):
            staff = turn % 2 == 1
            text = (
                f"Hi {person.name.split()[0]}, " + rng.choice(FB_PAGE_REPLY)
                if staff
                else gen.dm("question" if turn == 0 else None)[1]
            )
            state.fb.add_message(
                conversation=conv,
                from_id=page.id if staff else person.id,
                text=text,
                created_time=min(at, now - timedelta(seconds=1)),
                origin="seed",
            )
            at += timedelta(minutes=rng.randint(4, 90))
    _fb_people_posts(state, council_page, roads_page, people, start)


def _fb_people_posts(
    state: SandboxState, council: FbPage, roads: FbPage, people: list[FbUser], start: datetime
) -> None:
    """Two visitor posts on the council's Page and a post elsewhere tagging
    the roads Page. Their own generator: the rest of the scenario stays as it was."""
    gen = TrafficGenerator(SCENARIO_SEED + 8)
    rng = random.Random(SCENARIO_SEED + 8)
    for n, (page, tag) in enumerate(((council, False), (council, False), (roads, True))):
        person = rng.choice(people)
        _, text = fb_inject.comment_text(gen, None, fb_inject.flavour_of(page))
        state.fb.add_post(
            page_id=person.id if tag else page.id,
            from_id=person.id,
            message=f"{text} {page.name}" if tag else text,
            created_time=start + timedelta(hours=34 + 5 * n),
            origin="seed",
            tagged_ids=[page.id] if tag else [],
        )


def _fb_comments(
    state: SandboxState,
    gen: TrafficGenerator,
    rng: random.Random,
    page: FbPage,
    post: FbPost,
    people: list[FbUser],
    now: datetime,
) -> None:
    at = post.created_time
    for _ in range(rng.randint(3, 7)):
        at += timedelta(minutes=rng.randint(3, 200))
        if at >= now:
            return
        person = rng.choice(people)
        _, text = fb_inject.comment_text(gen, None, fb_inject.flavour_of(page))
        comment = state.fb.add_comment(
            post=post, from_id=person.id, message=text, created_time=at, origin="seed"
        )
        if rng.random() < 0.3 and at + timedelta(minutes=40) < now:
            reply = state.fb.add_comment(
                post=post,
                from_id=page.id,
                message=rng.choice(FB_PAGE_REPLY),
                parent=comment,
                created_time=at + timedelta(minutes=rng.randint(10, 40)),
                origin="seed",
            )
            if rng.random() < 0.5 and reply.created_time + timedelta(minutes=30) < now:
                state.fb.add_comment(
                    post=post,
                    from_id=person.id,
                    message=gen.fill(rng.choice(FOLLOW_UPS)),
                    parent=comment,
                    created_time=reply.created_time + timedelta(minutes=rng.randint(5, 30)),
                    origin="seed",
                )


SCENARIOS: dict[str, Callable[[SandboxState], None]] = {
    "none": _none,
    "council": council,
    "crisis": crisis,
}
