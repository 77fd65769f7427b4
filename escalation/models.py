"""Staffed hours, response targets, escalation rules, out-of-hours replies and
crisis mode. The business clock itself is ``escalation.clock``; these rows
only describe the policy and remember what the evaluation pass has done
(so that a second pass, or a concurrent one, does nothing twice)."""

from __future__ import annotations

import re
import string
from datetime import date, datetime, time, timedelta
from typing import cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce

from escalation import clock
from inbox.models import Priority

WEEKDAY_CHOICES = [(i, name) for i, name in enumerate(clock.WEEKDAYS)]

DEFAULT_EMERGENCY_TEXT = "In an emergency call 999. For non-emergencies call 101."
DEFAULT_OUT_OF_HOURS_TEXT = (
    "Thanks for your message. This account is not staffed right now; "
    "we will reply from {reopens}. {emergency}"
)
# Placeholders an auto-reply may use; anything else is refused when saved.
REPLY_PLACEHOLDERS = {"reopens", "hours", "emergency"}


def validate_time_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"{value!r} is not an IANA time zone, e.g. Europe/London.") from exc


def validate_holiday_region(value: str) -> None:
    problem = clock.region_problem(value)
    if problem:
        raise ValidationError(problem + ' Use a code such as "GB-ENG", "GB-SCT" or "AU-NSW".')


def validate_reply_template(value: str) -> None:
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
    except ValueError as exc:
        raise ValidationError(f"The text has a stray brace: {exc}.") from exc
    unknown = names - REPLY_PLACEHOLDERS
    if unknown:
        allowed = ", ".join("{" + n + "}" for n in sorted(REPLY_PLACEHOLDERS))
        raise ValidationError(f"Unknown placeholder {sorted(unknown)[0]!r}: use {allowed}.")


def render_reply(template: str, *, reopens: str, hours: str, emergency: str) -> str:
    """An auto-reply template with its placeholders filled in."""
    return template.format_map({"reopens": reopens, "hours": hours, "emergency": emergency}).strip()


# The longest "back at" text a reply can carry, for checking lengths up front.
_LONGEST_REOPENS = "12:30pm on Wednesday 30 September"


class StaffedHours(models.Model):
    """When a channel is staffed. A channel without a row is staffed 24/7."""

    channel = models.OneToOneField(
        "inbox.Channel", on_delete=models.CASCADE, related_name="staffed_hours"
    )
    time_zone = models.CharField(
        max_length=64, default="Europe/London", validators=[validate_time_zone]
    )
    holiday_region = models.CharField(
        max_length=16,
        blank=True,
        validators=[validate_holiday_region],
        help_text='Public holidays to close on, e.g. "GB-ENG", "GB-SCT", "AU-NSW". Blank: none.',
    )
    out_of_hours_reply = models.BooleanField(
        default=True, help_text="Send an automatic reply to messages that arrive while closed."
    )
    out_of_hours_public = models.BooleanField(
        default=False,
        help_text="Also reply publicly to public mentions and comments (private messages only "
        "when off).",
    )
    out_of_hours_text = models.TextField(
        default=DEFAULT_OUT_OF_HOURS_TEXT,
        validators=[validate_reply_template],
        help_text="Placeholders: {reopens} (e.g. “8am tomorrow”), {hours}, {emergency}.",
    )
    emergency_text = models.CharField(max_length=300, default=DEFAULT_EMERGENCY_TEXT)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "staffed hours"

    def __str__(self) -> str:
        return f"Staffed hours of {self.channel}"

    def clean(self) -> None:
        if not self.out_of_hours_public or not self.channel_id:
            return
        from inbox.text_rules import length_problem

        try:
            sample = render_reply(
                self.out_of_hours_text,
                reopens=_LONGEST_REOPENS,
                hours=clock.hours_statement(hours=self.schedule() if self.pk else None),
                emergency=self.emergency_text,
            )
        except (KeyError, ValueError):
            return  # the field validator explains a bad template
        kind = "comment" if self.channel.network in ("facebook", "instagram") else "public"
        problem = length_problem(self.channel.network, kind, sample)
        if problem:
            raise ValidationError({"out_of_hours_text": f"As a public reply: {problem}"})

    def schedule(self) -> clock.Schedule:
        """The clock's view of these hours (uses prefetched intervals/exceptions)."""
        return clock.Schedule(
            time_zone=self.time_zone,
            holiday_region=self.holiday_region.strip().upper(),
            weekly=tuple(
                clock.WeeklyInterval(weekday=i.weekday, start=i.start, end=i.end)
                for i in self.intervals.all()
            ),
            exceptions=tuple(
                # The column's choices are exactly the clock's two kinds.
                clock.DatedException(
                    kind=cast(clock.ExceptionKindName, e.kind), start=e.local_start, end=e.local_end
                )
                for e in self.exceptions.all()
            ),
        )


