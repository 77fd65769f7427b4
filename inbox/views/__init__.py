"""The officer's inbox: pages and fragments (``pages``), actions (``actions``)
and the old address of the abuse word list (``shield_terms``, now in Settings)."""

from __future__ import annotations

from inbox.views.actions import (
    contact_block,
    contact_unblock,
    conversation_assign,
    conversation_assign_me,
    conversation_label,
    conversation_note,
    conversation_reply,
    conversation_resolve,
    conversation_status,
    conversations_bulk,
    message_delete,
    message_hide,
    message_like,
    message_reveal_view,
)
from inbox.views.pages import (
    conversation_composer,
    conversation_detail,
    conversation_presence,
    conversation_thread,
    inbox_counts,
    inbox_list,
    inbox_sidebar,
    inbox_viewers,
    notifications,
    search,
)
from inbox.views.shield_terms import abuse_terms

__all__ = [
    "abuse_terms",
    "contact_block",
    "contact_unblock",
    "conversation_assign",
    "conversation_assign_me",
    "conversation_composer",
    "conversation_detail",
    "conversation_label",
    "conversation_note",
    "conversation_presence",
    "conversation_reply",
    "conversation_resolve",
    "conversation_status",
    "conversation_thread",
    "conversations_bulk",
    "inbox_counts",
    "inbox_list",
    "inbox_sidebar",
    "inbox_viewers",
    "message_delete",
    "message_hide",
    "message_like",
    "message_reveal_view",
    "notifications",
    "search",
]
