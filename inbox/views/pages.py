"""The inbox pages and the fragments htmx polls.

Each URL is one thing: the full page for a normal request, its fragment for
an htmx request (``request.htmx``), except history restores, which need the
whole page back.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts import access
from accounts.http import AuthedRequest
from inbox import selectors
from inbox.forms import ReplyForm
from inbox.services import presence
from inbox.services.notifications import notifications_mark_read
from inbox.services.replies import canned_render
from inbox.services.shield import shield_load, shield_of
from inbox.views import context as ctx


def is_fragment(request: AuthedRequest) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


def _unchanged(request: AuthedRequest, sig: str) -> bool:
    return is_fragment(request) and request.GET.get("sig", request.POST.get("sig")) == sig


def render_page(
    request: AuthedRequest, conversation=None, *, status: int = 200, card: bool = True, **extra
) -> HttpResponse:
    """The whole inbox page. What the person asked for is drawn now: the list,
    or the conversation (its card with ``card``). The views and filters (with
    the views' counts and the notifications badge), and the list beside a
    conversation, come in their own requests once it is shown (their links
    stand in without script)."""
    shield = shield_of(conversation) if conversation is not None else shield_load()
    data = {}
    if conversation is not None:
        data.update(ctx.conversation_context(request, conversation, shield=shield, card=card))
    data.update(
        ctx.list_context(
            request,
            shield=shield,
            current_pk=conversation.pk if conversation else None,
            deferred=conversation is not None,
        )
    )
    if data["can_act"]:
        # The bulk form's "Label for selected" (the conversation has read them all).
        data["filter_labels"] = data.get("all_labels") or selectors.labels_all()
    data["is_admin"] = access.is_admin(request.user)
    data.update(extra)
    return render(request, "inbox/inbox.html", data, status=status)


@login_required
@require_GET
def inbox_list(request: AuthedRequest) -> HttpResponse:
    if not is_fragment(request):
        return render_page(request)
    # One indexed read decides a poll; the rows are read only when it moved.
    stamp = selectors.list_stamp(user=request.user)
    if request.GET.get("since") == stamp:
        return HttpResponse(status=204)
    return render(request, "inbox/_list.html", ctx.list_context(request, stamp=stamp))


@login_required
@require_GET
def inbox_viewers(request: AuthedRequest) -> HttpResponse:
    """Who is viewing each listed conversation: the list's own small poll,
    swapped into the rows out of band, so presence never moves the list."""
    pks = [int(v) for v in request.GET.getlist("id")[: selectors.PAGE_SIZE] if v.isdigit()]
    viewers = selectors.viewers_by_conversation(user=request.user, pks=pks)
    return render(request, "inbox/_list_viewers.html", {"viewers": viewers.items()})


@login_required
@require_GET
def inbox_sidebar(request: AuthedRequest) -> HttpResponse:
    """The views (with their counts) and the filters for the list the query
    string describes: the inbox page's side panel once it is shown, and a page
    of its own without script (the panel's placeholder links here)."""
    data = ctx.counts_context(request)
    data.update(ctx.filters_context(request))
    data.update(ctx.list_context(request, deferred=True))
    if is_fragment(request):
        return render(request, "inbox/_sidebar.html", data)
    return render(request, "inbox/sidebar.html", data)


@login_required
@require_GET
def inbox_counts(request: AuthedRequest) -> HttpResponse:
    data = ctx.counts_context(request)
    if _unchanged(request, data["counts_sig"]):
        return HttpResponse(status=204)
    data["badge_oob"] = True
    return render(request, "inbox/_saved_views.html", data)


@login_required
@require_GET
def conversation_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    conversation = selectors.conversation_get_for_view(user=request.user, pk=pk, card=False)
    if not is_fragment(request):
        return render_page(request, conversation, card=False)
    data = ctx.conversation_context(request, conversation, card=False)
    data["as_fragment"] = True  # carries a <title> for htmx to put on the page
    response = render(request, "inbox/_conversation.html", data)
    # The list's unread marker for this row just changed.
    response["HX-Trigger"] = "inbox:changed"
    return response


@login_required
@require_GET
def conversation_thread(request: AuthedRequest, pk: int) -> HttpResponse:
    conversation = selectors.conversation_get_for_view(
        user=request.user, pk=pk, card=not is_fragment(request)
    )
    data = ctx.thread_context(request, conversation)
    if _unchanged(request, data["thread_sig"]):
        return HttpResponse(status=204)
    if not is_fragment(request):
        return render_page(request, conversation)
    # Seeing the thread refreshed counts as reading it.
    presence.conversation_mark_read(user=request.user, conversation=conversation)
    data["refresh_notes"] = True
    return render(request, "inbox/_live.html", data)


@login_required
@require_POST
def conversation_presence(request: AuthedRequest, pk: int) -> HttpResponse:
    """Heartbeat: 'I have this open' (and 'I am typing' with typing=1).
    Answers with who else is here."""
    conversation = selectors.conversation_get_for_user(user=request.user, pk=pk)
    if request.POST.get("leave"):
        presence.presence_leave(user=request.user, conversation=conversation)
        return HttpResponse(status=204)
    presence.presence_touch(
        user=request.user, conversation=conversation, typing=request.GET.get("typing") == "1"
    )
    if request.GET.get("typing") == "1":
        return HttpResponse(status=204)
    data = ctx.presence_context(request, conversation)
    if _unchanged(request, data["presence_sig"]):
        return HttpResponse(status=204)
    return render(request, "inbox/_presence.html", data)


@login_required
@require_GET
def conversation_composer(request: AuthedRequest, pk: int) -> HttpResponse:
    """The composer with a canned response inserted after what was typed."""
    conversation = selectors.conversation_get_for_user(user=request.user, pk=pk)
    text = request.GET.get("text", "")
    canned_id = request.GET.get("canned", "")
    if canned_id.isdigit():
        canned = selectors.canned_get_for_user(user=request.user, pk=int(canned_id))
        filled = canned_render(canned=canned, conversation=conversation, officer=request.user)
        text = f"{text.rstrip()}\n\n{filled}" if text.strip() else filled
    seen = request.GET.get("seen_outbound_id", "")
    form = ReplyForm(
        initial={
            "text": text,
            "idempotency_key": request.GET.get("idempotency_key") or ReplyForm.new_key(),
            "seen_outbound_id": int(seen) if seen.isdigit() else 0,
            "private": request.GET.get("private") == "on",
        }
    )
    if not is_fragment(request):
        return render_page(request, conversation, reply_form=form)
    data = ctx.composer_context(request, conversation, form=form)
    return render(request, "inbox/_composer.html", data)


@login_required
@require_GET
def search(request: AuthedRequest) -> HttpResponse:
    data = ctx.search_context(request)
    if is_fragment(request) and request.htmx.target == "search-results":
        return render(request, "inbox/_search_results.html", data)
    return render(request, "inbox/search.html", data)


@login_required
def notifications(request: AuthedRequest) -> HttpResponse:
    if request.method == "POST":
        notifications_mark_read(user=request.user)
        return redirect("inbox:notifications")
    items = selectors.notifications_for(user=request.user)
    return render(request, "inbox/notifications.html", {"notifications": items})