class OpeningInterval(models.Model):
    hours = models.ForeignKey(StaffedHours, on_delete=models.CASCADE, related_name="intervals")
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAY_CHOICES)
    start = models.TimeField()
    end = models.TimeField(
        help_text="Not after the start means the shift ends the next day (22:00 to 06:00)."
    )

    class Meta:
        ordering = ["weekday", "start"]

    def __str__(self) -> str:
        return f"{clock.WEEKDAYS[self.weekday]} {self.start:%H:%M}-{self.end:%H:%M}"


class ExceptionKind(models.TextChoices):
    CLOSED = "closed", "Closed"
    EXTRA = "extra", "Extra cover"


class HoursException(models.Model):
    """A dated closure (a training day) or extra cover (an incident), in the
    hours' own time zone. Without times it covers whole days."""

    hours = models.ForeignKey(StaffedHours, on_delete=models.CASCADE, related_name="exceptions")
    kind = models.CharField(max_length=8, choices=ExceptionKind.choices)
    starts_on = models.DateField()
    start_time = models.TimeField(null=True, blank=True, help_text="Blank: from midnight.")
    ends_on = models.DateField(null=True, blank=True, help_text="Blank: the same day.")
    end_time = models.TimeField(null=True, blank=True, help_text="Blank: to the end of the day.")
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["starts_on", "start_time"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.local_start:%Y-%m-%d %H:%M} to {self.local_end:%Y-%m-%d %H:%M}"

    @property
    def local_start(self) -> datetime:
        return datetime.combine(self.starts_on, self.start_time or time(0))

    @property
    def local_end(self) -> datetime:
        last: date = self.ends_on or self.starts_on
        if self.end_time is None:
            return datetime.combine(last + timedelta(days=1), time(0))
        return datetime.combine(last, self.end_time)

    def clean(self) -> None:
        if self.starts_on and self.local_end <= self.local_start:
            raise ValidationError("The exception must end after it starts.")


class Clock(models.TextChoices):
    STAFFED = "staffed", "Staffed hours only"
    CALENDAR = "calendar", "Calendar (24/7)"


class ResponseTarget(models.Model):
    """How fast a conversation must be answered. The most specific policy
    wins: channel and priority, channel, priority, then the default."""

    channel = models.ForeignKey(
        "inbox.Channel",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Blank: every channel without its own policy.",
    )
    priority = models.PositiveSmallIntegerField(
        choices=Priority.choices, null=True, blank=True, help_text="Blank: any priority."
    )
    target_minutes = models.PositiveIntegerField(default=30, validators=[MinValueValidator(1)])
    limit_minutes = models.PositiveIntegerField(
        default=60,
        validators=[MinValueValidator(1)],
        help_text="The second, outer threshold (e.g. 60 minutes).",
    )
    warning_percent = models.PositiveSmallIntegerField(
        default=80, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    clock = models.CharField(max_length=8, choices=Clock.choices, default=Clock.STAFFED)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Coalesce("channel", Value(0)),
                Coalesce("priority", Value(-1)),
                name="response_target_one_per_scope",
            )
        ]

    def __str__(self) -> str:
        scope = self.channel.name if self.channel is not None else "All channels"
        priority = self.get_priority_display() if self.priority is not None else "any priority"
        return f"{scope}, {priority}: {self.target_minutes}/{self.limit_minutes} min"

    def clean(self) -> None:
        if self.limit_minutes and self.target_minutes and self.limit_minutes < self.target_minutes:
            raise ValidationError("The outer limit cannot be shorter than the target.")


