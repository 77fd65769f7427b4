"""Reply approval in the API: the same services and refusals as the page."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from accounts.models import REPLYING_ROLE_CHOICES, Membership, Team, User
from console.api.base import NOT_FOUND, REFUSED, SettingsApi
from inbox import approval_selectors
from inbox.models import Channel
from inbox.services import approval_rules


class ApprovalRuleIn(serializers.Serializer):
    # Any existing team, channel or person: whether the caller may name them is
    # the service's refusal (403), the same as on the page.
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True
    )
    channel = serializers.PrimaryKeyRelatedField(
        queryset=Channel.objects.all(), required=False, allow_null=True
    )
    user = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    role = serializers.ChoiceField(choices=REPLYING_ROLE_CHOICES, required=False, allow_blank=True)
    new_starter_days = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=approval_rules.MAX_NEW_STARTER_DAYS
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class ApprovalRuleOut(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    description = serializers.CharField(source="describe")
    team = serializers.IntegerField(source="team_id", allow_null=True)
    channel = serializers.IntegerField(source="channel_id", allow_null=True)
    user = serializers.IntegerField(source="user_id", allow_null=True)
    role = serializers.CharField()
    new_starter_days = serializers.IntegerField(allow_null=True)
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class RuleRowOut(serializers.Serializer):
    rule = ApprovalRuleOut()
    may_change = serializers.BooleanField()


class ChannelRef(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    network = serializers.CharField()


class EffectRowOut(serializers.Serializer):
    person = serializers.IntegerField(source="person.pk")
    name = serializers.CharField(source="person.label")
    channels = ChannelRef(many=True)


class PreviewOut(serializers.Serializer):
    description = serializers.CharField()
    people = EffectRowOut(many=True)
    more = serializers.IntegerField()


class ApproverOut(serializers.Serializer):
    membership = serializers.IntegerField(source="pk")
    team = serializers.IntegerField(source="team_id")
    user = serializers.IntegerField(source="user_id")
    name = serializers.CharField(source="user.label")
    role = serializers.CharField()
    can_approve_replies = serializers.BooleanField()


class ApproverIn(serializers.Serializer):
    can_approve_replies = serializers.BooleanField()


def _fields(data: dict) -> dict:
    return {
        "team": data.get("team"),
        "channel": data.get("channel"),
        "user": data.get("user"),
        "role": data.get("role") or "",
        "new_starter_days": data.get("new_starter_days"),
        "note": data.get("note", ""),
    }


class ApprovalRuleListApi(SettingsApi):
    @extend_schema(
        operation_id="settings_approval_rules_list",
        responses={200: RuleRowOut(many=True)},
        summary="The approval rules touching your teams and channels (admins: all)",
    )
    def get(self, request) -> Response:
        rows = approval_selectors.approval_rules_for(user=request.user)
        return Response(RuleRowOut(rows, many=True).data)

    @extend_schema(
        operation_id="settings_approval_rules_create",
        request=ApprovalRuleIn,
        responses={201: ApprovalRuleOut, 400: REFUSED, 403: REFUSED},
        summary="Make a rule: whose replies need approval, where",
    )
    def post(self, request) -> Response:
        data = self.valid(ApprovalRuleIn, request.data)
        rule = approval_rules.approval_rule_create(actor=request.user, **_fields(data))
        return Response(ApprovalRuleOut(rule).data, status=status.HTTP_201_CREATED)


class ApprovalRulePreviewApi(SettingsApi):
    @extend_schema(
        operation_id="settings_approval_rules_preview",
        request=ApprovalRuleIn,
        responses={200: PreviewOut, 400: REFUSED, 403: REFUSED},
        summary="Whose replies, on which channels, a rule would hold (saves nothing)",
    )
    def post(self, request) -> Response:
        data = self.valid(ApprovalRuleIn, request.data)
        rule, effect = approval_rules.approval_rule_preview(actor=request.user, **_fields(data))
        out = {"description": rule.describe(), "people": effect.rows, "more": effect.more}
        return Response(PreviewOut(out).data)


class ApprovalRuleDeleteApi(SettingsApi):
    @extend_schema(
        operation_id="settings_approval_rules_delete",
        responses={204: None, 403: REFUSED, 404: NOT_FOUND},
        summary="Remove a rule (replies already held stay held)",
    )
    def delete(self, request, pk: int) -> Response:
        rule = approval_selectors.approval_rule_get_for_user(user=request.user, pk=pk)
        approval_rules.approval_rule_delete(rule=rule, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApproverListApi(SettingsApi):
    @extend_schema(
        operation_id="settings_approvers_list",
        responses={200: ApproverOut(many=True)},
        summary="The members of the teams you manage, and whether each approves",
    )
    def get(self, request) -> Response:
        memberships = approval_selectors.approver_memberships_for(user=request.user)
        return Response(ApproverOut(memberships, many=True).data)


class ApproverSetApi(SettingsApi):
    @extend_schema(
        operation_id="settings_approvers_set",
        request=ApproverIn,
        responses={200: ApproverOut, 403: REFUSED, 404: NOT_FOUND},
        summary="Name a team member an approver on the team's channels, or stop",
    )
    def put(self, request, pk: int) -> Response:
        data = self.valid(ApproverIn, request.data)
        membership: Membership = approval_selectors.approver_membership_get_for_user(
            user=request.user, pk=pk
        )
        membership = approval_rules.approver_set(
            membership=membership, can_approve=data["can_approve_replies"], actor=request.user
        )
        return Response(ApproverOut(membership).data)
