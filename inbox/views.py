from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from inbox import selectors
from inbox.forms import NoteForm, StatusForm
from inbox.models import Status
from inbox.services import actions

PAGE_SIZE = 50


@login_required
def inbox_list(request):
    status = request.GET.get("status") or "unresolved"
    if status not in {"unresolved", *Status.values}:
        status = "unresolved"
    conversations = selectors.conversation_list(user=request.user, status=status)[:PAGE_SIZE]
    return render(
        request,
        "inbox/list.html",
        {"conversations": conversations, "status": status, "statuses": Status.choices},
    )


@login_required
def conversation_detail(request, pk: int):
    conversation = selectors.conversation_get_for_user(user=request.user, pk=pk)
    return render(
        request,
        "inbox/conversation.html",
        {
            "conversation": conversation,
            "messages_": selectors.conversation_messages(conversation=conversation),
            "notes": conversation.notes.select_related("author"),
            "status_form": StatusForm(initial={"status": conversation.status}),
            "note_form": NoteForm(),
        },
    )


@login_required
@require_POST
def conversation_assign_me(request, pk: int):
    conversation = selectors.conversation_get_for_user(user=request.user, pk=pk)
    actions.conversation_assign(
        conversation=conversation, actor=request.user, assignee=request.user
    )
    messages.success(request, "Assigned to you.")
    return redirect("inbox:conversation", pk=pk)


@login_required
@require_POST
def conversation_status(request, pk: int):
    conversation = selectors.conversation_get_for_user(user=request.user, pk=pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        updated = actions.conversation_set_status(
            conversation=conversation, actor=request.user, status=form.cleaned_data["status"]
        )
        messages.success(request, f"Status set to {updated.get_status_display().lower()}.")
    else:
        messages.error(request, "Choose a valid status.")
    return redirect("inbox:conversation", pk=pk)


@login_required
@require_POST
def conversation_note(request, pk: int):
    conversation = selectors.conversation_get_for_user(user=request.user, pk=pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            actions.note_add(
                conversation=conversation, actor=request.user, text=form.cleaned_data["text"]
            )
            messages.success(request, "Note added.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, "A note needs some text (at most 5,000 characters).")
    return redirect("inbox:conversation", pk=pk)