class ConversationTarget(models.Model):
    """The due times of one open conversation's current awaiting cycle.

    ``status``/``priority``/``cycle_start`` are the conversation as it was
    when the due times were computed: the evaluation pass recomputes any
    row whose conversation no longer matches (or that is marked stale after
    a policy or hours change). ``*_cycle`` record which cycle each stage
    event was already written for, so a stage fires once per cycle however
    many passes run."""

    conversation = models.OneToOneField(
        "inbox.Conversation",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="escalation_target",
    )
    channel = models.ForeignKey("inbox.Channel", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=16)
    priority = models.PositiveSmallIntegerField()
    cycle_start = models.DateTimeField(null=True, blank=True)
    stale = models.BooleanField(default=False)
    clock = models.CharField(max_length=8, choices=Clock.choices)
    target_seconds = models.PositiveIntegerField()
    limit_seconds = models.PositiveIntegerField()
    warning_percent = models.PositiveSmallIntegerField()
    paused_seconds = models.FloatField(default=0)
    paused_since = models.DateTimeField(null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    limit_at = models.DateTimeField(null=True, blank=True)
    warned_cycle = models.DateTimeField(null=True, blank=True)
    breached_cycle = models.DateTimeField(null=True, blank=True)
    limit_cycle = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["warn_at"], name="target_warn_idx"),
            models.Index(fields=["due_at"], name="target_due_idx"),
            models.Index(fields=["limit_at"], name="target_limit_idx"),
        ]

    def __str__(self) -> str:
        return f"Target of conversation {self.conversation_id}"


class TargetStage(models.TextChoices):
    WARNING = "warning", "Near breach (warning)"
    BREACHED = "breached", "Target breached"
    LIMIT = "limit", "Outer limit breached"


