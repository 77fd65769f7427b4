"""Trickle mode: a background thread that keeps citizen traffic arriving (demo).

Every `interval` seconds (plus or minus 40% jitter, so it does not feel
mechanical) it injects one item into a random registered org account:
mostly mentions, some DMs, now and then a reply continuing a thread.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sandbox import fb_inject
from sandbox.x_inject import InjectError, inject_dm, inject_mention

if TYPE_CHECKING:
    from sandbox.fb_models import FbPage
    from sandbox.state import SandboxState

log = logging.getLogger("sandbox.trickle")
KIND_WEIGHTS = {"mention": 70, "dm": 20, "reply": 10}
FB_KIND_WEIGHTS = {"comment": 60, "message": 25, "reply": 15}


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
            except (InjectError, fb_inject.FbInjectError, ValueError) as exc:
                log.warning("trickle skipped an item: %s", exc)
                continue
            if item is not None and self.on_item is not None:
                self.on_item(item)

    def inject_one(self) -> dict[str, Any] | None:
        """Inject one realistic item; None when no org account or Page is registered yet."""
        with self.state.lock:
            accounts = self.state.x.accounts()
            pages = list(self.state.fb.pages.values())
            if not accounts and not pages:
                return None
            # Bigger audiences get more traffic, as in life.
            choices: list = [*accounts, *pages]
            account = self.rng.choices(
                choices, weights=[max(1, a.followers_count) for a in choices]
            )[0]
            if account in pages:
                return self._facebook_item(account)
            kind = self.rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]
            if kind == "dm":
                return inject_dm(self.state, account)
            if kind == "reply":
                thread = self._recent_thread(account.id)
                if thread is not None:
                    return inject_mention(self.state, account, in_reply_to_tweet_id=thread)
            return inject_mention(self.state, account)

    def _recent_thread(self, account_id: str) -> str | None:
        # Continue one of the latest conversations: a mention or the account's own reply.
        recent = (
            self.state.x.mentions_of(account_id)[:15] + self.state.x.timeline_of(account_id)[:5]
        )
        return self.rng.choice(recent).id if recent else None

    def _facebook_item(self, page: FbPage) -> dict[str, Any]:
        """A comment on one of the Page's latest posts, a reply, or a Messenger message."""
        kind = self.rng.choices(list(FB_KIND_WEIGHTS), weights=list(FB_KIND_WEIGHTS.values()))[0]
        if kind == "message":
            return fb_inject.inject_message(self.state, page)
        if kind == "reply":
            try:
                return fb_inject.inject_reply(self.state, page)
            except fb_inject.FbInjectError:
                pass  # no comment to answer yet: comment instead
        posts = self.state.fb.posts_of(page.id)[:3]
        post_id = self.rng.choice(posts).id if posts else None
        return fb_inject.inject_comment(self.state, page, post_id=post_id)
