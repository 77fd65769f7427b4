"""Escalation rules through the API: read one, create, change, switch on or
off. A JSON body is bound to the very forms the rule page uses
(``escalation.forms.RuleForm`` and its levels formset) and saved by the same
service, so the API accepts exactly what the page accepts, refuses in the same
words, and logs the same events."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from accounts.http import AuthedApiRequest
from console.api.base import BAD, NOT_FOUND, SettingsApi
from escalation import selectors
from escalation.forms import LevelFormSet, RuleForm
from escalation.models import EscalationRule, KeywordList
from escalation.services import config

LEVELS_PREFIX = "levels"
# Foreign keys, given as ids.
RELATED = ("add_label", "assign_team")
SCALARS = (
    "name",
    "description",
    "keywords",
    "target_stage",
    "min_followers",
    "spike_count",
    "spike_minutes",
    "min_priority",
    "messenger_window_hours",
    "set_priority",
)
FLAGS = ("is_active", "verified_author", "detractor", "raise_open_escalations", "notify_email")


class LevelIn(serializers.Serializer):
    number = serializers.IntegerField(min_value=1, max_value=5)
    name = serializers.CharField(help_text="e.g. Officer, Comms lead, Head of comms")
    user_ids = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    team_ids = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    ack_minutes = serializers.IntegerField(min_value=1, required=False, default=15)


class EscalationRuleIn(serializers.Serializer):
    """The rule page's fields; leave a condition or an action out to leave it unset."""

    name = serializers.CharField()
    description = serializers.CharField(required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False, default=True)
    channel_ids = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        default=list,
        help_text="Empty: every channel (admins only).",
    )
    keywords = serializers.CharField(
        required=False, allow_blank=True, help_text="One word or phrase per line"
    )
    keyword_lists = serializers.ListField(
        child=serializers.CharField(), required=False, default=list, help_text="List keys"
    )
    target_stage = serializers.CharField(required=False, allow_blank=True)
    min_followers = serializers.IntegerField(required=False, allow_null=True)
    verified_author = serializers.BooleanField(required=False, default=False)
    detractor = serializers.BooleanField(required=False, default=False)
    min_priority = serializers.IntegerField(required=False, allow_null=True)
    messenger_window_hours = serializers.IntegerField(required=False, allow_null=True)
    spike_count = serializers.IntegerField(required=False, allow_null=True)
    spike_minutes = serializers.IntegerField(required=False, allow_null=True)
    set_priority = serializers.IntegerField(required=False, allow_null=True)
    add_label = serializers.IntegerField(required=False, allow_null=True, help_text="Label id")
    assign_team = serializers.IntegerField(required=False, allow_null=True, help_text="Team id")
    raise_open_escalations = serializers.BooleanField(required=False, default=False)
    notify_email = serializers.BooleanField(required=False, default=True)
    levels = LevelIn(many=True, required=False, default=list)


class LevelOut(serializers.Serializer):
    number = serializers.IntegerField()
    name = serializers.CharField()
    user_ids = serializers.ListField(child=serializers.IntegerField())
    team_ids = serializers.ListField(child=serializers.IntegerField())
    ack_minutes = serializers.IntegerField()


class RuleDetailOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    is_active = serializers.BooleanField()
    channel_ids = serializers.ListField(child=serializers.IntegerField())
    keywords = serializers.CharField()
    keyword_lists = serializers.ListField(child=serializers.CharField())
    target_stage = serializers.CharField()
    min_followers = serializers.IntegerField(allow_null=True)
    verified_author = serializers.BooleanField()
    detractor = serializers.BooleanField()
    min_priority = serializers.IntegerField(allow_null=True)
    messenger_window_hours = serializers.IntegerField(allow_null=True)
    spike_count = serializers.IntegerField(allow_null=True)
    spike_minutes = serializers.IntegerField(allow_null=True)
    set_priority = serializers.IntegerField(allow_null=True)
    add_label = serializers.IntegerField(allow_null=True)
    assign_team = serializers.IntegerField(allow_null=True)
    raise_open_escalations = serializers.BooleanField()
    notify_email = serializers.BooleanField()
    levels = LevelOut(many=True)
    url = serializers.CharField(help_text="The page that changes it")


class ActiveIn(serializers.Serializer):
    active = serializers.BooleanField()


def rule_out(rule: EscalationRule) -> dict[str, Any]:
    fresh = EscalationRule.objects.prefetch_related(
        "channels", "keyword_lists", "levels__users", "levels__teams"
    ).get(pk=rule.pk)
    return RuleDetailOut(
        {
            "id": fresh.pk,
            **{name: getattr(fresh, name) for name in (*SCALARS, *FLAGS)},
            **{name: getattr(fresh, f"{name}_id") for name in RELATED},
            "channel_ids": sorted(c.pk for c in fresh.channels.all()),
            "keyword_lists": sorted(kl.key for kl in fresh.keyword_lists.all()),
            "levels": [
                {
                    "number": level.number,
                    "name": level.name,
                    "user_ids": sorted(u.pk for u in level.users.all()),
                    "team_ids": sorted(t.pk for t in level.teams.all()),
                    "ack_minutes": level.ack_minutes,
                }
                for level in sorted(fresh.levels.all(), key=lambda lv: lv.number)
            ],
            "url": reverse("escalation:rule_edit", args=[fresh.pk]),
        }
    ).data


