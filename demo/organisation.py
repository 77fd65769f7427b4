"""The demo council: people, teams, sandbox channels, staffed hours, targets,
escalation rules, the approval rule, labels and canned responses.

Configuration rows are written here directly (the settings pages of issue 18
point 1 will own their services); everything that *happens* in the demo
(messages, replies, assignments...) goes through the real services, in
``demo.history``. Safe to run again: it updates what is there."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import time, timedelta

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Membership, ReplyApprovalRule, Role, Team, User
from accounts.services import mfa
from escalation.defaults import KEYWORD_LISTS, KEYWORD_RULES
from escalation.models import (
    EscalationLevel,
    EscalationRule,
    KeywordList,
    OpeningInterval,
    ResponseTarget,
    StaffedHours,
    TargetStage,
)
from inbox.models import CannedResponse, Channel, HouseRule, Label, Network, Priority
from sandbox.bsky_store import did_for

TEAMS = [("customer-services", "Customer Services"), ("highways", "Highways")]
# username, display name, team slug, role, days since joining
PEOPLE = [
    ("ada", "Ada Admin", "customer-services", Role.ADMIN, 900),
    ("maya", "Maya Manager", "customer-services", Role.MANAGER, 700),
    ("olivia", "Olivia Officer", "customer-services", Role.OFFICER, 400),
    ("nina", "Nina Newstarter", "customer-services", Role.OFFICER, 12),
    ("oscar", "Oscar Officer", "highways", Role.OFFICER, 500),
    ("hamid", "Hamid Hassan", "highways", Role.OFFICER, 300),
    # An internal auditor: reads Customer Services' inbox, dashboards and audit trail, changes nothing.
    ("vera", "Vera Viewer", "customer-services", Role.VIEWER, 60),
]
# The manager leads both teams' comms: she sees and answers for every channel.
EXTRA_MEMBERSHIPS = [("maya", "highways", Role.MANAGER)]
# The new starter whose replies wait for a second person (the two-person rule).
NEW_STARTER = "nina"
# People who sign in with a second factor (the MFA gate requires it of these roles).
MFA_PEOPLE = ("ada", "maya")

# Sandbox X accounts (sandbox/scenarios.py ACCOUNTS); token "<id>-..." names the account.
X_CHANNELS = [
    ("999", "Riverside Council", "@council_help", "customer-services"),
    ("997", "Riverside Highways", "@riverside_roads", "highways"),
]
# Sandbox Facebook Pages (sandbox/scenarios.py FB_PAGES); token "sbx-page-<id>".
FB_CHANNELS = [
    ("104857600000", "Riverside Council (Facebook)", "RiversideCouncil", "customer-services"),
    ("104857600001", "Riverside Highways (Facebook)", "RiversideHighways", "highways"),
]
# The sandbox's Bluesky account (sandbox/bsky_inject.py BSKY_ACCOUNTS), signed in
# with its app password on the first poll (which then keeps the session).
BSKY_CHANNELS = [
    (
        "riversidecouncil.bsky.social",
        "sbx-app-riverside-council",
        "Riverside Council (Bluesky)",
        "customer-services",
    ),
]
# The council's account on the sandbox's Mastodon instance (sandbox/masto_scenario.py);
# token "sbx-masto-<id>". Ids are stored as <id>@<instance> (inbox.networks.mastodon).
MASTO_INSTANCE = "https://social.sandbox.example"
MASTO_CHANNELS = [
    (
        "1001@social.sandbox.example",
        "Riverside Council (Mastodon)",
        "@riverside@social.sandbox.example",
        "customer-services",
    ),
]
# The council's Instagram professional account (sandbox/ig_inject.py IG_ACCOUNTS),
# reached with the token of the Facebook Page it is linked to.
IG_CHANNELS = [
    (
        "17841400000000001",
        "104857600000",
        "Riverside Council (Instagram)",
        "@riversidecouncil",
        "customer-services",
    ),
]

# Split shifts: weekdays 08:00-18:00 and Saturday morning; closed on Sundays
# and on the bank holidays of England and Wales.
WEEKLY_HOURS = [(day, time(8), time(18)) for day in range(5)] + [(5, time(9), time(13))]
HOLIDAY_REGION = "GB-ENG"
TIME_ZONE = "Europe/London"

LABELS = [
    ("bins", "#00703c"),
    ("council tax", "#1d70b8"),
    ("potholes", "#6f72af"),
    ("parking", "#912b88"),
    ("street lighting", "#f47738"),
    ("complaint", "#d4351c"),
    ("praise", "#85994b"),
    ("flooding", "#28a197"),
]
# A typical council's published rules for comments (hiding one names a rule).
HOUSE_RULES = [
    ("Abuse or threats", "We hide comments that abuse, threaten or harass anyone, staff included."),
    ("Personal details", "We hide comments that share anyone's address, phone number or email."),
    ("Spam or adverts", "We hide adverts, repeated posts and links to unrelated sites."),
    ("Discrimination", "We hide comments that discriminate on any protected characteristic."),
]
CANNED = {
    "customer-services": [
        (
            "Thanks, we're looking into it",
            "Hi {first_name}, thanks for letting us know. We're looking into this now and "
            "will come back to you. {officer}, {channel}",
        ),
        (
            "Please DM us your details",
            "Hi {first_name}, sorry to hear that. Could you send us a direct message with your "
            "address so we can check? Please don't post personal details publicly.",
        ),
        (
            "Missed bin",
            "Hi {first_name}, sorry your bin was missed. You can report it at "
            "riverside.example/bins and we'll collect it within 2 working days.",
        ),
        (
            "Council tax help",
            "Hi {first_name}, you can check your balance and set up instalments at "
            "riverside.example/counciltax, or call 0300 123 4567 (Mon-Fri 9-5).",
        ),
    ],
    "highways": [
        (
            "Pothole reported",
            "Hi {first_name}, thanks. We've logged the pothole and an inspector will visit "
            "within 5 working days. {officer}, Highways",
        ),
        (
            "Streetlight fault",
            "Hi {first_name}, thanks for reporting the streetlight. Our contractor fixes most "
            "faults within 7 days. You can track it at riverside.example/lights",
        ),
        (
            "Roadworks info",
            "Hi {first_name}, the current roadworks and diversions are listed at "
            "riverside.example/roadworks. Sorry for the disruption.",
        ),
    ],
}


@dataclass
class SignIn:
    username: str
    password: str
    role: str
    team: str
    recovery_code: str = ""
    totp_secret: str = ""
    otpauth_uri: str = ""


@dataclass
class Organisation:
    teams: dict[str, Team]
    people: dict[str, User]
    channels: list[Channel]
    sign_ins: list[SignIn] = field(default_factory=list)


def organisation_seed() -> Organisation:
    """Create or update the whole demo configuration (call inside a transaction)."""
    teams = {
        slug: Team.objects.update_or_create(slug=slug, defaults={"name": name})[0]
        for slug, name in TEAMS
    }
    people, sign_ins = _people_seed(teams)
    channels = _channels_seed(teams)
    for channel in channels:
        _staffed_hours_seed(channel)
    ResponseTarget.objects.get_or_create(channel=None, priority=None)
    labels = {name: _label(name, colour) for name, colour in LABELS}
    _canned_seed(teams)
    for title, text in HOUSE_RULES:
        HouseRule.objects.update_or_create(title=title, defaults={"text": text})
    _rules_seed(teams, people, labels)
    ReplyApprovalRule.objects.get_or_create(user=people[NEW_STARTER])
    return Organisation(teams=teams, people=people, channels=channels, sign_ins=sign_ins)


def _people_seed(teams: dict[str, Team]) -> tuple[dict[str, User], list[SignIn]]:
    people, sign_ins = {}, []
    now = timezone.now()
    for username, name, team_slug, role, days in PEOPLE:
        user, _ = User.objects.get_or_create(username=username)
        user.display_name = name
        user.email = f"{username}@riverside.example"
        user.is_staff = role == Role.ADMIN
        user.date_joined = now - timedelta(days=days)
        password = secrets.token_urlsafe(12)
        user.set_password(password)
        user.save()
        Membership.objects.update_or_create(
            user=user, team=teams[team_slug], defaults={"role": role}
        )
        people[username] = user
        sign_in = SignIn(username, password, role, teams[team_slug].name)
        if username in MFA_PEOPLE:
            _second_factor_seed(user, sign_in)
        sign_ins.append(sign_in)
    for username, team_slug, role in EXTRA_MEMBERSHIPS:
        Membership.objects.update_or_create(
            user=people[username], team=teams[team_slug], defaults={"role": role}
        )
    return people, sign_ins


def _second_factor_seed(user: User, sign_in: SignIn) -> None:
    """A confirmed authenticator and fresh recovery codes, so the demo's
    manager and admin pass the MFA gate without setting up an app: the
    command prints one recovery code and the TOTP secret. The gate itself is
    unchanged (production still requires the second factor of these roles)."""
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, name="Demo authenticator", confirmed=True)
    codes = mfa.recovery_codes_regenerate(user=user)
    sign_in.recovery_code = codes[0]
    sign_in.totp_secret = mfa.totp_secret_text(device)
    sign_in.otpauth_uri = device.config_url


def _channel(network: str, account_id: str, name: str, handle: str, creds: dict) -> Channel:
    channel, _ = Channel.objects.update_or_create(
        network=network,
        external_account_id=account_id,
        defaults={
            "name": name,
            "handle": handle,
            "is_sandbox": True,
            "is_active": True,
            "needs_attention": False,
            "poll_interval_seconds": 15,
        },
    )
    channel.set_credentials(creds)
    channel.save()
    return channel


def _channels_seed(teams: dict[str, Team]) -> list[Channel]:
    channels = []
    for account_id, name, handle, team_slug in X_CHANNELS:
        creds = {
            "consumer_key": "sandbox-consumer-key",
            "consumer_secret": "sandbox-consumer-secret",
            "access_token": f"{account_id}-sandbox-token",
            "access_token_secret": "sandbox-token-secret",
        }
        channel = _channel(Network.X, account_id, name, handle, creds)
        channel.teams.set([teams[team_slug]])
        channels.append(channel)
    for page_id, name, handle, team_slug in FB_CHANNELS:
        creds = {"page_access_token": f"sbx-page-{page_id}", "app_secret": "sandbox-app-secret"}
        channel = _channel(Network.FACEBOOK, page_id, name, handle, creds)
        channel.teams.set([teams[team_slug]])
        channels.append(channel)
    for bsky_handle, app_password, name, team_slug in BSKY_CHANNELS:
        creds = {"identifier": bsky_handle, "app_password": app_password}
        channel = _channel(Network.BLUESKY, did_for(bsky_handle), name, f"@{bsky_handle}", creds)
        channel.teams.set([teams[team_slug]])
        channels.append(channel)
    for account_id, name, handle, team_slug in MASTO_CHANNELS:
        creds = {
            "instance": MASTO_INSTANCE,
            "access_token": f"sbx-masto-{account_id.partition('@')[0]}",
        }
        channel = _channel(Network.MASTODON, account_id, name, handle, creds)
        channel.post_max_characters = 500  # the sandbox instance's (Mastodon's default)
        channel.save(update_fields=["post_max_characters"])
        channel.teams.set([teams[team_slug]])
        channels.append(channel)
    for account_id, page_id, name, handle, team_slug in IG_CHANNELS:
        creds = {
            "page_access_token": f"sbx-page-{page_id}",
            "app_secret": "sandbox-app-secret",
            "page_id": page_id,
        }
        channel = _channel(Network.INSTAGRAM, account_id, name, handle, creds)
        channel.teams.set([teams[team_slug]])
        channels.append(channel)
    return channels


def _staffed_hours_seed(channel: Channel) -> StaffedHours:
    hours, _ = StaffedHours.objects.update_or_create(
        channel=channel,
        defaults={
            "time_zone": TIME_ZONE,
            "holiday_region": HOLIDAY_REGION,
            "out_of_hours_reply": True,
            # Private messages only: a public auto-reply to every mention is noise.
            "out_of_hours_public": False,
        },
    )
    hours.intervals.all().delete()
    OpeningInterval.objects.bulk_create(
        [OpeningInterval(hours=hours, weekday=d, start=s, end=e) for d, s, e in WEEKLY_HOURS]
    )
    return hours


def _label(name: str, colour: str) -> Label:
    return Label.objects.update_or_create(name=name, defaults={"colour": colour})[0]


def _canned_seed(teams: dict[str, Team]) -> None:
    for slug, entries in CANNED.items():
        for title, text in entries:
            canned, _ = CannedResponse.objects.update_or_create(
                title=title, defaults={"text": text}
            )
            canned.teams.set([teams[slug]])


def _rules_seed(teams: dict[str, Team], people: dict[str, User], labels: dict[str, Label]) -> None:
    """The shipped keyword rules, a detractor rule and a breach rule, each
    with levels: the team first, then the manager, then the admin."""
    manager, admin = people["maya"], people["ada"]
    lists = _keyword_lists()
    for name, description, _phrases, priority in KEYWORD_RULES:
        # The rule matches the shipped list of the same name, which managers
        # edit in Settings (Escalation keywords).
        rule = _rule(
            name,
            description=description,
            keywords="",
            set_priority=priority,
            add_label=labels["complaint"] if name == "Threats" else None,
        )
        rule.keyword_lists.set([lists[name]])
        _levels(
            rule,
            [
                ("Duty officers", list(teams.values()), [], 10),
                ("Manager", [], [manager], 15),
                ("Head of comms", [], [admin], 30),
            ],
        )
    detractor = _rule(
        "Persistent detractor",
        description="Someone who keeps writing after we answered: a manager decides how to respond.",
        detractor=True,
        set_priority=Priority.HIGH,
    )
    _levels(detractor, [("Manager", [], [manager], 60)])
    breach = _rule(
        "Outer limit breached",
        description="Unanswered past the outer limit of the response target.",
        target_stage=TargetStage.LIMIT,
        set_priority=Priority.HIGH,
    )
    _levels(breach, [("Manager", [], [manager], 30)])


def _keyword_lists() -> dict[str, KeywordList]:
    """The shipped lists by name (migration 0003 creates them; a flushed test
    database may not have them, so they are made again here)."""
    return {
        name: KeywordList.objects.get_or_create(
            key=key, defaults={"name": name, "description": description, "terms": list(terms)}
        )[0]
        for key, name, description, terms in KEYWORD_LISTS
    }


def _rule(name: str, **fields) -> EscalationRule:
    rule, _ = EscalationRule.objects.update_or_create(
        name=name, defaults={"is_active": True, "notify_email": False, **fields}
    )
    return rule


def _levels(rule: EscalationRule, levels: list[tuple[str, list, list, int]]) -> None:
    rule.levels.all().delete()
    for number, (name, teams, users, minutes) in enumerate(levels, start=1):
        level = EscalationLevel.objects.create(
            rule=rule, number=number, name=name, ack_minutes=minutes
        )
        level.teams.set(teams)
        level.users.set(users)
