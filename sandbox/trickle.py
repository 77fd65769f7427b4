"""Trickle mode: a background thread that keeps citizen traffic arriving (demo).

Every `interval` seconds (plus or minus 40% jitter, so it does not feel
mechanical) it injects one item into a random registered org account:
mostly mentions, some DMs, now and then a reply continuing a thread.
About one item in six carries a photo (a pothole, a flooded road...), most
with alt text, some without, as people post them.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sandbox import bsky_inject, fb_inject, ig_inject, masto_inject
from sandbox.x_inject import InjectError, inject_dm, inject_mention

if TYPE_CHECKING:
    from sandbox.fb_models import FbPage
    from sandbox.state import SandboxState

log = logging.getLogger("sandbox.trickle")
KIND_WEIGHTS = {"mention": 70, "dm": 20, "reply": 10}
FB_KIND_WEIGHTS = {"comment": 60, "message": 25, "reply": 15}
MASTO_KIND_WEIGHTS = {"mention": 65, "dm": 20, "reply": 15}
PICTURE_SHARE = 1 / 6
# What residents photograph, as they might describe it (None: no alt text given).
PICTURES = [
    "A pothole in the road, full of rainwater",
    "Overflowing black bins on a pavement",
    "A fallen tree branch blocking a footpath",
    "Fly-tipped mattress and bags beside a hedge",
    "A broken streetlight at dusk",
    "Flooded underpass with water up to the kerb",
    "Graffiti on the wall of a bus shelter",
    None,
    None,
]


class Trickle:
    def __init__(
        self,
        state: SandboxState,
        interval: float,
        *,
        on_item: Callable[[dict[str, Any]], None] | None = None,
        seed: int | None = None,
    ) -> None:
        self.state = state
        self.interval = interval
        self.on_item = on_item
        self.rng = random.Random(seed)
        # Its own generator: pictures do not change which texts the seed gives.
        self.pictures = random.Random(seed)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sandbox-trickle", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval * self.rng.uniform(0.6, 1.4)):
            try:
                item = self.inject_one()
            except (
                InjectError,
                fb_inject.FbInjectError,
                masto_inject.MastoInjectError,
                bsky_inject.BskyInjectError,
                ValueError,
            ) as exc:
                log.warning("trickle skipped an item: %s", exc)
                continue
            if item is not None and self.on_item is not None:
                self.on_item(item)

    def inject_one(self) -> dict[str, Any] | None:
        """Inject one realistic item; None when no org account or Page is registered yet."""
        with self.state.lock:
            accounts = self.state.x.accounts()
            pages = list(self.state.fb.pages.values())
            skies = self.state.bsky.accounts()
            toots = self.state.masto.orgs()
            grams = list(self.state.ig.accounts.values())
            if not accounts and not pages and not skies and not toots and not grams:
                return None
            # Bigger audiences get more traffic, as in life.
            choices: list = [*accounts, *pages, *skies, *toots, *grams]
            account = self.rng.choices(
                choices, weights=[max(1, a.followers_count) for a in choices]
            )[0]
            if account in pages:
                return self._facebook_item(account)
            if account in grams:
                kind = self.rng.choice(["comment", "comment", "comment", "reply", "dm"])
                if kind == "reply":
                    comments = [
                        c
                        for c in self.state.ig.comments.values()
                        if c.parent_id is None and not c.deleted and c.from_id != account.id
                    ]
                    if not comments:
                        kind = "comment"
                    else:
                        parent = self.rng.choice(comments[-20:])
                        return ig_inject.inject(
                            self.state,
                            {"account_id": account.id, "kind": "reply", "parent_id": parent.id},
                        )[0]
                spec = {"account_id": account.id, "kind": kind}
                if kind == "dm":  # Instagram comments are words only; DMs carry pictures
                    spec["media"] = self._media()
                return ig_inject.inject(self.state, spec)[0]
            if account in toots:
                kind = self.rng.choices(
                    list(MASTO_KIND_WEIGHTS), weights=list(MASTO_KIND_WEIGHTS.values())
                )[0]
                return masto_inject.inject_one(self.state, account, kind=kind, media=self._media())
            if account in skies:
                kind = self.rng.choice(["mention", "mention", "reply", "quote", "dm"])
                if kind in ("reply", "quote") and not self.state.bsky.posts_by(account.did):
                    kind = "mention"
                spec = {"account": account.did, "kind": kind}
                if kind != "dm":  # Bluesky's chat carries no pictures
                    spec["media"] = self._media()
                return bsky_inject.inject(self.state, spec)[0]
            kind = self.rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]
            media = self._media()
            if kind == "dm":
                return inject_dm(self.state, account, media=media)
            if kind == "reply":
                thread = self._recent_thread(account.id)
                if thread is not None:
                    return inject_mention(
                        self.state, account, in_reply_to_tweet_id=thread, media=media
                    )
            return inject_mention(self.state, account, media=media)

    def _media(self) -> list[dict[str, Any]]:
        """Now and then one photo, landscape or portrait, usually described."""
        if self.pictures.random() >= PICTURE_SHARE:
            return []
        alt = self.pictures.choice(PICTURES)
        portrait = self.pictures.random() < 0.3
        width, height = (900, 1200) if portrait else (1200, 900)
        return [
            {
                "kind": "photo",
                "variant": "normal",
                "width": width,
                "height": height,
                "alt_text": alt or "",
            }
        ]

    def _recent_thread(self, account_id: str) -> str | None:
        # Continue one of the latest conversations: a mention or the account's own reply.
        recent = (
            self.state.x.mentions_of(account_id)[:15] + self.state.x.timeline_of(account_id)[:5]
        )
        return self.rng.choice(recent).id if recent else None

    def _facebook_item(self, page: FbPage) -> dict[str, Any]:
        """A comment on one of the Page's latest posts, a reply, or a Messenger message."""
        kind = self.rng.choices(list(FB_KIND_WEIGHTS), weights=list(FB_KIND_WEIGHTS.values()))[0]
        media = self._media()
        if kind == "message":
            # A photo sent on Messenger usually comes alone, with no words.
            text = "" if media and self.pictures.random() < 0.5 else None
            return fb_inject.inject_message(self.state, page, text=text, media=media)
        if kind == "reply":
            try:
                return fb_inject.inject_reply(self.state, page, media=media)
            except fb_inject.FbInjectError:
                pass  # no comment to answer yet: comment instead
        posts = self.state.fb.posts_of(page.id, who="own")[:3]
        post_id = self.rng.choice(posts).id if posts else None
        return fb_inject.inject_comment(self.state, page, post_id=post_id, media=media)