def _form_data(data: dict[str, Any], rule: EscalationRule) -> MultiValueDict:
    """The JSON body as the page's form would post it. Levels are matched to
    the rule's existing levels by number; existing levels left out are deleted."""
    posted: MultiValueDict = MultiValueDict()
    for name in (*SCALARS, *RELATED):
        value = data.get(name)
        posted[name] = "" if value is None else str(value)
    for name in FLAGS:
        if data.get(name):
            posted[name] = "on"
    posted.setlist("channels", [str(pk) for pk in data["channel_ids"]])
    keys = data["keyword_lists"]
    found = dict(KeywordList.objects.filter(key__in=keys).values_list("key", "pk"))
    unknown = sorted(set(keys) - set(found))
    if unknown:
        raise ValidationError({"detail": f"No keyword list called {', '.join(unknown)}."})
    posted.setlist("keyword_lists", [str(found[k]) for k in keys])

    existing = {level.number: level.pk for level in rule.levels.all()} if rule.pk else {}
    wanted = {level["number"]: level for level in data["levels"]}
    if len(wanted) != len(data["levels"]):
        raise ValidationError({"detail": "Each level needs its own number."})
    rows: list[tuple[int | None, dict[str, Any] | None]] = [
        (pk, wanted.get(number)) for number, pk in sorted(existing.items())
    ]
    rows += [(None, level) for number, level in sorted(wanted.items()) if number not in existing]
    initial = len(existing)
    posted[f"{LEVELS_PREFIX}-TOTAL_FORMS"] = str(len(rows))
    posted[f"{LEVELS_PREFIX}-INITIAL_FORMS"] = str(initial)
    for i, (pk, level) in enumerate(rows):
        prefix = f"{LEVELS_PREFIX}-{i}-"
        if pk is not None:
            posted[prefix + "id"] = str(pk)
        if level is None:  # an existing level the body leaves out
            posted[prefix + "DELETE"] = "on"
            continue
        posted[prefix + "number"] = str(level["number"])
        posted[prefix + "name"] = level["name"]
        posted[prefix + "ack_minutes"] = (
            "" if level.get("ack_minutes") is None else str(level["ack_minutes"])
        )
        posted.setlist(prefix + "users", [str(u) for u in level["user_ids"]])
        posted.setlist(prefix + "teams", [str(t) for t in level["team_ids"]])
    return posted


def _errors(form: RuleForm, levels) -> str:
    parts = []
    for field, errors in form.errors.items():
        label = "Rule" if field == "__all__" else form.fields[field].label or field
        parts.append(f"{label}: {' '.join(map(str, errors))}")
    for number, errors in enumerate(levels.errors, start=1):
        for field, messages in errors.items():
            parts.append(f"Level {number} {field}: {' '.join(messages)}")
    parts += [str(e) for e in levels.non_form_errors()]
    return " ".join(parts)


def rule_save_from_json(*, request: AuthedApiRequest, rule: EscalationRule, data: dict):
    posted = _form_data(data, rule)
    form = RuleForm(posted, instance=rule, user=request.user)
    levels = LevelFormSet(
        posted, instance=rule, form_kwargs={"user": request.user}, prefix=LEVELS_PREFIX
    )
    if not (form.is_valid() and levels.is_valid()):
        raise ValidationError({"detail": _errors(form, levels)})
    return config.rule_save(actor=request.user, form=form, levels=levels)


class EscalationRuleDetailApi(SettingsApi):
    @extend_schema(
        operation_id="settings_escalation_rules_detail",
        responses={200: RuleDetailOut, 403: BAD, 404: NOT_FOUND},
    )
    def get(self, request: AuthedApiRequest, pk: int) -> Response:
        return Response(rule_out(selectors.rule_get_for_user(user=request.user, pk=pk)))


class EscalationRuleCreateApi(SettingsApi):
    @extend_schema(
        operation_id="settings_escalation_rules_create",
        request=EscalationRuleIn,
        responses={201: RuleDetailOut, 400: BAD, 403: BAD},
        summary="Add an escalation rule on channels you manage (every channel: admins only)",
    )
    def post(self, request: AuthedApiRequest) -> Response:
        data = self.valid(EscalationRuleIn, request.data)
        rule = rule_save_from_json(request=request, rule=EscalationRule(), data=data)
        return Response(rule_out(rule), status=status.HTTP_201_CREATED)


class EscalationRuleUpdateApi(SettingsApi):
    @extend_schema(
        operation_id="settings_escalation_rules_update",
        request=EscalationRuleIn,
        responses={200: RuleDetailOut, 400: BAD, 403: BAD, 404: NOT_FOUND},
        summary="Replace a rule's conditions, actions and levels",
    )
    def post(self, request: AuthedApiRequest, pk: int) -> Response:
        rule = selectors.rule_get_for_user(user=request.user, pk=pk)
        data = self.valid(EscalationRuleIn, request.data)
        return Response(rule_out(rule_save_from_json(request=request, rule=rule, data=data)))


class EscalationRuleActiveApi(SettingsApi):
    @extend_schema(
        operation_id="settings_escalation_rules_active",
        request=ActiveIn,
        responses={200: RuleDetailOut, 400: BAD, 403: BAD, 404: NOT_FOUND},
        summary="Switch a rule on or off",
    )
    def post(self, request: AuthedApiRequest, pk: int) -> Response:
        rule = selectors.rule_get_for_user(user=request.user, pk=pk)
        active = self.valid(ActiveIn, request.data)["active"]
        rule = config.rule_set_active(rule=rule, actor=request.user, active=active)
        return Response(rule_out(rule))
