"""A person's own preferences, changed from their account page."""

from __future__ import annotations

from accounts.models import User
from events.services import event_record


def user_notification_preferences_set(*, user: User, email_on_assignment: bool) -> User:
    """Whether to e-mail ``user`` when a colleague assigns them a conversation
    (they are always told in the app). Logged when it changes."""
    if user.email_on_assignment == email_on_assignment:
        return user
    user.email_on_assignment = email_on_assignment
    user.save(update_fields=["email_on_assignment"])
    event_record(
        type="account.preferences_changed",
        actor=user,
        data={"target": f"user:{user.pk}", "email_on_assignment": email_on_assignment},
    )
    return user
