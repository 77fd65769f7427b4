"""The inbox API: one view per operation (``<Entity><Action>Api``), explicit
input and output serializers, the same selectors and services as the pages.

Another team's conversation, message or contact is a 404 before any service
runs. A service's ``ValidationError`` becomes a 400 with ``detail``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.http import AuthedApiRequest
from accounts.models import Team, User
from inbox import selectors
from inbox.api import serializers as s
from inbox.forms import filters_params
from inbox.models import Label
from inbox.search_query import SearchQueryError, search_query_parse
from inbox.services import actions, approvals, contacts, outbound, presence, triage
from inbox.services.bulk_actions import conversations_bulk_apply
from inbox.services.notifications import note_create, notifications_mark_read
from inbox.services.replies import canned_render, reply_send
from inbox.services.reply_media import MAX_UPLOAD_BYTES
from inbox.services.saved_views import saved_view_create, saved_view_delete, saved_view_rename
from inbox.services.search import inbox_search
from inbox.services.shield import message_reveal, message_shield_matches, shield_load

NOT_FOUND = OpenApiResponse(s.ErrorOut, description="Not found, or not on a channel you cover")
BAD = OpenApiResponse(s.ErrorOut, description="Refused; nothing changed")


class InboxApi(APIView):
    # Shared by every inbox endpoint (a comment, not a docstring: the schema
    # would show a docstring as every operation's description).
    # Every endpoint requires a signed-in user (DEFAULT_PERMISSION_CLASSES).
    request: AuthedApiRequest

    def handle_exception(self, exc):
        if isinstance(exc, outbound.IdempotencyKeyConflict):
            return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_409_CONFLICT)
        if isinstance(exc, DjangoValidationError):
            exc = ValidationError({"detail": " ".join(exc.messages)})
        return super().handle_exception(exc)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # A write on a conversation or one of its messages: refuse a viewer
        # (403) or someone who cannot see it (404) before the body is read, so
        # the answer never depends on the input and never says 400.
        if request.method in SAFE_METHODS:
            return
        route = request.resolver_match.route if request.resolver_match else ""
        if route.startswith("api/conversations/<int:pk>/"):
            self._acting_on = selectors.conversation_get_for_action(
                user=request.user, pk=kwargs["pk"]
            )
        elif route.startswith("api/messages/<int:mid>/"):
            selectors.message_get_for_action(user=request.user, pk=kwargs["mid"])

    def conversation(self, pk: int):
        # The first read reuses the object the write check fetched; later
        # reads (the answer, after the change) come fresh from the database.
        checked = self.__dict__.pop("_acting_on", None)
        if checked is not None and checked.pk == pk:
            return checked
        return selectors.conversation_get_for_user(user=self.request.user, pk=pk)

    @staticmethod
    def valid(serializer_class, data) -> dict:
        serializer = serializer_class(data=data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


def _conversation_out(request: AuthedApiRequest, conversation) -> dict:
    fresh = selectors.conversation_row_for_user(user=request.user, pk=conversation.pk)
    return s.ConversationOut(fresh, context={"shield": shield_load()}).data


def _shielded_messages(user, conversation) -> list:
    shield = shield_load()
    revealed = selectors.revealed_message_ids(user=user, conversation=conversation)
    messages = list(selectors.conversation_messages(conversation=conversation))
    for m in messages:
        m.shielded = message_shield_matches(shield, m) and m.pk not in revealed
    return messages


def _filters(data: dict) -> selectors.InboxFilters:
    return selectors.InboxFilters(
        view=data["view"],
        channel_id=data.get("channel"),
        network=data.get("network", ""),
        status=data.get("status", ""),
        priority=data.get("priority"),
        label_id=data.get("label"),
        assignee_id=data.get("assignee"),
        kind=data.get("kind", ""),
        needs_reply=data["needs_reply"],
        sort=data["sort"],
    )


# --- conversations -----------------------------------------------------------------------


class ConversationListApi(InboxApi):
    @extend_schema(
        operation_id="conversations_list",
        parameters=[s.ConversationFilterIn],
        responses={200: s.ConversationOut(many=True)},
        summary="The inbox list: a saved view with filters, newest activity first",
    )
    def get(self, request: AuthedApiRequest) -> Response:
        data = self.valid(s.ConversationFilterIn, request.query_params)
        filters = _filters(data)
        paginator = LimitOffsetPagination()
        rows = paginator.paginate_queryset(
            selectors.conversation_inbox_rows(user=request.user, filters=filters),
            request,
            view=self,
        )
        out = s.ConversationOut(rows, many=True, context={"shield": shield_load()})
        return paginator.get_paginated_response(out.data)


class ConversationCountsApi(InboxApi):
    @extend_schema(
        operation_id="conversations_counts",
        responses={200: {"type": "object", "additionalProperties": {"type": "integer"}}},
        summary="Open conversations per saved view",
    )
    def get(self, request: AuthedApiRequest) -> Response:
        return Response(selectors.inbox_counts(user=request.user))


class ConversationDetailApi(InboxApi):
    @extend_schema(
        operation_id="conversations_retrieve",
        responses={200: s.ConversationOut, 404: NOT_FOUND},
    )
    def get(self, request: AuthedApiRequest, pk: int) -> Response:
        return Response(_conversation_out(request, self.conversation(pk)))


class MessageListApi(InboxApi):
    @extend_schema(
        operation_id="conversations_messages_list",
        responses={200: s.MessageOut(many=True), 404: NOT_FOUND},
        summary="The thread, oldest first; shielded text is null until revealed",
    )
    def get(self, request: AuthedApiRequest, pk: int) -> Response:
        conversation = self.conversation(pk)
        messages = _shielded_messages(request.user, conversation)
        return Response(s.MessageOut(messages, many=True).data)


class ConversationAssignApi(InboxApi):
    @extend_schema(
        operation_id="conversations_assign",
        request=s.AssignIn,
        responses={200: s.ConversationOut, 400: BAD, 404: NOT_FOUND},
    )
    def post(self, request: AuthedApiRequest, pk: int) -> Response:
        conversation = self.conversation(pk)
        data = self.valid(s.AssignIn, request.data)
        colleagues = selectors.colleagues_for(conversation=conversation)
        assignee = _person(request.user, data.get("assignee"), data["me"], colleagues)
        team = _team(data.get("team"), selectors.teams_for(conversation=conversation))
        actions.conversation_assign(
            conversation=conversation, actor=request.user, assignee=assignee, team=team
        )
        return Response(_conversation_out(request, conversation))


def _person(user: User, pk: int | None, me: bool, colleagues: list[User]) -> User | None:
    if me:
        return user
    if pk is None:
        return None
    found = next((u for u in colleagues if u.pk == pk), None)
    if found is None:
        raise DjangoValidationError("That person does not cover this conversation's channel.")
    return found


def _team(pk: int | None, teams: list[Team]) -> Team | None:
    if pk is None:
        return None
    found = next((t for t in teams if t.pk == pk), None)
    if found is None:
        raise DjangoValidationError("That team does not cover this conversation's channel.")
    return found


class ConversationStatusApi(InboxApi):
    @extend_schema(
        operation_id="conversations_set_status",
        request=s.StatusIn,
        responses={200: s.ConversationOut, 400: BAD, 404: NOT_FOUND},
    )
    def post(self, request: AuthedApiRequest, pk: int) -> Response:
        conversation = self.conversation(pk)
        data = self.valid(s.StatusIn, request.data)
        actions.conversation_set_status(
            conversation=conversation, actor=request.user, status=data["status"]
        )
        return Response(_conversation_out(request, conversation))


class ConversationLabelApi(InboxApi):
    @extend_schema(
        operation_id="conversations_label",
        request=s.LabelIn,
        responses={200: s.ConversationOut, 400: BAD, 404: NOT_FOUND},
    )
    def post(self, request: AuthedApiRequest, pk: int) -> Response:
        conversation = self.conversation(pk)
        data = self.valid(s.LabelIn, request.data)
        label = Label.objects.filter(pk=data["label"]).first()
        if label is None:
            raise DjangoValidationError("No such label.")
        actions.conversation_label(
            conversation=conversation, actor=request.user, label=label, add=not data["remove"]
        )
        return Response(_conversation_out(request, conversation))


class ConversationPriorityApi(InboxApi):
    @extend_schema(
        operation_id="conversations_set_priority",
        request=s.PriorityIn,
        responses={200: s.ConversationOut, 400: BAD, 404: NOT_FOUND},
    )
    def post(self, request: AuthedApiRequest, pk: int) -> Response:
        conversation = self.conversation(pk)
        data = self.valid(s.PriorityIn, request.data)
        triage.conversation_set_priority(
            conversation=conversation, actor=request.user, priority=data["priority"]
        )
        return Response(_conversation_out(request, conversation))


class ConversationSnoozeApi(InboxApi):
    @extend_schema(
        operation_id="conversations_snooze",
        request=s.SnoozeIn,
        responses={200: s.ConversationOut, 400: BAD, 404: NOT_FOUND},
        summary="Snooze until a time: out of the open views until then or the next message",
    )
    def post(self, request: AuthedApiRequest, pk: int) -> Response:
        conversation = self.conversation(pk)
        data = self.valid(s.SnoozeIn, request.data)
        triage.conversation_snooze(
            conversation=conversation, actor=request.user, until=data["until"]
        )
        return Response(_conversation_out(request, conversation))


class ConversationWakeApi(InboxApi):
    @extend_schema(
        operation_id="conversations_wake",
        request=None,
        responses={200: s.ConversationOut, 404: NOT_FOUND},
        summary="End a snooze now",
    )
    def post(self, request: AuthedApiRequest, pk: int) -> Response:
        conversation = self.conversation(pk)
        triage.conversation_wake(conversation=conversation, actor=request.user)
        return Response(_conversation_out(request, conversation))


class ConversationLabelsSetApi(InboxApi):
    @extend_schema(
        operation_id="conversations_labels_set",
        request=s.LabelsSetIn,
        responses={200: s.ConversationOut, 400: BAD, 404: NOT_FOUND},
        summary="Set the conversation's labels to exactly these",
    )
    def post(self, request: AuthedApiRequest, pk: int) -> Response:
        conversation = self.conversation(pk)
        data = self.valid(s.LabelsSetIn, request.data)
        wanted = set(data["labels"])
        labels = [lb for lb in selectors.labels_all() if lb.pk in wanted]
        if len(labels) != len(wanted):
            raise DjangoValidationError("No such label.")
        triage.conversation_labels_set(conversation=conversation, actor=request.user, labels=labels)
        return Response(_conversation_out(request, conversation))


class LabelListApi(InboxApi):
    @extend_schema(operation_id="labels_list", responses={200: s.LabelOut(many=True)})
    def get(self, request: AuthedApiRequest) -> Response:
        return Response(s.LabelOut(selectors.labels_all(), many=True).data)


class LabelCreateApi(InboxApi):
    @extend_schema(
        operation_id="labels_create",
        request=s.LabelCreateIn,
        responses={201: s.LabelOut, 400: BAD, 403: BAD},
        summary="Create a label (managers and admins)",
    )
    def post(self, request: AuthedApiRequest) -> Response:
        data = self.valid(s.LabelCreateIn, request.data)
        label = triage.label_create(actor=request.user, name=data["name"])
        return Response(s.LabelOut(label).data, status=status.HTTP_201_CREATED)


class ConversationBulkApi(InboxApi):
    @extend_schema(
        operation_id="conversations_bulk",
        request=s.BulkIn,
        responses={200: s.BulkOut, 400: BAD, 404: NOT_FOUND},
        summary="Assign, label or resolve several conversations: all or nothing",
    )
    def post(self, request: AuthedApiRequest) -> Response:
        data = self.valid(s.BulkIn, request.data)
        conversations = selectors.conversations_get_for_user(user=request.user, pks=data["ids"])
        assignee = request.user if data["me"] else None
        if data.get("assignee") is not None:
            assignee = User.objects.filter(pk=data["assignee"], is_active=True).first()
            if assignee is None:
                raise DjangoValidationError("No such colleague.")
        team = Team.objects.filter(pk=data["team"]).first() if data.get("team") else None
        label = Label.objects.filter(pk=data["label"]).first() if data.get("label") else None
        changed = conversations_bulk_apply(
            conversations=conversations,
            actor=request.user,
            action=data["action"],
            assignee=assignee,
            team=team,
            label=label,
        )
        return Response({"changed": changed})


class ConversationPresenceApi(InboxApi):
    @extend_schema(
        operation_id="conversations_presence",
        request=s.PresenceIn,
        responses={200: s.PresenceOut(many=True), 404: NOT_FOUND},
        summary="Heartbeat: say you have it open (or are typing); see who else has",
    )
    def post(self, request: AuthedApiRequest, pk: int) -> Response:
        conversation = self.conversation(pk)
        data = self.valid(s.PresenceIn, request.data)
        presence.presence_touch(user=request.user, conversation=conversation, typing=data["typing"])
        others = selectors.viewers_of(user=request.user, conversation=conversation)
        return Response(s.PresenceOut(others, many=True).data)


# --- notes and replies -------------------------------------------------------------------


class NoteListApi(InboxApi):
    @extend_schema(
        operation_id="conversations_notes_list",
        responses={200: s.NoteOut(many=True), 404: NOT_FOUND},
    )
    def get(self, request: AuthedApiRequest, pk: int) -> Response:
        notes = selectors.conversation_notes(conversation=self.conversation(pk))
        return Response(s.NoteOut(notes, many=True).data)


class NoteCreateApi(InboxApi):
    @extend_schema(
        operation_id="conversations_notes_create",
        request=s.NoteIn,
        responses={201: s.NoteCreatedOut, 400: BAD, 404: NOT_FOUND},
        summary="Add an internal note; @username notifies colleagues who cover the channel",
    )
    def post(self, request: AuthedApiRequest, pk: int) -> Response:
        conversation = self.conversation(pk)
        data = self.valid(s.NoteIn, request.data)
        result = note_create(conversation=conversation, actor=request.user, text=data["text"])
        out = s.NoteCreatedOut(
            {"note": result.note, "notified": result.notified, "not_notified": result.not_notified}
        )
        return Response(out.data, status=status.HTTP_201_CREATED)


class ReplyCreateApi(InboxApi):
    @extend_schema(
        operation_id="conversations_replies_create",
        request=s.ReplyIn,
        responses={
            201: s.MessageOut,
            400: BAD,
            404: NOT_FOUND,
            409: OpenApiResponse(
                s.ReplyCollisionOut,
                description="A colleague replied since seen_outbound_id, or the idempotency key "
                "was already used by someone else or for another conversation; nothing was queued",
            ),
        },
        summary="Queue a reply (sent after commit, exactly once per idempotency key)",
    )
    def post(self, request: AuthedApiRequest, pk: int) -> Response:
        conversation = self.conversation(pk)
        data = self.valid(s.ReplyIn, request.data)
        outcome = reply_send(
            conversation=conversation,
            actor=request.user,
            text=data["text"],
            idempotency_key=data["idempotency_key"],
            seen_outbound_id=data["seen_outbound_id"],
            confirmed=data["confirm"],
            private=data["private"],
            image_data=data["image"].read(MAX_UPLOAD_BYTES + 1) if data.get("image") else None,
            image_alt=data["image_alt"],
        )
        if outcome.collisions:
            body = {
                "detail": "A colleague replied after you opened this conversation. "
                "Send again with confirm=true to reply as well.",
                "collisions": s.MessageOut(outcome.collisions, many=True).data,
            }
            return Response(body, status=status.HTTP_409_CONFLICT)
        return Response(s.MessageOut(outcome.message).data, status=status.HTTP_201_CREATED)


class CannedResponseListApi(InboxApi):
    @extend_schema(
        operation_id="conversations_canned_responses_list",
        responses={200: s.CannedOut(many=True), 404: NOT_FOUND},
        summary="Canned responses offered to you, placeholders filled for this conversation",
    )
    def get(self, request: AuthedApiRequest, pk: int) -> Response:
        conversation = self.conversation(pk)
        items = [
            {
                "id": c.pk,
                "title": c.title,
                "text": canned_render(canned=c, conversation=conversation, officer=request.user),
            }
            for c in selectors.canned_for(user=request.user)
        ]
        return Response(s.CannedOut(items, many=True).data)


# --- messages and contacts ---------------------------------------------------------------


class _MessageApi(InboxApi):
    def message(self, mid: int):
        return selectors.message_get_for_user(user=self.request.user, pk=mid)

    def network_action(self, request: AuthedApiRequest, mid: int, kind: str) -> Response:
        message = self.message(mid)
        if message.direction != "in" or not message.external_id:
            raise DjangoValidationError("Only a message from the public can be liked or hidden.")
        action = outbound.action_create(
            conversation=message.conversation,
            actor=request.user,
            kind=kind,
            target_external_id=message.external_id,
        )
        return Response(s.NetworkActionOut(action).data, status=status.HTTP_202_ACCEPTED)


class MessageLikeApi(_MessageApi):
    @extend_schema(
        operation_id="messages_like",
        request=None,
        responses={202: s.NetworkActionOut, 400: BAD, 404: NOT_FOUND},
        summary="Like a name-check instead of replying (queued, done once)",
    )
    def post(self, request: AuthedApiRequest, mid: int) -> Response:
        return self.network_action(request, mid, "like")


class MessageRevealApi(_MessageApi):
    @extend_schema(
        operation_id="messages_reveal",
        request=None,
        responses={200: s.MessageOut, 404: NOT_FOUND},
        summary="Read a shielded message; the reveal is logged",
    )
    def post(self, request: AuthedApiRequest, mid: int) -> Response:
        message = self.message(mid)
        message_reveal(message=message, actor=request.user)
        message.shielded = False
        return Response(s.MessageOut(message).data)


class ContactBlockApi(InboxApi):
    @extend_schema(
        operation_id="conversations_contact_block",
        request=s.BlockIn,
        responses={200: s.ContactOut, 400: BAD, 404: NOT_FOUND},
        summary="Block the conversation's contact, with a reason (logged)",
    )
    def post(self, request: AuthedApiRequest, pk: int) -> Response:
        conversation = self.conversation(pk)
        data = self.valid(s.BlockIn, request.data)
        contact = contacts.contact_block(
            contact=conversation.contact,
            actor=request.user,
            reason=data["reason"],
            conversation=conversation,
        )
        return Response(s.ContactOut(contact).data)


class ContactUnblockApi(InboxApi):
    @extend_schema(
        operation_id="conversations_contact_unblock",
        request=None,
        responses={200: s.ContactOut, 404: NOT_FOUND},
    )
    def post(self, request: AuthedApiRequest, pk: int) -> Response:
        conversation = self.conversation(pk)
        contact = contacts.contact_unblock(
            contact=conversation.contact, actor=request.user, conversation=conversation
        )
        return Response(s.ContactOut(contact).data)


# --- search and notifications ------------------------------------------------------------


class SearchApi(InboxApi):
    @extend_schema(
        operation_id="search",
        parameters=[s.SearchIn],
        responses={200: s.SearchOut, 400: BAD},
        summary="Search message text, names and handles on the channels you cover, "
        "within the list's filters, a page at a time",
    )
    def get(self, request: AuthedApiRequest) -> Response:
        data = self.valid(s.SearchIn, request.query_params)
        try:
            query = search_query_parse(data["q"])
        except SearchQueryError as exc:
            raise ValidationError({"detail": str(exc)}) from exc
        results = inbox_search(
            user=request.user, query=query, filters=_filters(data), page=data["page"]
        )
        shield = shield_load()
        for m in results.messages:
            m.shielded = m.direction == "in" and shield.matches(m.text)
        out = s.SearchOut(results, context={"shield": shield})
        return Response(out.data)


# --- saved views -------------------------------------------------------------------------


def _saved_view_out(request: AuthedApiRequest, view) -> dict:
    return s.SavedViewOut(view, context={"user": request.user}).data


class SavedViewListApi(InboxApi):
    @extend_schema(
        operation_id="saved_views_list",
        responses={200: s.SavedViewOut(many=True)},
        summary="Your saved views, then those colleagues shared with your teams",
    )
    def get(self, request: AuthedApiRequest) -> Response:
        views = selectors.saved_views_for(user=request.user)
        return Response(s.SavedViewOut(views, many=True, context={"user": request.user}).data)


class SavedViewCreateApi(InboxApi):
    @extend_schema(
        operation_id="saved_views_create",
        request=s.SavedViewCreateIn,
        responses={201: s.SavedViewOut, 400: BAD},
        summary="Save filters under a name, optionally shared with one of your teams",
    )
    def post(self, request: AuthedApiRequest) -> Response:
        data = self.valid(s.SavedViewCreateIn, request.data)
        team = None
        if data.get("team"):
            team = next(
                (t for t in selectors.teams_of(user=request.user) if t.pk == data["team"]), None
            )
            if team is None:
                raise ValidationError(
                    {"detail": "You can share a view only with a team you belong to."}
                )
        view = saved_view_create(
            owner=request.user,
            name=data["name"],
            params=filters_params(_filters(data)),
            team=team,
        )
        return Response(_saved_view_out(request, view), status=status.HTTP_201_CREATED)


class SavedViewDetailApi(InboxApi):
    @extend_schema(
        operation_id="saved_views_retrieve", responses={200: s.SavedViewOut, 404: NOT_FOUND}
    )
    def get(self, request: AuthedApiRequest, pk: int) -> Response:
        view = selectors.saved_view_get_for_user(user=request.user, pk=pk)
        return Response(_saved_view_out(request, view))


class SavedViewRenameApi(InboxApi):
    @extend_schema(
        operation_id="saved_views_rename",
        request=s.SavedViewRenameIn,
        responses={200: s.SavedViewOut, 400: BAD, 403: BAD, 404: NOT_FOUND},
        summary="Rename one of your own saved views",
    )
    def post(self, request: AuthedApiRequest, pk: int) -> Response:
        # Looked up first: someone else's view answers 404, not 400.
        view = selectors.saved_view_get_own(user=request.user, pk=pk)
        data = self.valid(s.SavedViewRenameIn, request.data)
        view = saved_view_rename(saved_view=view, actor=request.user, name=data["name"])
        return Response(_saved_view_out(request, view))


class SavedViewDeleteApi(InboxApi):
    @extend_schema(
        operation_id="saved_views_delete",
        request=None,
        responses={204: None, 403: BAD, 404: NOT_FOUND},
        summary="Delete one of your own saved views",
    )
    def post(self, request: AuthedApiRequest, pk: int) -> Response:
        view = selectors.saved_view_get_own(user=request.user, pk=pk)
        saved_view_delete(saved_view=view, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class NotificationListApi(InboxApi):
    @extend_schema(operation_id="notifications_list", responses={200: s.NotificationOut(many=True)})
    def get(self, request: AuthedApiRequest) -> Response:
        items = selectors.notifications_for(user=request.user)
        return Response(s.NotificationOut(items, many=True).data)


class NotificationReadApi(InboxApi):
    @extend_schema(
        operation_id="notifications_mark_read",
        request=None,
        responses={200: {"type": "object", "properties": {"marked": {"type": "integer"}}}},
    )
    def post(self, request: AuthedApiRequest) -> Response:
        return Response({"marked": notifications_mark_read(user=request.user)})


class MessageApproveApi(_MessageApi):
    @extend_schema(
        operation_id="messages_approve",
        request=s.ApproveIn,
        responses={200: s.MessageOut, 400: BAD, 403: BAD, 404: NOT_FOUND},
        summary="Approve a held reply (never your own); it is sent once",
    )
    def post(self, request: AuthedApiRequest, mid: int) -> Response:
        data = self.valid(s.ApproveIn, request.data)
        message = approvals.reply_approve(
            message=self.message(mid),
            approver=request.user,
            text=data.get("text"),
            comment=data["comment"],
        )
        message.shielded = False
        return Response(s.MessageOut(message).data)


class MessageRejectApi(_MessageApi):
    @extend_schema(
        operation_id="messages_reject",
        request=s.RejectIn,
        responses={200: s.MessageOut, 400: BAD, 403: BAD, 404: NOT_FOUND},
        summary="Reject a held reply with a comment; it never reaches the network",
    )
    def post(self, request: AuthedApiRequest, mid: int) -> Response:
        # Looked up first: someone who may not see the reply gets 404, not 400.
        held = self.message(mid)
        data = self.valid(s.RejectIn, request.data)
        message = approvals.reply_reject(
            message=held, approver=request.user, comment=data["comment"]
        )
        message.shielded = False
        return Response(s.MessageOut(message).data)
