"""The council's Mastodon account in the ``council`` scenario: residents from
several instances mention it over two days, a few threads go back and forth
with the council's own replies, and some residents write directly."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sandbox.masto_inject import inject_one
from sandbox.traffic import TrafficGenerator

if TYPE_CHECKING:
    from sandbox.state import SandboxState

SEED = 2026 + 13
MASTO_ACCOUNTS: tuple[dict[str, Any], ...] = (
    {
        "id": "1001",
        "username": "riverside",
        "display_name": "Riverside Council",
        "followers_count": 3_400,
        "note": "Official account of Riverside Council. We answer Mon-Fri 8am-6pm.",
    },
)
COUNCIL_REPLIES = (
    "Thanks for telling us. We've logged it and the team will look at it this week.",
    "Sorry about this. Could you send us the exact location by direct message?",
    "This is now booked in. Thanks for your patience.",
)


def mastodon_council(state: SandboxState) -> None:
    """One account, ~14 residents, ~22 mentions and replies over 48 hours, 4 direct threads."""
    store = state.masto
    gen = TrafficGenerator(SEED)
    rng = random.Random(SEED)
    now = state.now()
    start = now - timedelta(hours=48)
    [council] = [store.add_account(**a, is_org=True) for a in MASTO_ACCOUNTS]
    saved_traffic, saved_rng = state.traffic, state.rng
    # The scenario's own generators: the same world on every run, whatever came before.
    state.traffic, state.rng = gen, rng
    try:
        moments = sorted(start + timedelta(hours=rng.uniform(0, 47.5)) for _ in range(18))
        for at in moments:
            item = inject_one(state, council, kind="mention", created_at=at)
            if rng.random() < 0.35:
                mention = store.statuses[item["id"]]
                author = store.accounts[mention.account_id]
                reply = store.add_status(
                    account_id=council.id,
                    text=f"@{author.acct} {rng.choice(COUNCIL_REPLIES)}",
                    in_reply_to=mention,
                    mention_ids=[author.id],
                    created_at=at + timedelta(minutes=rng.randint(10, 120)),
                    application="SocialDesk",
                )
                if rng.random() < 0.6:
                    inject_one(
                        state,
                        council,
                        kind="reply",
                        in_reply_to_id=reply.id,
                        author={"id": author.id},
                        created_at=reply.created_at + timedelta(minutes=rng.randint(5, 60)),
                    )
        for _ in range(4):
            at = start + timedelta(hours=rng.uniform(10, 46))
            inject_one(state, council, kind="dm", created_at=min(at, now - timedelta(minutes=1)))
    finally:
        state.traffic, state.rng = saved_traffic, saved_rng
