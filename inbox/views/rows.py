"""The inbox list and its rows, rendered in Python.

The list is the hottest page in the product (every officer's browser asks
for it every few seconds), and Django's template engine spends about a
millisecond per row resolving variables, filters and includes. Building the
same markup here is an order of magnitude cheaper.

Rows rarely change between two polls, so each row's markup is kept (a
bounded LRU per process) under everything it is made from: the row (one
shared object per statement row, ``inbox_list_sql.cached_list_row``), what
the view decided (shielded, the clock's words), its age in words, its link,
and the time zone. Any change to one of them is a new key; nothing is ever
invalidated by hand.

Safety: every value that comes from the database or the public goes through
``esc`` (the standard library's ``html.escape`` with quotes), and nothing
else is interpolated; ``tests/inbox/test_views.py`` feeds hostile names,
handles and text through it, and the browser tests run axe on the result.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from html import escape as esc
from typing import TYPE_CHECKING, NamedTuple

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from inbox.inbox_list_sql import CACHED_ROWS, ListRow
from inbox.templatetags.inbox_ui import due_markup, flags_markup, initials
from inbox.url_cache import reverse_cached

if TYPE_CHECKING:
    from inbox.selectors import InboxPage

NETWORK_LETTER = {"x": "X", "facebook": "f"}
KIND_WORD = {"private": "DM", "comment": "comment", "public": "public"}
SNIPPET = 140


class RowMarks(NamedTuple):
    """What the view decides about a row for this request."""

    shielded: bool  # the snippet matches the abuse list
    clock: dict | None  # ``due_clock``'s words and level


def age(then: datetime, now: datetime) -> str:
    """ "5 min", "3 h", "2 days": short, and the <time> element carries the exact time."""
    minutes = max(0, int((now - then).total_seconds() // 60))
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} h ago"
    return f"{minutes // (24 * 60)} days ago"


def _snippet(text: str) -> str:
    return text if len(text) <= SNIPPET else text[: SNIPPET - 1].rstrip() + "…"


def _head(row: ListRow, url: str, is_current: bool) -> str:
    channel, contact = row.channel, row.contact
    badge = (
        '<span class="badge badge-unread">Unread<span class="visually-hidden">:</span></span> '
        if row.is_unread
        else ""
    )
    handle = f'<span class="handle">@{esc(contact.handle)}</span> ' if contact.handle else ""
    current = ' aria-current="true"' if is_current else ""
    return (
        f'<p class="row-head"><span class="net net-{esc(channel.network)}" aria-hidden="true">'
        f"{NETWORK_LETTER.get(channel.network, '?')}</span>\n"
        f'<a class="row-link" href="{esc(url)}" hx-get="{esc(url)}" '
        f'hx-target="#conversation-pane" hx-swap="innerHTML" hx-push-url="true"{current}>'
        f'{badge}<span class="name">{esc(str(contact))}</span></a>\n{handle}'
        f'<span class="kind">{esc(channel.get_network_display())} · '
        f"{KIND_WORD.get(row.kind) or esc(row.kind)}</span></p>"
    )


def _meta(row: ListRow, clock: dict | None, age_text: str) -> str:
    if row.assignee_id:
        name = esc(row.assignee or "")
        assignee = (
            f'<span class="assignee"><span class="avatar" aria-hidden="true">'
            f"{esc(initials(row.assignee))}</span>"
            f'<span class="visually-hidden">Assigned to </span>{name}</span>'
        )
    else:
        assignee = '<span class="assignee unassigned">Unassigned</span>'
    priority = (
        f'<span class="priority priority-{int(row.priority)}">'
        f"{row.get_priority_display()} priority</span> "
        if row.priority >= 2
        else ""
    )
    labels = "".join(f'<span class="label-tag">{esc(lb.name)}</span> ' for lb in row.label_list)
    viewers = "".join(f'<span class="viewer">{esc(v.user)} viewing</span>' for v in row.viewers)
    return (
        f'<p class="row-meta"><time datetime="{row.last_message_at.isoformat()}">'
        f"{age_text}</time> {due_markup(clock, row.due_at)} "
        f'<span class="status status-{esc(row.status)}">{esc(row.get_status_display())}</span> '
        f"{priority}{assignee} {labels}{flags_markup(row.contact)} {viewers}</p>"
    )


def render_list(
    page: InboxPage,
    marks: list[RowMarks],
    *,
    filter_query: str,
    list_query: str,
    list_url: str,
    sig: str,
    poll_seconds: int,
    current_pk: int | None,
) -> SafeString:
    """The list as ``inbox/_list.html`` shows it, up to the announcement the
    template adds. ``list_query`` is ``filter_query`` without the page."""
    sort, filtered = page.filters.sort, page.filters.is_filtered()
    url = esc(list_url)
    poll = f"{url}?{esc(filter_query)}&amp;sig={sig}" if filter_query else f"{url}?sig={sig}"
    head = (
        f'<div id="conversation-list" class="conversation-list" data-background\n'
        f'     hx-get="{poll}"\n'
        f'     hx-trigger="every {int(poll_seconds)}s, inbox:changed from:body" '
        f'hx-swap="outerHTML"\n     data-list-sig="{sig}">\n'
    )
    if not page.rows:
        empty = " with these filters" if filtered else ""
        return mark_safe(f'{head}  <p class="list-empty">No conversations here{empty}.</p>\n')  # noqa: S308
    n = len(page.rows)
    summary = (
        f"Showing {n} conversation{'' if n == 1 else 's'}"
        f"{f', page {page.page}' if page.page > 1 else ''}, "
        f"{'response due soonest first' if sort == 'due' else 'newest activity first'}."
    )
    pages = f"{url}?{esc(list_query)}&amp;page=" if list_query else f"{url}?page="
    newer = f'<a href="{pages}{page.page - 1}">Newer conversations</a>' if page.page > 1 else ""
    older = f'<a href="{pages}{page.page + 1}">Older conversations</a>' if page.has_more else ""
    rows = render_rows(page.rows, marks, filter_query=filter_query, current_pk=current_pk)
    return mark_safe(  # noqa: S308 - the rows are escaped; the rest is ours or escaped here
        f'{head}  <p class="list-summary">{summary}</p>\n  <ol class="rows">\n{rows}  </ol>\n'
        f'  <nav class="pager" aria-label="More conversations">\n'
        f"    {newer}\n    {older}\n  </nav>\n"
    )


def render_rows(
    rows: list[ListRow], marks: list[RowMarks], *, filter_query: str, current_pk: int | None
) -> SafeString:
    """The ``<li>`` of each row, with what the view decided about it."""
    now = timezone.now()
    zone = timezone.get_current_timezone_name()
    # One reverse for the page: row URLs differ only in the id.
    prefix = reverse_cached("inbox:conversation", 1).removesuffix("1/")
    suffix = f"?{filter_query}" if filter_query else ""
    parts = []
    for row, (shielded, clock) in zip(rows, marks, strict=True):
        pk = int(row.pk)
        shown = (
            shielded,
            (clock["level"], clock["label"]) if clock else None,
            age(row.last_message_at, now),
        )
        parts.append(_row_html(row, shown, f"{prefix}{pk}/{suffix}", pk == current_pk, zone))
    return mark_safe("".join(parts))  # noqa: S308 - every value in a row is escaped


@lru_cache(maxsize=CACHED_ROWS)
def _row_html(row: ListRow, shown: tuple, url: str, is_current: bool, zone: str) -> str:
    """One row's markup, made only from its arguments (``zone`` is the time
    zone the due time is shown in, active while this runs). The row is keyed
    by identity, which stands for its statement row (``ListRow``)."""
    shielded, clock, age_text = shown
    clock = {"level": clock[0], "label": clock[1]} if clock else None
    pk = int(row.pk)
    classes = "row" + (" is-unread" if row.is_unread else "")
    classes += " is-current" if is_current else ""
    snippet = (
        '<span class="shielded">Hidden: may contain abusive language</span>'
        if shielded
        else esc(_snippet(row.last_message_preview))
    )
    return (
        f'<li class="{classes}" data-id="{pk}">\n'
        f'<input type="checkbox" class="row-select" name="ids" value="{pk}" '
        f'form="bulk-form" id="sel-{pk}">\n'
        f'<label for="sel-{pk}" class="visually-hidden">Select conversation with '
        f"{esc(str(row.contact))}</label>\n"
        f'<div class="row-body">{_head(row, url, is_current)}\n'
        f'<p class="snippet">{snippet}</p>\n{_meta(row, clock, age_text)}</div></li>\n'
    )
