"""The content settings API: canned responses, labels, house rules, the abuse
word list, escalation keyword lists and rules. The same selectors and
services as the pages, so the same refusals in the same words."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from accounts.http import AuthedApiRequest
from console.api import serializers as s
from console.api.base import BAD, NOT_FOUND, SettingsApi
from escalation import selectors as escalation_selectors
from escalation.services import keyword_lists
from inbox import content_selectors, moderation_selectors
from inbox.models import CannedResponse
from inbox.services import canned, labels, moderation, shield


def _canned_out(item: CannedResponse) -> dict:
    return s.SettingsCannedOut(
        {
            "id": item.pk,
            "title": item.title,
            "text": item.text,
            "teams": sorted(item.teams.all(), key=lambda t: t.name),
            "preview": canned.canned_preview(item.text),
        }
    ).data


# --- canned responses --------------------------------------------------------------------


class CannedListApi(SettingsApi):
    @extend_schema(
        operation_id="settings_canned_list",
        responses={200: s.SettingsCannedOut(many=True), 403: BAD},
        summary="The canned responses you keep (all of them for an admin)",
    )
    def get(self, request: AuthedApiRequest) -> Response:
        items = content_selectors.canned_managed_by(user=request.user)
        return Response([_canned_out(c) for c in items])


class CannedCreateApi(SettingsApi):
    @extend_schema(
        operation_id="settings_canned_create",
        request=s.CannedIn,
        responses={201: s.SettingsCannedOut, 400: BAD, 403: BAD},
        summary="Add a canned response for teams you manage (no team: everyone, admins only)",
    )
    def post(self, request: AuthedApiRequest) -> Response:
        data = self.valid(s.CannedIn, request.data)
        teams = content_selectors.teams_by_ids(ids=data["team_ids"])
        item = canned.canned_create(
            actor=request.user, title=data["title"], text=data["text"], teams=teams
        )
        return Response(_canned_out(item), status=status.HTTP_201_CREATED)


class CannedDetailApi(SettingsApi):
    @extend_schema(
        operation_id="settings_canned_detail",
        responses={200: s.SettingsCannedOut, 403: BAD, 404: NOT_FOUND},
    )
    def get(self, request: AuthedApiRequest, pk: int) -> Response:
        return Response(_canned_out(content_selectors.canned_get_managed(user=request.user, pk=pk)))


class CannedUpdateApi(SettingsApi):
    @extend_schema(
        operation_id="settings_canned_update",
        request=s.CannedIn,
        responses={200: s.SettingsCannedOut, 400: BAD, 403: BAD, 404: NOT_FOUND},
        summary="Change a canned response's title, text and teams",
    )
    def post(self, request: AuthedApiRequest, pk: int) -> Response:
        item = content_selectors.canned_get_managed(user=request.user, pk=pk)
        data = self.valid(s.CannedIn, request.data)
        teams = content_selectors.teams_by_ids(ids=data["team_ids"])
        item = canned.canned_update(
            canned=item, actor=request.user, title=data["title"], text=data["text"], teams=teams
        )
        return Response(_canned_out(item))


class CannedDeleteApi(SettingsApi):
    @extend_schema(
        operation_id="settings_canned_delete",
        request=None,
        responses={204: None, 403: BAD, 404: NOT_FOUND},
    )
    def post(self, request: AuthedApiRequest, pk: int) -> Response:
        item = content_selectors.canned_get_managed(user=request.user, pk=pk)
        canned.canned_delete(canned=item, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CannedPreviewApi(SettingsApi):
    @extend_schema(
        operation_id="settings_canned_preview",
        request=s.CannedPreviewIn,
        responses={200: s.CannedPreviewOut, 400: BAD, 403: BAD},
        summary="A text with sample values in its placeholders (an unknown one is refused)",
    )
    def post(self, request: AuthedApiRequest) -> Response:
        text = self.valid(s.CannedPreviewIn, request.data)["text"]
        problem = canned.canned_text_problem(text)
        if problem:
            return Response({"detail": problem}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"preview": canned.canned_preview(text)})


# --- labels ------------------------------------------------------------------------------


class LabelListApi(SettingsApi):
    @extend_schema(
        operation_id="settings_labels_list",
        responses={200: s.SettingsLabelOut(many=True), 403: BAD},
        summary="Every label with how many conversations it tags",
    )
    def get(self, request: AuthedApiRequest) -> Response:
        return Response(
            s.SettingsLabelOut(
                content_selectors.labels_with_usage(user=request.user), many=True
            ).data
        )


class LabelCreateApi(SettingsApi):
    @extend_schema(
        operation_id="settings_labels_create",
        request=s.SettingsLabelCreateIn,
        responses={201: s.SettingsLabelOut, 400: BAD, 403: BAD},
    )
    def post(self, request: AuthedApiRequest) -> Response:
        name = self.valid(s.SettingsLabelCreateIn, request.data)["name"]
        label = labels.label_create(actor=request.user, name=name)
        fresh = content_selectors.label_get_for_settings(user=request.user, pk=label.pk)
        return Response(s.SettingsLabelOut(fresh).data, status=status.HTTP_201_CREATED)


class LabelUpdateApi(SettingsApi):
    @extend_schema(
        operation_id="settings_labels_update",
        request=s.LabelUpdateIn,
        responses={200: s.SettingsLabelOut, 400: BAD, 403: BAD, 404: NOT_FOUND},
        summary="Rename or recolour a label",
    )
    def post(self, request: AuthedApiRequest, pk: int) -> Response:
        label = content_selectors.label_get_for_settings(user=request.user, pk=pk)
        data = self.valid(s.LabelUpdateIn, request.data)
        labels.label_update(label=label, actor=request.user, **data)
        fresh = content_selectors.label_get_for_settings(user=request.user, pk=pk)
        return Response(s.SettingsLabelOut(fresh).data)


class LabelDeleteApi(SettingsApi):
    @extend_schema(
        operation_id="settings_labels_delete",
        request=None,
        responses={200: s.LabelDeleteOut, 403: BAD, 404: NOT_FOUND},
        summary="Delete a label: it is taken off the conversations it tags",
    )
    def post(self, request: AuthedApiRequest, pk: int) -> Response:
        label = content_selectors.label_get_for_settings(user=request.user, pk=pk)
        taken_off = labels.label_delete(label=label, actor=request.user)
        return Response({"conversations": taken_off})


# --- house rules and the abuse shield -----------------------------------------------------


class HouseRuleListApi(SettingsApi):
    @extend_schema(
        operation_id="settings_house_rules_list",
        responses={200: s.SettingsHouseRuleOut(many=True), 403: BAD},
    )
    def get(self, request: AuthedApiRequest) -> Response:
        return Response(s.SettingsHouseRuleOut(moderation_selectors.house_rules(), many=True).data)


class HouseRuleCreateApi(SettingsApi):
    @extend_schema(
        operation_id="settings_house_rules_create",
        request=s.HouseRuleIn,
        responses={201: s.SettingsHouseRuleOut, 400: BAD, 403: BAD},
    )
    def post(self, request: AuthedApiRequest) -> Response:
        data = self.valid(s.HouseRuleIn, request.data)
        rule = moderation.house_rule_create(actor=request.user, **data)
        return Response(s.SettingsHouseRuleOut(rule).data, status=status.HTTP_201_CREATED)


class HouseRuleUpdateApi(SettingsApi):
    @extend_schema(
        operation_id="settings_house_rules_update",
        request=s.HouseRuleIn,
        responses={200: s.SettingsHouseRuleOut, 400: BAD, 403: BAD, 404: NOT_FOUND},
    )
    def post(self, request: AuthedApiRequest, pk: int) -> Response:
        rule = moderation_selectors.house_rule_get(pk=pk)
        data = self.valid(s.HouseRuleIn, request.data)
        rule = moderation.house_rule_update(rule=rule, actor=request.user, **data)
        return Response(s.SettingsHouseRuleOut(rule).data)


class HouseRuleDeleteApi(SettingsApi):
    @extend_schema(
        operation_id="settings_house_rules_delete",
        request=None,
        responses={204: None, 403: BAD, 404: NOT_FOUND},
    )
    def post(self, request: AuthedApiRequest, pk: int) -> Response:
        rule = moderation_selectors.house_rule_get(pk=pk)
        moderation.house_rule_remove(rule=rule, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AbuseTermListApi(SettingsApi):
    @extend_schema(
        operation_id="settings_abuse_terms_list",
        responses={200: s.AbuseTermOut(many=True), 403: BAD},
    )
    def get(self, request: AuthedApiRequest) -> Response:
        return Response(s.AbuseTermOut(moderation_selectors.abuse_terms(), many=True).data)


class AbuseTermCreateApi(SettingsApi):
    @extend_schema(
        operation_id="settings_abuse_terms_create",
        request=s.TermIn,
        responses={201: s.AbuseTermOut, 400: BAD, 403: BAD},
        summary="Add a word or phrase to the abuse shield (admins)",
    )
    def post(self, request: AuthedApiRequest) -> Response:
        term = self.valid(s.TermIn, request.data)["term"]
        added = shield.abuse_term_add(term=term, actor=request.user)
        return Response(s.AbuseTermOut(added).data, status=status.HTTP_201_CREATED)


class AbuseTermDeleteApi(SettingsApi):
    @extend_schema(
        operation_id="settings_abuse_terms_delete",
        request=None,
        responses={204: None, 403: BAD, 404: NOT_FOUND},
        summary="Take a word or phrase off the abuse shield (admins)",
    )
    def post(self, request: AuthedApiRequest, pk: int) -> Response:
        term = moderation_selectors.abuse_term_get(pk=pk)
        shield.abuse_term_remove(term=term, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- escalation keyword lists and rules ----------------------------------------------------


class KeywordListListApi(SettingsApi):
    @extend_schema(
        operation_id="settings_keyword_lists_list",
        responses={200: s.KeywordListOut(many=True), 403: BAD},
    )
    def get(self, request: AuthedApiRequest) -> Response:
        return Response(s.KeywordListOut(escalation_selectors.keyword_lists_all(), many=True).data)


class KeywordTermAddApi(SettingsApi):
    @extend_schema(
        operation_id="settings_keyword_lists_add",
        request=s.TermIn,
        responses={200: s.KeywordListOut, 400: BAD, 403: BAD, 404: NOT_FOUND},
    )
    def post(self, request: AuthedApiRequest, key: str) -> Response:
        kl = escalation_selectors.keyword_list_get(key=key)
        term = self.valid(s.TermIn, request.data)["term"]
        kl = keyword_lists.keyword_list_term_add(keyword_list=kl, actor=request.user, term=term)
        return Response(s.KeywordListOut(kl).data)


class KeywordTermRemoveApi(SettingsApi):
    @extend_schema(
        operation_id="settings_keyword_lists_remove",
        request=s.TermIn,
        responses={200: s.KeywordListOut, 400: BAD, 403: BAD, 404: NOT_FOUND},
    )
    def post(self, request: AuthedApiRequest, key: str) -> Response:
        kl = escalation_selectors.keyword_list_get(key=key)
        term = self.valid(s.TermIn, request.data)["term"]
        kl = keyword_lists.keyword_list_term_remove(keyword_list=kl, actor=request.user, term=term)
        return Response(s.KeywordListOut(kl).data)


class KeywordListRestoreApi(SettingsApi):
    @extend_schema(
        operation_id="settings_keyword_lists_restore",
        request=None,
        responses={200: s.KeywordListOut, 403: BAD, 404: NOT_FOUND},
        summary="Put the shipped words and phrases back",
    )
    def post(self, request: AuthedApiRequest, key: str) -> Response:
        kl = escalation_selectors.keyword_list_get(key=key)
        kl = keyword_lists.keyword_list_restore(keyword_list=kl, actor=request.user)
        return Response(s.KeywordListOut(kl).data)


class EscalationRuleListApi(SettingsApi):
    @extend_schema(
        operation_id="settings_escalation_rules_list",
        responses={200: s.EscalationRuleOut(many=True), 403: BAD},
        summary="The escalation rules you may change",
    )
    def get(self, request: AuthedApiRequest) -> Response:
        rules = escalation_selectors.rules_for_user(user=request.user)
        return Response(
            s.EscalationRuleOut(
                [
                    {
                        "id": r.pk,
                        "name": r.name,
                        "is_active": r.is_active,
                        "channel_ids": sorted(c.pk for c in r.channels.all()),
                        "keyword_lists": [kl.key for kl in r.keyword_lists.all()],
                        "url": reverse("escalation:rule_edit", args=[r.pk]),
                    }
                    for r in rules
                ],
                many=True,
            ).data
        )
