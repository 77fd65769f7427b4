"""Seed the demo council and live 90 days of its history; print how to sign in.

Not for production: it resets the demo people's passwords and second factors."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from demo.history import history_seed
from demo.organisation import Organisation, organisation_seed
from inbox.models import Message


class Command(BaseCommand):
    help = "Create the demo organisation with its history and print the demo sign-ins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=90, help="days of history to live (0: none)"
        )
        parser.add_argument("--seed", type=int, default=2026, help="random seed of the history")

    def handle(self, *args, days: int, seed: int, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo resets passwords and second factors: not in production.")
        started = time.perf_counter()
        with transaction.atomic():
            org = organisation_seed()
        if days > 0 and not Message.objects.filter(channel__in=org.channels).exists():
            # The history runs Celery tasks eagerly, thousands of them: their
            # per-task log lines (and the HTTP client's line per request to
            # the in-process sandbox) would bury the summary and the sign-ins.
            quiet = [logging.getLogger(name) for name in ("celery.app.trace", "httpx")]
            levels = [logger.level for logger in quiet]
            for logger in quiet:
                logger.setLevel(logging.WARNING)
            try:
                tally = history_seed(org=org, days=days, seed=seed)
            finally:
                for logger, level in zip(quiet, levels, strict=True):
                    logger.setLevel(level)
            self.stdout.write(
                f"History: {days} days, {tally.conversations} conversations, "
                f"{tally.inbound} messages in, {tally.replies} replies "
                f"({tally.held_for_approval} held for approval), {tally.likes} likes, "
                f"{tally.resolved} resolutions, {tally.escalations_acknowledged} escalations "
                f"acknowledged, {tally.evaluation_passes} escalation passes, "
                f"{tally.metrics_fetches} metrics fetches, {tally.own_posts_read} own posts "
                f"read in {tally.seconds:.1f} s."
            )
            for reason, count in tally.skipped.most_common():
                self.stdout.write(f"  refused by the services {count}x: {reason}")
        elif days > 0:
            self.stdout.write("History already there: kept as it is.")
        self._print(org, time.perf_counter() - started)

    def _print(self, org: Organisation, seconds: float) -> None:
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo organisation ready in {seconds:.1f} s. Sign in at http://127.0.0.1:8000"
            )
        )
        for s in org.sign_ins:
            self.stdout.write(f"  {s.username:<8} {s.password:<20} {s.role} in {s.team}")
            if s.recovery_code:
                self.stdout.write(f"           one-time recovery code: {s.recovery_code}")
                self.stdout.write(f"           authenticator secret:   {s.totp_secret}")
                self.stdout.write(f"           {s.otpauth_uri}")
