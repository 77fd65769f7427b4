"""Thin Celery tasks for escalation."""

from __future__ import annotations

import logging
from dataclasses import asdict

from celery import shared_task

from escalation.services.evaluation import evaluation_run
from escalation.services.notify import Notice, notice_emails_send
from escalation.services.profile_checks import channel_profile_check, profile_checks_run

log = logging.getLogger(__name__)


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=55)
def evaluate() -> dict:
    """Beat runs this every minute. Safe to overlap or repeat: every effect
    of a pass is claimed by a unique key or a conditional update."""
    result = evaluation_run()
    log.info("escalation pass: %s", result)
    return {
        "seconds": round(result.seconds, 3),
        "raised": result.escalations_raised,
        "autoreplies": result.autoreplies,
    }


@shared_task(bind=True, ignore_result=True, max_retries=3, soft_time_limit=120, time_limit=150)
def send_notice_emails(self, notices: list[dict]) -> int:
    """E-mail a batch of notifications; only the ones that failed are retried."""
    failed = notice_emails_send(notices=[Notice(**n) for n in notices])
    if failed:
        raise self.retry(args=([asdict(n) for n in failed],), countdown=60)
    return len(notices)


@shared_task(ignore_result=True, soft_time_limit=600, time_limit=660)
def check_profiles() -> dict:
    """Beat runs this a few times a day: every active channel's profile
    against seed 000's hygiene checks."""
    result = profile_checks_run()
    return {"checked": result.checked, "failed": result.failed}


@shared_task(ignore_result=True, soft_time_limit=60, time_limit=75)
def check_profile(channel_id: int) -> bool:
    """One channel, now (an admin asked from the channels page)."""
    return channel_profile_check(channel_id=channel_id) is not None
