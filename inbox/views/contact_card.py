"""The contact card's actions: notes about the person, linking identities as
one person (and unlinking), muting on X. Each view fetches the conversation
(and any other contact) through a selector, so another team's is a 404 before
a service runs, then answers with the card (htmx) or a redirect."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthedRequest
from inbox import selectors
from inbox.contact_forms import ContactLinkForm, ContactNoteForm
from inbox.services import contacts, moderation
from inbox.views import context as ctx
from inbox.views.actions import _contact_answer, _conversation, _errors
from inbox.views.pages import is_fragment, render_page


@login_required
@require_GET
def contact_card(request: AuthedRequest, pk: int) -> HttpResponse:
    """The contact card on its own: the conversation pane asks for it after
    the thread is on screen."""
    if not is_fragment(request):
        # Without script: the conversation page with the card drawn in.
        full = selectors.conversation_get_for_view(user=request.user, pk=pk)
        return render_page(request, full)
    conversation = selectors.conversation_get_for_card(user=request.user, pk=pk)
    return render(request, "inbox/_contact.html", ctx.contact_context(request, conversation))


@login_required
@require_POST
def contact_note(request: AuthedRequest, pk: int) -> HttpResponse:
    conversation = _conversation(request, pk)
    form = ContactNoteForm(request.POST)
    if not form.is_valid():
        return _contact_answer(request, conversation, _errors(form), error=True)
    try:
        contacts.contact_note_add(
            conversation=conversation, actor=request.user, text=form.cleaned_data["text"]
        )
    except ValidationError as exc:
        return _contact_answer(request, conversation, _errors(exc), error=True)
    return _contact_answer(request, conversation, "Note added. Colleagues will see it.")


@login_required
@require_POST
def contact_link(request: AuthedRequest, pk: int) -> HttpResponse:
    conversation = _conversation(request, pk)
    form = ContactLinkForm(request.POST)
    if not form.is_valid():
        return _contact_answer(request, conversation, _errors(form), error=True)
    data = form.cleaned_data
    try:
        other = selectors.contact_find_for_user(
            user=request.user, network=data["network"], handle=data["handle"]
        )
    except Http404:
        said = f"No contact @{data['handle']} on {data['network']} in the conversations you cover."
        return _contact_answer(request, conversation, said, error=True)
    try:
        contacts.contact_link(conversation=conversation, other=other, actor=request.user)
    except ValidationError as exc:
        return _contact_answer(request, conversation, _errors(exc), error=True)
    return _contact_answer(request, conversation, f"Linked with {other} as one person.")


@login_required
@require_POST
def contact_unlink(request: AuthedRequest, pk: int) -> HttpResponse:
    conversation = _conversation(request, pk)
    chosen = request.POST.get("contact", "")
    if not chosen.isdigit():
        return _contact_answer(request, conversation, "Choose an identity to unlink.", error=True)
    other = selectors.contact_get_for_user(user=request.user, pk=int(chosen))
    try:
        contacts.contact_unlink(conversation=conversation, other=other, actor=request.user)
    except ValidationError as exc:
        return _contact_answer(request, conversation, _errors(exc), error=True)
    return _contact_answer(request, conversation, f"{other} is no longer linked.")


def _mute(request: AuthedRequest, pk: int, *, mute: bool) -> HttpResponse:
    conversation = _conversation(request, pk)
    service = moderation.contact_mute if mute else moderation.contact_unmute
    try:
        service(conversation=conversation, actor=request.user)
    except ValidationError as exc:
        return _contact_answer(request, conversation, _errors(exc), error=True)
    said = "Mute queued." if mute else "Unmute queued."
    return _contact_answer(request, conversation, said)


@login_required
@require_POST
def contact_mute(request: AuthedRequest, pk: int) -> HttpResponse:
    return _mute(request, pk, mute=True)


@login_required
@require_POST
def contact_unmute(request: AuthedRequest, pk: int) -> HttpResponse:
    return _mute(request, pk, mute=False)
