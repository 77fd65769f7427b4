"""Officer actions: each view validates, calls one service, and answers with
the fragment that changed (htmx) or a redirect back to the conversation.

Every conversation is fetched through a selector first, so another team's
conversation is a 404 before any service runs, and nothing changes.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.http import AuthedRequest
from accounts.models import Team, User
from inbox import moderation_selectors, selectors
from inbox.contact_forms import OTHER, HideForm
from inbox.forms import (
    AssignForm,
    BlockForm,
    BulkForm,
    LabelForm,
    NoteForm,
    ReplyForm,
    StatusForm,
)
from inbox.models import ActionKind, Conversation, Label, Status
from inbox.services import actions, contacts, moderation, outbound
from inbox.services.bulk_actions import conversations_bulk_apply
from inbox.services.notifications import note_create
from inbox.services.replies import reply_send
from inbox.services.reply_media import MAX_UPLOAD_BYTES
from inbox.services.shield import message_reveal
from inbox.views import context as ctx
from inbox.views.pages import is_fragment, render_page


def _back(request: AuthedRequest, conversation: Conversation) -> HttpResponse:
    url = reverse("inbox:conversation", args=[conversation.pk])
    query = ctx.filter_query(QueryDict(request.POST.get("back", "")))
    return redirect(f"{url}?{query}" if query else url)


def _errors(exc_or_form) -> str:
    if isinstance(exc_or_form, ValidationError):
        return " ".join(exc_or_form.messages)
    return " ".join(e for errs in exc_or_form.errors.values() for e in errs)


def _answer(
    request: AuthedRequest,
    conversation: Conversation,
    *,
    template: str,
    data: dict,
    said: str,
    error: bool = False,
) -> HttpResponse:
    """The fragment (htmx) or a redirect with a flash message (no JS)."""
    if not is_fragment(request):
        (messages.error if error else messages.success)(request, said)
        return _back(request, conversation)
    data = {**data, "announce": said, "announce_error": error, "back_query": ""}
    response = render(request, template, data, status=422 if error else 200)
    if not error:
        response["HX-Trigger"] = json.dumps({"inbox:changed": None, "thread:changed": None})
    return response


def _controls(request, conversation, said, *, error=False) -> HttpResponse:
    fresh = selectors.conversation_get_for_user(user=request.user, pk=conversation.pk)
    return _answer(
        request,
        fresh,
        template="inbox/_controls.html",
        data=ctx.controls_context(request, fresh),
        said=said,
        error=error,
    )


def _conversation(request: AuthedRequest, pk: int) -> Conversation:
    """The conversation a write view changes: refused (403) for a viewer, and
    404 for someone who cannot see it, before the form is read."""
    if request.method in ("GET", "HEAD"):
        return selectors.conversation_get_for_user(user=request.user, pk=pk)
    return selectors.conversation_get_for_action(user=request.user, pk=pk)


# --- assign, status, label --------------------------------------------------------------


@login_required
@require_POST
def conversation_assign_me(request: AuthedRequest, pk: int) -> HttpResponse:
    conversation = _conversation(request, pk)
    actions.conversation_assign(
        conversation=conversation, actor=request.user, assignee=request.user
    )
    return _controls(request, conversation, "Assigned to you.")


@login_required
@require_POST
def conversation_assign(request: AuthedRequest, pk: int) -> HttpResponse:
    conversation = _conversation(request, pk)
    colleagues = selectors.colleagues_for(conversation=conversation)
    teams = selectors.teams_for(conversation=conversation)
    form = AssignForm(request.POST, colleagues=colleagues, teams=teams)
    if not form.is_valid():
        return _controls(request, conversation, "Choose a colleague or team.", error=True)
    choice = form.cleaned_data["assignee"]
    assignee: User | None = (
        request.user
        if choice == "me"
        else next((u for u in colleagues if str(u.pk) == choice), None)
    )
    team: Team | None = next((t for t in teams if str(t.pk) == form.cleaned_data["team"]), None)
    try:
        updated = actions.conversation_assign(
            conversation=conversation, actor=request.user, assignee=assignee, team=team
        )
    except ValidationError as exc:
        return _controls(request, conversation, _errors(exc), error=True)
    who = " and ".join(str(x) for x in (updated.assignee, updated.team) if x) or "nobody"
    return _controls(request, conversation, f"Assigned to {who}.")


@login_required
@require_POST
def conversation_status(request: AuthedRequest, pk: int) -> HttpResponse:
    conversation = _conversation(request, pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _controls(request, conversation, "Choose a valid status.", error=True)
    updated = actions.conversation_set_status(
        conversation=conversation, actor=request.user, status=form.cleaned_data["status"]
    )
    return _controls(
        request, conversation, f"Status set to {updated.get_status_display().lower()}."
    )


@login_required
@require_POST
def conversation_resolve(request: AuthedRequest, pk: int) -> HttpResponse:
    conversation = _conversation(request, pk)
    actions.conversation_set_status(
        conversation=conversation, actor=request.user, status=Status.RESOLVED
    )
    return _controls(request, conversation, "Resolved.")


@login_required
@require_POST
def conversation_label(request: AuthedRequest, pk: int) -> HttpResponse:
    conversation = _conversation(request, pk)
    labels = selectors.labels_all()
    form = LabelForm(request.POST, labels=labels)
    if not form.is_valid():
        return _controls(request, conversation, "Choose a label.", error=True)
    label: Label = next(lb for lb in labels if str(lb.pk) == form.cleaned_data["label"])
    remove = form.cleaned_data["remove"]
    actions.conversation_label(
        conversation=conversation, actor=request.user, label=label, add=not remove
    )
    said = f"Label “{label.name}” {'removed' if remove else 'added'}."
    return _controls(request, conversation, said)


# --- notes ------------------------------------------------------------------------------


@login_required
@require_POST
def conversation_note(request: AuthedRequest, pk: int) -> HttpResponse:
    conversation = _conversation(request, pk)
    form = NoteForm(request.POST)
    said, error = _errors(form), True
    if form.is_valid():
        try:
            result = note_create(
                conversation=conversation, actor=request.user, text=form.cleaned_data["text"]
            )
            said, error = _note_said(result), False
            form = NoteForm()
        except ValidationError as exc:
            said = _errors(exc)
    data = {
        "conversation": conversation,
        "notes": selectors.conversation_notes(conversation=conversation),
        "note_form": form,
    }
    return _answer(
        request, conversation, template="inbox/_notes.html", data=data, said=said, error=error
    )


def _note_said(result) -> str:
    said = "Note added."
    if result.notified:
        said += " Notified " + ", ".join(str(u) for u in result.notified) + "."
    if result.not_notified:
        said += (
            " Not notified (they do not cover this channel): "
            + ", ".join(str(u) for u in result.not_notified)
            + "."
        )
    return said


# --- reply ------------------------------------------------------------------------------


@login_required
@require_POST
def conversation_reply(request: AuthedRequest, pk: int) -> HttpResponse:
    conversation = _conversation(request, pk)
    form = ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _composer(
            request, conversation, form, "The reply could not be sent: " + _errors(form), error=True
        )
    data = form.cleaned_data
    try:
        outcome = reply_send(
            conversation=conversation,
            actor=request.user,
            text=data["text"],
            idempotency_key=data["idempotency_key"],
            seen_outbound_id=data["seen_outbound_id"],
            confirmed=data["confirm"],
            private=data["private"],
            image_data=_upload_bytes(data["image"]),
            image_alt=data["image_alt"] or "",
        )
    except ValidationError as exc:
        return _composer(request, conversation, form, _errors(exc), error=True)
    if outcome.collisions:
        return _collision(request, conversation, form, outcome.collisions)
    channel = conversation.channel
    said = f"Reply queued: sending from {channel.handle} on {channel.get_network_display()}."
    if (
        outcome.message is not None and outcome.message.state == "awaiting_approval"
    ):  # the two-person rule applies
        said = "Your reply waits for a colleague's approval before it is sent."
    fresh = ReplyForm(
        initial={
            "idempotency_key": ReplyForm.new_key(),
            "seen_outbound_id": outcome.message.pk if outcome.message else 0,
        }
    )
    return _composer(request, conversation, fresh, said)


def _upload_bytes(upload) -> bytes | None:
    """An uploaded file's bytes, read no further than one byte past the limit
    (enough for the service to refuse it as too large)."""
    if upload is None:
        return None
    return upload.read(MAX_UPLOAD_BYTES + 1)


def _composer(request, conversation, form, said, *, error=False, collisions=None):
    data = ctx.composer_context(request, conversation, form=form, collisions=collisions)
    return _answer(
        request, conversation, template="inbox/_composer.html", data=data, said=said, error=error
    )


def _collision(request, conversation, form, collisions) -> HttpResponse:
    """A colleague replied after this officer opened the conversation: show
    their reply and ask before sending. Nothing was queued."""
    names = ", ".join(sorted({str(m.author_user or conversation.channel.name) for m in collisions}))
    said = f"{names} replied after you opened this conversation. Read their reply, then confirm or cancel."
    if not is_fragment(request):
        # Without JS there is no composer to keep: show the page with the
        # warning, the typed text and a "Send anyway" button.
        messages.warning(request, said)
        return render_page(
            request,
            conversation,
            reply_form=form,
            collisions=collisions,
            collisions_last_id=max(m.pk for m in collisions),
            status=409,
        )
    data = ctx.composer_context(request, conversation, form=form, collisions=collisions)
    data.update({"announce": said, "announce_error": True})
    return render(request, "inbox/_composer.html", data, status=409)


# --- like, hide, reveal -----------------------------------------------------------------


def _message_answer(
    request, conversation, message, said, *, error=False, open_form=""
) -> HttpResponse:
    data = ctx.thread_context(request, conversation)
    current = next((m for m in data["messages_"] if m.pk == message.pk), message)
    data["m"] = current
    data["open_form"] = open_form  # a refused hide or delete keeps its form open
    return _answer(
        request, conversation, template="inbox/_message.html", data=data, said=said, error=error
    )


def _network_action(request, pk: int, mid: int, kind: str, said: str) -> HttpResponse:
    conversation = _conversation(request, pk)
    message = selectors.message_get_for_user(user=request.user, pk=mid)
    if message.conversation_id != conversation.pk or not message.external_id:
        return _message_answer(
            request, conversation, message, "That message cannot be used.", error=True
        )
    try:
        outbound.action_create(
            conversation=conversation,
            actor=request.user,
            kind=kind,
            target_external_id=message.external_id,
        )
    except ValidationError as exc:
        return _message_answer(request, conversation, message, _errors(exc), error=True)
    return _message_answer(request, conversation, message, said)


@login_required
@require_POST
def message_like(request: AuthedRequest, pk: int, mid: int) -> HttpResponse:
    return _network_action(request, pk, mid, ActionKind.LIKE, "Like queued.")


def _moderation(request, pk: int, mid: int, service, done: str, form_name: str) -> HttpResponse:
    """Hide or delete a message for the house rule it breaks (or "other", with a note)."""
    conversation = _conversation(request, pk)
    message = selectors.message_get_for_user(user=request.user, pk=mid)
    if message.conversation_id != conversation.pk:
        return _message_answer(
            request, conversation, message, "That message cannot be used.", error=True
        )
    form = HideForm(request.POST)
    if not form.is_valid():
        return _message_answer(
            request, conversation, message, _errors(form), error=True, open_form=form_name
        )
    choice = form.cleaned_data["rule"]
    rule = None
    if choice != OTHER:
        if not choice.isdigit():
            return _message_answer(
                request,
                conversation,
                message,
                "Choose a house rule.",
                error=True,
                open_form=form_name,
            )
        rule = moderation_selectors.house_rule_get(pk=int(choice))
    try:
        service(message=message, actor=request.user, rule=rule, note=form.cleaned_data["note"])
    except ValidationError as exc:
        return _message_answer(
            request, conversation, message, _errors(exc), error=True, open_form=form_name
        )
    return _message_answer(request, conversation, message, done)


@login_required
@require_POST
def message_hide(request: AuthedRequest, pk: int, mid: int) -> HttpResponse:
    return _moderation(
        request, pk, mid, moderation.message_hide, "Hide queued. The reason is logged.", "hide"
    )


@login_required
@require_POST
def message_delete(request: AuthedRequest, pk: int, mid: int) -> HttpResponse:
    """A manager deletes a comment (PermissionDenied for anyone else: 403)."""
    return _moderation(
        request,
        pk,
        mid,
        moderation.message_delete,
        "Delete queued. The reason is logged.",
        "delete",
    )


@login_required
@require_POST
def message_reveal_view(request: AuthedRequest, pk: int, mid: int) -> HttpResponse:
    conversation = _conversation(request, pk)
    message = selectors.message_get_for_user(user=request.user, pk=mid)
    if message.conversation_id != conversation.pk:
        return _message_answer(
            request, conversation, message, "That message cannot be used.", error=True
        )
    message_reveal(message=message, actor=request.user)
    return _message_answer(request, conversation, message, "Message revealed. This was logged.")


# --- block ------------------------------------------------------------------------------


@login_required
@require_POST
def contact_block(request: AuthedRequest, pk: int) -> HttpResponse:
    conversation = _conversation(request, pk)
    form = BlockForm(request.POST)
    said, error = "", True
    if not form.is_valid():
        said = _errors(form)
    else:
        try:
            contacts.contact_block(
                contact=conversation.contact,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                conversation=conversation,
            )
            said, error = f"{conversation.contact} is blocked.", False
        except ValidationError as exc:
            said = _errors(exc)
    return _contact_answer(request, conversation, said, error=error, form=form)


@login_required
@require_POST
def contact_unblock(request: AuthedRequest, pk: int) -> HttpResponse:
    conversation = _conversation(request, pk)
    contacts.contact_unblock(
        contact=conversation.contact, actor=request.user, conversation=conversation
    )
    return _contact_answer(request, conversation, f"{conversation.contact} is unblocked.")


def _contact_answer(request, conversation, said, *, error=False, form=None) -> HttpResponse:
    fresh = selectors.conversation_get_for_user(user=request.user, pk=conversation.pk)
    data = ctx.contact_context(request, fresh)
    if error and form is not None:
        data["block_form"] = form
        data["block_open"] = True
    return _answer(
        request, fresh, template="inbox/_contact.html", data=data, said=said, error=error
    )


# --- bulk -------------------------------------------------------------------------------


@login_required
@require_POST
def conversations_bulk(request: AuthedRequest) -> HttpResponse:
    form = BulkForm(request.POST)
    back = QueryDict(request.POST.get("back", ""))
    if not form.is_valid():
        return _bulk_answer(request, back, _errors(form), error=True)
    data = form.cleaned_data
    conversations = selectors.conversations_get_for_user(user=request.user, pks=data["ids"])
    try:
        assignee, team, label = _bulk_targets(request, data, conversations)
        count = conversations_bulk_apply(
            conversations=conversations,
            actor=request.user,
            action=data["action"],
            assignee=assignee,
            team=team,
            label=label,
        )
    except ValidationError as exc:
        return _bulk_answer(request, back, _errors(exc), error=True)
    noun = "conversation" if count == 1 else "conversations"
    verb = {"assign": "Assigned", "label": "Labelled", "resolve": "Resolved"}[data["action"]]
    return _bulk_answer(request, back, f"{verb} {count} {noun}.")


def _bulk_targets(request, data, conversations):
    assignee = team = label = None
    choice = data.get("assignee") or ""
    if choice == "me":
        assignee = request.user
    elif choice.isdigit():
        assignee = User.objects.filter(pk=int(choice), is_active=True).first()
        if assignee is None:
            raise ValidationError("No such colleague.")
    if data.get("team"):
        team = Team.objects.filter(pk=data["team"]).first()
        if team is None:
            raise ValidationError("No such team.")
    if data.get("label"):
        label = Label.objects.filter(pk=data["label"]).first()
        if label is None:
            raise ValidationError("No such label.")
    return assignee, team, label


def _bulk_answer(request, back: QueryDict, said: str, *, error=False) -> HttpResponse:
    query = ctx.filter_query(back)
    if not is_fragment(request):
        (messages.error if error else messages.success)(request, said)
        url = reverse("inbox:list")
        return redirect(f"{url}?{query}" if query else url)
    request.GET = back  # the list fragment reads its filters from GET
    data = ctx.list_context(request)
    data.update({"announce": said, "announce_error": error})
    response = render(request, "inbox/_list.html", data, status=422 if error else 200)
    if not error:
        response["HX-Trigger"] = json.dumps({"inbox:changed": None, "thread:changed": None})
    return response
