"""Seed a demo organisation: people, teams, sandbox channels, labels and canned
responses. Safe to run again: it updates what is there and resets passwords."""

from __future__ import annotations

import secrets

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Membership, Role, Team, User
from inbox.models import CannedResponse, Channel, HouseRule, Label, Network

PEOPLE = [
    # username, display name, team slug, role
    ("ada", "Ada Admin", "customer-services", Role.ADMIN),
    ("maya", "Maya Manager", "customer-services", Role.MANAGER),
    ("olivia", "Olivia Officer", "customer-services", Role.OFFICER),
    ("oscar", "Oscar Officer", "highways", Role.OFFICER),
]
TEAMS = [("customer-services", "Customer Services"), ("highways", "Highways")]
# Sandbox X accounts (see sandbox/scenarios.py): token "<id>-..." names the account.
CHANNELS = [
    ("999", "Riverside Council", "@council_help", "customer-services"),
    ("997", "Riverside Highways", "@riverside_roads", "highways"),
]
# Sandbox Facebook Pages (sandbox/scenarios.py FB_PAGES); token "sbx-page-<id>".
PAGES = [
    ("104857600000", "Riverside Council (Facebook)", "RiversideCouncil", "customer-services"),
    ("104857600001", "Riverside Highways (Facebook)", "RiversideHighways", "highways"),
]
LABELS = ["bins", "council tax", "potholes", "parking", "complaint", "praise", "flooding"]
CANNED = [
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
]

# A typical council's published rules for comments (hiding one names a rule).
HOUSE_RULES = [
    ("Abuse or threats", "We hide comments that abuse, threaten or harass anyone, staff included."),
    ("Personal details", "We hide comments that share anyone's address, phone number or email."),
    ("Spam or adverts", "We hide adverts, repeated posts and links to unrelated sites."),
    ("Discrimination", "We hide comments that discriminate on any protected characteristic."),
]


class Command(BaseCommand):
    help = "Create the demo organisation and print the demo passwords."

    @transaction.atomic
    def handle(self, *args, **options):
        teams = {
            slug: Team.objects.update_or_create(slug=slug, defaults={"name": name})[0]
            for slug, name in TEAMS
        }
        passwords = {}
        for username, name, team_slug, role in PEOPLE:
            user, _ = User.objects.get_or_create(username=username)
            user.display_name = name
            user.email = f"{username}@riverside.example"
            user.is_staff = role == Role.ADMIN
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.save()
            Membership.objects.update_or_create(
                user=user, team=teams[team_slug], defaults={"role": role}
            )
            passwords[username] = (password, role, teams[team_slug].name)
        for account_id, name, handle, team_slug in CHANNELS:
            channel, _ = Channel.objects.update_or_create(
                network=Network.X,
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
            channel.set_credentials(
                {
                    "consumer_key": "sandbox-consumer-key",
                    "consumer_secret": "sandbox-consumer-secret",
                    "access_token": f"{account_id}-sandbox-token",
                    "access_token_secret": "sandbox-token-secret",
                }
            )
            channel.save()
            channel.teams.set([teams[team_slug]])
        for page_id, name, handle, team_slug in PAGES:
            channel, _ = Channel.objects.update_or_create(
                network=Network.FACEBOOK,
                external_account_id=page_id,
                defaults={
                    "name": name,
                    "handle": handle,
                    "is_sandbox": True,
                    "is_active": True,
                    "needs_attention": False,
                    "poll_interval_seconds": 15,
                },
            )
            channel.set_credentials(
                {"page_access_token": f"sbx-page-{page_id}", "app_secret": "sandbox-app-secret"}
            )
            channel.save()
            channel.teams.set([teams[team_slug]])
        for name in LABELS:
            Label.objects.get_or_create(name=name)
        for title, text in CANNED:
            CannedResponse.objects.update_or_create(title=title, defaults={"text": text})
        for title, text in HOUSE_RULES:
            HouseRule.objects.update_or_create(title=title, defaults={"text": text})
        self._print(passwords)

    def _print(self, passwords):
        self.stdout.write(
            self.style.SUCCESS("Demo organisation ready. Sign in at http://127.0.0.1:8000")
        )
        for username, (password, role, team) in passwords.items():
            self.stdout.write(f"  {username:<8} {password:<20} {role} in {team}")