class KeywordList(models.Model):
    """A shipped, editable list of words and phrases (threats, self-harm,
    emergencies). A rule that names the list matches its terms as well as
    its own ``keywords``, so an edit applies to every such rule at the next
    evaluation pass. ``key`` names the shipped defaults
    (``escalation.defaults.KEYWORD_LISTS``) that "restore" puts back."""

    key = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=80)
    description = models.TextField(blank=True)
    terms = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class EscalationRule(models.Model):
    """When (all set conditions hold) and what to do. Conditions are checked
    on open conversations awaiting a reply; a rule fires once per
    conversation per awaiting cycle (a spike rule once per channel per
    window)."""

    # Set by escalation.forms.RuleForm while validating (see ``phrases``).
    pending_keyword_lists: list[KeywordList] | None

    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    is_active = models.BooleanField("Switched on", default=True)
    channels = models.ManyToManyField(
        "inbox.Channel", blank=True, related_name="+", help_text="None ticked: every channel."
    )
    # Conditions
    target_stage = models.CharField(
        "Response target", max_length=8, choices=TargetStage.choices, blank=True
    )
    keywords = models.TextField(
        "Words or phrases",
        blank=True,
        help_text="One word or phrase per line, matched as whole words, any case "
        "(e.g. “bomb”, “kill myself”, “emergency”).",
    )
    keyword_lists = models.ManyToManyField(
        KeywordList,
        verbose_name="Keyword lists",
        blank=True,
        related_name="rules",
        help_text="Also match every term of these lists (kept in Settings, Escalation keywords).",
    )
    min_followers = models.PositiveIntegerField(
        "Author's followers at least", null=True, blank=True
    )
    verified_author = models.BooleanField(
        "Verified author", default=False, help_text="With a follower count: either is enough."
    )
    spike_count = models.PositiveIntegerField(
        "Volume spike: inbound messages",
        null=True,
        blank=True,
        help_text="At least this many on one channel…",
    )
    spike_minutes = models.PositiveIntegerField(
        "Volume spike: minutes", null=True, blank=True, help_text="…within this many minutes."
    )
    detractor = models.BooleanField(
        "Author is a detractor", default=False, help_text="Flagged by the detractor policy."
    )
    min_priority = models.PositiveSmallIntegerField(
        "Priority at least", choices=Priority.choices, null=True, blank=True
    )
    messenger_window_hours = models.PositiveSmallIntegerField(
        "Messenger window closing (hours)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(23)],
        help_text="Facebook private message whose 24-hour reply window closes within this "
        "many hours.",
    )
    # Actions
    set_priority = models.PositiveSmallIntegerField(
        "Raise priority to", choices=Priority.choices, null=True, blank=True
    )
    add_label = models.ForeignKey(
        "inbox.Label", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assign_team = models.ForeignKey(
        "accounts.Team",
        verbose_name="Reassign to team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Reassign to this team (only on channels it covers).",
    )
    raise_open_escalations = models.BooleanField(
        "Escalate to the next level",
        default=False,
        help_text="Escalate to the next level: open escalations of other rules on the same "
        "conversation move up one level.",
    )
    notify_email = models.BooleanField(
        "Also by e-mail",
        default=True,
        help_text="Email each notified person as well as notifying in the app.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_spike_rule(self) -> bool:
        return bool(self.spike_count and self.spike_minutes)

    def phrases(self) -> list[str]:
        """Its own phrases and its keyword lists' terms (the lists are read
        through ``keyword_lists.all()``, so a prefetch serves them; an unsaved
        rule has no lists yet)."""
        own = [line.strip() for line in self.keywords.splitlines() if line.strip()]
        # A form being validated sets the lists it chose before they are saved.
        lists = getattr(self, "pending_keyword_lists", None)
        if lists is None:
            lists = self.keyword_lists.all() if self.pk is not None else []
        listed = [t for kl in lists for t in kl.terms if t.strip()]
        return list(dict.fromkeys(own + listed))

    def keyword_pattern(self) -> re.Pattern[str] | None:
        return phrase_pattern(self.phrases())

    def conversation_conditions(self) -> list[str]:
        names = []
        if self.target_stage:
            names.append("target")
        if self.phrases():
            names.append("keywords")
        if self.min_followers is not None or self.verified_author:
            names.append("author")
        if self.detractor:
            names.append("detractor")
        if self.min_priority is not None:
            names.append("priority")
        if self.messenger_window_hours:
            names.append("messenger_window")
        return names

    def clean(self) -> None:
        if bool(self.spike_count) != bool(self.spike_minutes):
            raise ValidationError("A volume spike needs both a count and a number of minutes.")
        if self.is_spike_rule and self.conversation_conditions():
            raise ValidationError(
                "A volume spike is about a whole channel: make it a rule of its own."
            )
        if not self.is_spike_rule and not self.conversation_conditions():
            raise ValidationError("Choose at least one condition.")
        if self.is_spike_rule and (self.set_priority is not None or self.add_label_id):
            raise ValidationError("A spike rule can only notify: it has no conversation to change.")


def phrase_pattern(phrases: list[str]) -> re.Pattern[str] | None:
    """Whole-word, case-insensitive alternation of phrases. Lookarounds, not
    ``\\b``, so phrases that start or end with punctuation still match."""
    if not phrases:
        return None
    parts = sorted(
        (r"\s+".join(re.escape(word) for word in p.split()) for p in phrases), key=len, reverse=True
    )
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


class EscalationLevel(models.Model):
    """Who is told at each level, and how long they have to acknowledge
    before the escalation moves up to the next level."""

    rule = models.ForeignKey(EscalationRule, on_delete=models.CASCADE, related_name="levels")
    number = models.PositiveSmallIntegerField("Level", validators=[MinValueValidator(1)])
    name = models.CharField(max_length=80, help_text="e.g. Officer, Comms lead, Head of comms")
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="People", blank=True, related_name="+"
    )
    teams = models.ManyToManyField("accounts.Team", blank=True, related_name="+")
    ack_minutes = models.PositiveIntegerField(
        "Minutes to acknowledge",
        default=15,
        validators=[MinValueValidator(1)],
        help_text="If nobody acknowledges within this time, the next level is told.",
    )

    class Meta:
        ordering = ["rule", "number"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "number"], name="escalation_level_unique")
        ]

    def __str__(self) -> str:
        return f"{self.rule}: level {self.number} ({self.name})"


