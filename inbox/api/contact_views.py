"""The API of the contact card, moderation and the shield's exposure: the
same selectors and services as the pages. Another team's conversation or
contact is a 404 before any service runs."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from accounts import access
from accounts.http import AuthedApiRequest
from inbox import moderation_selectors, selectors
from inbox.api import contact_serializers as cs
from inbox.api import serializers as s
from inbox.api.views import BAD, NOT_FOUND, InboxApi
from inbox.models import ActionKind
from inbox.services import contacts, moderation


def card_out(request: AuthedApiRequest, conversation) -> dict:
    user = request.user
    contact = conversation.contact
    mute = None
    if conversation.channel.network in moderation.MUTE_NETWORKS:
        current = moderation_selectors.contact_mute_state(conversation=conversation)
        mute = {
            "muted": current is not None and current.kind == ActionKind.MUTE,
            "state": current.state if current else None,
        }
    return cs.ContactCardOut(
        {
            "contact": contact,
            "linked": selectors.contact_linked(user=user, contact=contact),
            "earlier": selectors.conversation_earlier(user=user, conversation=conversation),
            "interactions": selectors.contact_interactions(user=user, conversation=conversation),
            "tags": selectors.contact_tags(user=user, conversation=conversation),
            "notes": selectors.contact_notes(user=user, contact=contact),
            "mute": mute,
        }
    ).data


class ContactCardApi(InboxApi):
    @extend_schema(
        operation_id="conversations_contact",
        responses={200: cs.ContactCardOut, 404: NOT_FOUND},
        summary="The contact card: linked identities, earlier conversations, counts, notes",
    )
    def get(self, request: AuthedApiRequest, pk: int) -> Response:
        return Response(card_out(request, self.conversation(pk)))


class ContactNoteCreateApi(InboxApi):
    @extend_schema(
        operation_id="conversations_contact_notes_create",
        request=cs.ContactNoteIn,
        responses={201: cs.ContactNoteOut, 400: BAD, 404: NOT_FOUND},
        summary="Add a note about the contact that colleagues see (logged)",
    )
    def post(self, request: AuthedApiRequest, pk: int) -> Response:
        conversation = self.conversation(pk)
        data = self.valid(cs.ContactNoteIn, request.data)
        note = contacts.contact_note_add(
            conversation=conversation, actor=request.user, text=data["text"]
        )
        return Response(cs.ContactNoteOut(note).data, status=status.HTTP_201_CREATED)


class ContactLinkApi(InboxApi):
    @extend_schema(
        operation_id="conversations_contact_link",
        request=cs.ContactLinkIn,
        responses={200: cs.ContactCardOut, 400: BAD, 404: NOT_FOUND},
        summary="Link another identity of the contact as the same person (logged)",
    )
    def post(self, request: AuthedApiRequest, pk: int) -> Response:
        conversation = self.conversation(pk)
        data = self.valid(cs.ContactLinkIn, request.data)
        if "contact_id" in data:
            other = selectors.contact_get_for_user(user=request.user, pk=data["contact_id"])
        else:
            other = selectors.contact_find_for_user(
                user=request.user,
                network=data["network"],
                handle=data["handle"].strip().removeprefix("@"),
            )
        contacts.contact_link(conversation=conversation, other=other, actor=request.user)
        return Response(card_out(request, self.conversation(pk)))


class ContactUnlinkApi(InboxApi):
    @extend_schema(
        operation_id="conversations_contact_unlink",
        request=cs.ContactUnlinkIn,
        responses={200: cs.ContactCardOut, 400: BAD, 404: NOT_FOUND},
        summary="Unlink an identity from the contact's person (logged)",
    )
    def post(self, request: AuthedApiRequest, pk: int) -> Response:
        conversation = self.conversation(pk)
        data = self.valid(cs.ContactUnlinkIn, request.data)
        other = selectors.contact_get_for_user(user=request.user, pk=data["contact_id"])
        contacts.contact_unlink(conversation=conversation, other=other, actor=request.user)
        return Response(card_out(request, self.conversation(pk)))


class ContactMuteApi(InboxApi):
    @extend_schema(
        operation_id="conversations_contact_mute",
        request=None,
        responses={202: s.NetworkActionOut, 400: BAD, 404: NOT_FOUND},
        summary="Mute the contact from the channel's X account (queued, done once)",
    )
    def post(self, request: AuthedApiRequest, pk: int) -> Response:
        action = moderation.contact_mute(conversation=self.conversation(pk), actor=request.user)
        return Response(s.NetworkActionOut(action).data, status=status.HTTP_202_ACCEPTED)


class ContactUnmuteApi(InboxApi):
    @extend_schema(
        operation_id="conversations_contact_unmute",
        request=None,
        responses={202: s.NetworkActionOut, 400: BAD, 404: NOT_FOUND},
        summary="Unmute the contact on X (queued, done once)",
    )
    def post(self, request: AuthedApiRequest, pk: int) -> Response:
        action = moderation.contact_unmute(conversation=self.conversation(pk), actor=request.user)
        return Response(s.NetworkActionOut(action).data, status=status.HTTP_202_ACCEPTED)


class MessageHideApi(InboxApi):
    @extend_schema(
        operation_id="messages_hide",
        request=cs.HideIn,
        responses={202: cs.HideActionOut, 400: BAD, 404: NOT_FOUND},
        summary="Hide a comment (Facebook) or a reply (X) for a house rule it breaks",
    )
    def post(self, request: AuthedApiRequest, mid: int) -> Response:
        message = selectors.message_get_for_user(user=request.user, pk=mid)
        data = self.valid(cs.HideIn, request.data)
        rule = None
        if data.get("rule") is not None:
            rule = moderation_selectors.house_rule_get(pk=data["rule"])
        action = moderation.message_hide(
            message=message, actor=request.user, rule=rule, note=data["note"]
        )
        return Response(cs.HideActionOut(action).data, status=status.HTTP_202_ACCEPTED)


class MessageDeleteApi(InboxApi):
    @extend_schema(
        operation_id="messages_delete",
        request=cs.HideIn,
        responses={202: cs.HideActionOut, 400: BAD, 403: BAD, 404: NOT_FOUND},
        summary="Delete a comment on Facebook or Instagram (managers), for a house rule it "
        "breaks or a stated reason; it cannot be undone",
    )
    def post(self, request: AuthedApiRequest, mid: int) -> Response:
        message = selectors.message_get_for_user(user=request.user, pk=mid)
        data = self.valid(cs.HideIn, request.data)
        rule = None
        if data.get("rule") is not None:
            rule = moderation_selectors.house_rule_get(pk=data["rule"])
        action = moderation.message_delete(
            message=message, actor=request.user, rule=rule, note=data["note"]
        )
        return Response(cs.HideActionOut(action).data, status=status.HTTP_202_ACCEPTED)


class HouseRuleListApi(InboxApi):
    @extend_schema(
        operation_id="house_rules_list",
        responses={200: cs.HouseRuleOut(many=True)},
        summary="The organisation's house rules (a hide names one)",
    )
    def get(self, request: AuthedApiRequest) -> Response:
        return Response(cs.HouseRuleOut(moderation_selectors.house_rules(), many=True).data)


class ShieldExposureApi(InboxApi):
    @extend_schema(
        operation_id="shield_exposure",
        responses={200: cs.ExposureOut, 403: BAD},
        summary="Shielded messages each officer revealed per week (managers and admins)",
    )
    def get(self, request: AuthedApiRequest) -> Response:
        if not access.is_manager_or_admin(request.user):
            raise PermissionDenied("Only managers and admins see the shield's exposure.")
        exposure = moderation_selectors.shield_exposure(user=request.user)
        return Response(cs.ExposureOut(exposure).data)
