"""Realistic citizen traffic for the fictional borough of Riverside.

Deterministic under a seed: the same seed gives the same citizens and texts,
so scenarios are stable across runs and tests can assert on them.
"""

from __future__ import annotations

import math
import random
import re
from typing import Any

from sandbox import traffic_texts as texts

CATEGORIES = ("question", "complaint", "name_check", "thanks", "detractor", "crisis")
# Everyday mix: mostly questions and complaints, some praise, few hostile.
DEFAULT_WEIGHTS = {"question": 40, "complaint": 30, "name_check": 10, "thanks": 12, "detractor": 8}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class TrafficGenerator:
    def __init__(self, seed: int | None = None) -> None:
        self.rng = random.Random(seed)
        self._used_handles: set[str] = set()

    def reseed(self, seed: int | None) -> None:
        self.rng.seed(seed)
        self._used_handles.clear()

    # -- people ------------------------------------------------------------

    def citizen(self) -> dict[str, Any]:
        """A plausible resident: name, unique handle, bio, follower count (long-tailed)."""
        rng = self.rng
        first, last = rng.choice(texts.FIRST_NAMES), rng.choice(texts.SURNAMES)
        area = rng.choice(texts.AREAS)
        styles = (
            f"{first}{last}{rng.randint(1, 99)}",
            f"{first.lower()}_{last.lower()}",
            f"{first[0]}{last}".lower(),
            f"{first}In{area.replace(' ', '').replace(chr(39), '')}",
            f"{last.lower()}{first[0].lower()}{rng.randint(70, 99)}",
        )
        # X handles are at most 15 characters; drop styles that would need cutting.
        handle = _unique(
            self._used_handles, rng.choice([h for h in styles if len(h) <= 15] or [styles[2]])
        )
        followers = int(min(9_000, math.exp(rng.gauss(5.2, 1.2))))
        return {
            "username": handle,
            "name": f"{first} {last}",
            "followers_count": followers,
            "verified": False,
            "description": self.fill(rng.choice(texts.BIOS)),
            "location": f"{area}, Riverside",
        }

    def remember_handle(self, handle: str) -> None:
        self._used_handles.add(handle.lower())

    # -- texts -------------------------------------------------------------

    def category(self, weights: dict[str, int] | None = None) -> str:
        weights = weights or DEFAULT_WEIGHTS
        names = list(weights)
        return self.rng.choices(names, weights=[weights[n] for n in names])[0]

    def mention(
        self, handle: str, category: str | None = None, flavour: str = "council"
    ) -> tuple[str, str]:
        """(category, text) for a public @mention of `handle`."""
        category = category or self.category()
        pool = texts.MENTIONS.get(flavour, texts.MENTIONS["council"])
        templates = pool.get(category) or texts.MENTIONS["council"][category]
        return category, self.fill(self.rng.choice(templates), acct=f"@{handle}")

    def follow_up(self, handle: str) -> str:
        """A short reply continuing an existing thread (X puts the @handle first)."""
        return f"@{handle} " + self.fill(self.rng.choice(texts.FOLLOW_UPS))

    def dm(self, category: str | None = None) -> tuple[str, str]:
        category = category or self.category(
            {"question": 50, "complaint": 35, "thanks": 10, "detractor": 5}
        )
        return category, self.fill(self.rng.choice(texts.DMS[category]))

    def own_reply(self, citizen_handle: str, citizen_name: str) -> str:
        initials = "".join(self.rng.choice("ABCDEFGHJKLMNPRSTW") for _ in range(2))
        body = self.fill(
            self.rng.choice(texts.OWN_REPLIES), name=citizen_name.split()[0], initials=initials
        )
        return f"@{citizen_handle} {body}"

    def announcement(self, flavour: str = "council") -> str:
        return self.fill(
            self.rng.choice(texts.ANNOUNCEMENTS.get(flavour, texts.ANNOUNCEMENTS["council"]))
        )

    def fill(self, template: str, **fixed: str) -> str:
        """Replace {placeholders}; unknown names are left visible so a typo shows up in tests."""

        def pick(match: re.Match[str]) -> str:
            key = match.group(1)
            if key in fixed:
                return fixed[key]
            return self._value(key) or match.group(0)

        return _PLACEHOLDER.sub(pick, template)

    def _value(self, key: str) -> str | None:
        rng = self.rng
        choices = {
            "street": texts.STREETS,
            "street2": texts.STREETS,
            "area": texts.AREAS,
            "day": texts.DAYS,
            "service": texts.SERVICES,
            "library": texts.LIBRARIES,
            "park": texts.PARKS,
            "time": texts.TIMES,
        }
        if key in choices:
            return rng.choice(choices[key])
        if key == "n":
            return str(rng.randint(2, 140))
        if key == "days":
            return str(rng.randint(3, 21))
        if key == "ref":
            return f"{rng.choice(['CT', 'HR', 'PK', 'WS'])}-{rng.randint(10000, 99999)}"
        return None


def _unique(used: set[str], handle: str) -> str:
    handle = re.sub(r"\W", "", handle) or "resident"
    candidate, n = handle, 1
    while candidate.lower() in used:
        n += 1
        candidate = f"{handle[:12]}{n}"
    used.add(candidate.lower())
    return candidate
