"""Profile checks per channel (issue 20 point 8, seed 000): is the account
verified, open to direct messages from everyone, is its bio there and does it
carry the staffed-hours statement, are its picture and banner set.

Each check reads the profile from the network (``NetworkClient.profile_facts``)
and keeps the last result per channel in ``inbox.ProfileCheck``, with how to
fix each failing item, for the channels page. The staffed-hours statement is
the one the bio settings page offers to copy (``hours_statements``), so the
check and the advice agree. Lives here rather than in channels because the
statement is escalation's.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from escalation.selectors import hours_statements
from events.services import event_record
from inbox.models import Channel, ProfileCheck
from inbox.networks import client_for
from inbox.networks.base import NetworkError, ProfileFacts

log = logging.getLogger(__name__)

# How each network names its settings, for the "how to fix it" line.
_WHERE = {
    "x": {
        "verified": "Apply for verification in X's settings (Premium > Verified "
        "Organizations for a public body).",
        "dms": "On X, Settings and privacy > Privacy and safety > Direct messages: "
        "allow message requests from everyone.",
        "bio": "On X, Edit profile > Bio.",
        "picture": "On X, Edit profile: upload the organisation's logo as the profile photo.",
        "banner": "On X, Edit profile: upload a header image.",
    },
    "facebook": {
        "verified": "Request the verified badge for the Page in Meta Business Suite "
        "(Settings > Page verification).",
        "dms": "In the Page's settings, turn on messaging so people can send the Page "
        "a message (Settings > Messaging).",
        "bio": "On the Page, Edit details > Intro (the About text).",
        "picture": "On the Page, update the profile picture (the grey silhouette is "
        "Facebook's default).",
        "banner": "On the Page, add a cover photo.",
    },
    # Graph tells apps only the bio and picture; the others are not judged.
    "instagram": {
        "verified": "Apply for Meta Verified for the business in the Instagram app.",
        "dms": "In the Instagram app, Settings > Messages and story replies: allow "
        "message requests from everyone.",
        "bio": "In the Instagram app, Edit profile > Bio (150 characters).",
        "picture": "In the Instagram app, Edit profile: upload the organisation's logo.",
        "banner": "Instagram profiles have no banner.",
    },
}
_DEFAULT_WHERE = {
    "verified": "Ask the network to verify the account.",
    "dms": "Open the account's direct messages to everyone in the network's settings.",
    "bio": "Edit the account's bio on the network.",
    "picture": "Upload a profile picture on the network.",
    "banner": "Upload a banner (header) image on the network.",
}
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class CheckRun:
    checked: int
    failed: int  # channels whose profile could not be read


def _same_text(text: str) -> str:
    # Bios are edited by hand: compare with spacing, dashes and case evened out.
    text = text.replace("\u2013", "-").replace("\u2014", "-")
    return _SPACE.sub(" ", text).strip().casefold()


def results_for(*, channel: Channel, facts: ProfileFacts, statement: str) -> list[dict]:
    """The five checks, in display order, each with what was seen and the fix."""
    where = _WHERE.get(channel.network, _DEFAULT_WHERE)
    bio = facts.bio.strip()
    has_statement = bool(statement) and _same_text(statement) in _same_text(bio)
    return [
        _result(
            "verified",
            "Verified",
            facts.verified,
            "The account is verified." if facts.verified else "The account is not verified.",
            where["verified"],
        ),
        _result(
            "dms",
            "Open to direct messages from everyone",
            facts.dms_open,
            "Anyone can send it a direct message."
            if facts.dms_open
            else "Only some people can send it a direct message.",
            where["dms"],
        ),
        _result(
            "bio",
            "Bio present",
            bool(bio),
            "The bio is filled in." if bio else "The bio is empty.",
            where["bio"],
        ),
        _result(
            "bio_hours",
            "Bio states the staffed hours",
            has_statement,
            "The bio carries the staffed-hours statement."
            if has_statement
            else "The bio does not carry the current staffed-hours statement.",
            f"{where['bio']} Paste in the statement from Settings > Profile bio: “{statement}”",
        ),
        _result(
            "picture",
            "Profile picture set",
            facts.picture_set,
            "A profile picture is set." if facts.picture_set else "No profile picture is set.",
            where["picture"],
        ),
        _result(
            "banner",
            "Banner set",
            facts.banner_set,
            "A banner is set." if facts.banner_set else "No banner is set.",
            where["banner"],
        ),
    ]


def _result(key: str, label: str, ok: bool | None, detail: str, fix: str) -> dict:
    if ok is None:
        return {
            "key": key,
            "ok": None,
            "label": label,
            "detail": "The network does not say.",
            "fix": "",
        }
    return {"key": key, "ok": ok, "label": label, "detail": detail, "fix": "" if ok else fix}


def channel_profile_check(*, channel_id: int) -> ProfileCheck | None:
    """Read one channel's profile and store the result. A network error keeps
    the previous results and records why this attempt failed; a connector
    that does not read profiles stores nothing (None)."""
    channel = Channel.objects.get(pk=channel_id)
    now = timezone.now()
    try:
        facts = client_for(channel).profile_facts()
    except NetworkError as exc:
        log.info("profile check of channel %s failed: %s", channel.pk, exc)
        check, _ = ProfileCheck.objects.get_or_create(
            channel=channel, defaults={"checked_at": now, "results": []}
        )
        check.error = f"Could not read the profile: {exc}"[:2000]
        check.attempted_at = now
        check.save(update_fields=["error", "attempted_at"])
        return check
    if facts is None:
        return None
    statement = hours_statements(channels=[channel])[channel.pk]
    results = results_for(channel=channel, facts=facts, statement=statement)
    with transaction.atomic():
        previous = ProfileCheck.objects.select_for_update().filter(channel=channel).first()
        before = {r["key"] for r in previous.failing} if previous else set()
        check, _ = ProfileCheck.objects.update_or_create(
            channel=channel,
            defaults={"checked_at": now, "attempted_at": now, "results": results, "error": ""},
        )
        after = {r["key"] for r in check.failing}
        if previous is None or before != after:
            # Only changes are events: a daily "still not verified" is noise.
            event_record(
                type="channel.profile_checked",
                channel=channel,
                data={"failing": sorted(after), "fixed": sorted(before - after)},
            )
    return check


def profile_checks_run() -> CheckRun:
    """Check every active channel (beat, daily). One channel's failure never
    stops the others."""
    checked = failed = 0
    for channel_id in Channel.objects.filter(is_active=True).values_list("pk", flat=True):
        check = channel_profile_check(channel_id=channel_id)
        if check is None:
            continue
        checked += 1
        failed += bool(check.error)
    return CheckRun(checked=checked, failed=failed)