class Escalation(models.Model):
    """One firing of a rule. ``trigger_key`` is unique per rule, so two
    evaluation passes racing on the same trigger create one row: only the
    pass that inserted it acts on it."""

    rule = models.ForeignKey(EscalationRule, on_delete=models.PROTECT, related_name="escalations")
    conversation = models.ForeignKey(
        "inbox.Conversation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalations",
    )
    channel = models.ForeignKey("inbox.Channel", on_delete=models.PROTECT, related_name="+")
    trigger_key = models.CharField(max_length=200)
    cycle = models.DateTimeField(help_text="The awaiting cycle (or spike window) it fired for.")
    reason = models.CharField(max_length=300)
    level = models.PositiveSmallIntegerField(default=1)
    raised_at = models.DateTimeField()
    level_due_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "trigger_key"], name="escalation_once")
        ]
        indexes = [
            models.Index(
                fields=["level_due_at"],
                condition=Q(acknowledged_at__isnull=True),
                name="escalation_unacked_idx",
            ),
            models.Index(fields=["rule", "conversation", "cycle"], name="escalation_cycle_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} (level {self.level})"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None


class KeywordMatch(models.Model):
    """An inbound message that matched a rule's phrases (kept so a rule that
    also needs, say, a breached target can fire later in the same cycle)."""

    rule = models.ForeignKey(EscalationRule, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        "inbox.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    message = models.ForeignKey("inbox.Message", on_delete=models.CASCADE, related_name="+")
    message_sent_at = models.DateTimeField()
    phrase = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule", "message"], name="keyword_match_once")
        ]
        indexes = [
            models.Index(fields=["rule", "conversation", "message_sent_at"], name="kwmatch_idx")
        ]

    def __str__(self) -> str:
        return f"{self.phrase!r} in message {self.message_id}"


class OutOfHoursReply(models.Model):
    """The claim that makes an out-of-hours reply once per contact per closed
    period: ``key`` is unique and is also the reply's idempotency key."""

    key = models.CharField(max_length=64, unique=True)
    channel = models.ForeignKey("inbox.Channel", on_delete=models.PROTECT, related_name="+")
    contact = models.ForeignKey("inbox.Contact", on_delete=models.PROTECT, related_name="+")
    conversation = models.ForeignKey(
        "inbox.Conversation", on_delete=models.PROTECT, related_name="+"
    )
    trigger_message = models.ForeignKey("inbox.Message", on_delete=models.PROTECT, related_name="+")
    reply = models.ForeignKey(
        "inbox.Message", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateTimeField(null=True, blank=True)
    reopens_at = models.DateTimeField(null=True, blank=True)
    crisis = models.BooleanField(default=False)
    skipped_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "out-of-hours replies"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.key


class ScanCursor(models.Model):
    """How far the evaluation has scanned inbound messages (by id). It only
    moves past messages received a while ago, so a slow ingest transaction
    that commits a lower id late is still seen; re-scanning is harmless
    because every effect is claimed by a unique key."""

    name = models.CharField(max_length=32, unique=True)
    last_message_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_message_id}"


class CrisisMode(models.Model):
    """A set of channels in crisis mode, from start to end."""

    title = models.CharField(max_length=120, help_text="e.g. “Flooding on the Riverside estate”")
    channels = models.ManyToManyField("inbox.Channel", related_name="+")
    holding_statement = models.TextField(help_text="Pinned as the first canned response.")
    keywords = models.TextField(
        blank=True, help_text="Incident words or phrases, one per line (whole words, any case)."
    )
    crisis_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    label = models.ForeignKey(
        "inbox.Label", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    auto_reply_text = models.TextField(
        blank=True,
        validators=[validate_reply_template],
        help_text="Replaces the out-of-hours reply while in crisis. Blank: keep the usual text.",
    )
    target_minutes = models.PositiveIntegerField(
        "Reply within (minutes)", default=15, validators=[MinValueValidator(1)]
    )
    limit_minutes = models.PositiveIntegerField(
        "Reply at most within (minutes)", default=30, validators=[MinValueValidator(1)]
    )
    canned_response = models.ForeignKey(
        "inbox.CannedResponse", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField()
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = "crisis"
        verbose_name_plural = "crises"

    def __str__(self) -> str:
        return self.title

    @property
    def is_active(self) -> bool:
        return self.ended_at is None

    def keyword_pattern(self) -> re.Pattern[str] | None:
        return phrase_pattern([ln.strip() for ln in self.keywords.splitlines() if ln.strip()])


class CrisisRouting(models.Model):
    """A conversation already labelled and routed for a crisis (the claim
    that keeps concurrent passes from routing it twice)."""

    crisis = models.ForeignKey(CrisisMode, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        "inbox.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["crisis", "conversation"], name="crisis_route_once")
        ]

    def __str__(self) -> str:
        return f"Crisis {self.crisis_id} routed conversation {self.conversation_id}"
