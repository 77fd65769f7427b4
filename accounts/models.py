from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    # Read-only: sees the channels of the team (auditors), changes nothing.
    VIEWER = "viewer", "Viewer"
    OFFICER = "officer", "Officer"
    MANAGER = "manager", "Manager"
    ADMIN = "admin", "Admin"


# Higher number, wider powers. On a channel a person holds the highest role of
# their memberships in the teams covering it (accounts.access.role_for_channel).
ROLE_RANK = {Role.VIEWER: 0, Role.OFFICER: 1, Role.MANAGER: 2, Role.ADMIN: 3}
# The roles that write replies: a rule about whose replies wait for approval
# names one of these (a viewer writes none).
REPLYING_ROLE_CHOICES = [(value, label) for value, label in Role.choices if value != Role.VIEWER]


class User(AbstractUser):
    """A member of staff. Custom from day one so fields can be added later."""

    # The highest role, memoised per request by accounts.access (not a column).
    _socialdesk_role: str | None

    display_name = models.CharField(max_length=150, blank=True)
    can_approve_replies = models.BooleanField(
        default=False, help_text="May approve colleagues' replies (managers and admins always may)."
    )
    # A database default as well: a process still running the previous
    # release (a rolling deploy) inserts users without this column.
    email_on_assignment = models.BooleanField(
        default=False,
        db_default=False,
        help_text="E-mail me when a colleague assigns a conversation to me.",
    )

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def label(self) -> str:
        return str(self)


class Team(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    members: models.ManyToManyField[User, Membership] = models.ManyToManyField(
        User, through="Membership", related_name="teams"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.OFFICER)
    # May approve held replies on this team's channels (managers and admins
    # always may): granted per team, so a manager of team A can name approvers
    # for A without giving anyone powers on team B's channels.
    can_approve_replies = models.BooleanField(default=False, db_default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="membership_unique_user_team")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} as {self.role}"


class UserSession(models.Model):
    """A signed-in session, so people can see where they are signed in and end
    it, and admins can end all of someone's sessions (ASVS 7.4.5, 7.5.2)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now_add=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-last_seen_at"]

    def __str__(self) -> str:
        return f"{self.user} from {self.ip or 'unknown'}"


class ReplyApprovalRule(models.Model):
    """Whose replies need a second person's approval before they go out (the
    two-person rule). Every condition the rule sets must hold for a reply to
    match; a reply matching any rule waits in "Awaiting approval". Channels in
    crisis mode always need approval, with or without a rule.

    Where: ``channel`` (replies on it) and ``team`` (replies by the team's
    members on the channels the team covers). Who: ``user`` (that person),
    ``role`` (people holding it in the rule's team, or else in a team covering
    the channel) and ``new_starter_days`` (people who joined the rule's team,
    or else SocialDesk, fewer than that many days ago). A rule with no "where"
    applies on every channel; only admins make those."""

    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    channel = models.ForeignKey(
        "inbox.Channel", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField(
        max_length=16, choices=REPLYING_ROLE_CHOICES, blank=True, default="", db_default=""
    )
    new_starter_days = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True, default="", db_default="")
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False)
                | models.Q(team__isnull=False)
                | models.Q(channel__isnull=False)
                | ~models.Q(role="")
                | models.Q(new_starter_days__isnull=False),
                name="approval_rule_has_a_subject",
            ),
            models.CheckConstraint(
                condition=models.Q(new_starter_days__isnull=True)
                | models.Q(new_starter_days__gte=1),
                name="approval_rule_new_starter_days_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"Approval needed for {self.describe()}"

    def describe(self) -> str:
        """The rule in words, for lists, previews and the event log."""
        if self.user_id:
            who = str(self.user)
        elif self.new_starter_days:
            who = f"new starters (first {self.new_starter_days} days)"
            if self.role:
                who = f"{self.get_role_display().lower()}s among " + who
        elif self.role:
            who = f"{self.get_role_display().lower()}s"
        else:
            who = "everyone"
        if self.channel_id and self.team_id:
            where = f" in {self.team} on {self.channel}"
        elif self.channel_id:
            where = f" on {self.channel}"
        elif self.team_id:
            where = f" in {self.team}, on its channels"
        else:
            where = " on every channel"
        return who + where


class ApiToken(models.Model):
    """A personal API key. Only a hash of the key is stored: the key itself is
    shown once, when it is made. Whether the session that made it had passed
    the second factor is kept, because for people who must use MFA a token
    stands in for a whole sign-in (issue 15)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    # The first characters of the key, so its owner can tell their keys apart.
    prefix = models.CharField(max_length=12)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_with_verified_mfa = models.BooleanField(default=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…) of {self.user}"


class SsoIdentity(models.Model):
    """A person's account at the identity provider, linked to a SocialDesk
    user at their first single sign-on. Later sign-ins are matched by the
    provider's subject, which never changes, not by e-mail, which can."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sso_identities")
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "subject"], name="sso_identity_unique_subject"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer} for {self.user}"
