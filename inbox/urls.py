from __future__ import annotations

from django.urls import path

from inbox import views
from inbox.views import approvals as approval_views
from inbox.views import contact_card, house_rules
from inbox.views import media as media_views
from inbox.views import saved_views as saved_view_views
from inbox.views import triage as triage_views

app_name = "inbox"

urlpatterns = [
    path("", views.inbox_list, name="list"),
    path("counts/", views.inbox_counts, name="counts"),
    path("filters/", views.inbox_sidebar, name="sidebar"),
    path("viewers/", views.inbox_viewers, name="viewers"),
    path("search/", views.search, name="search"),
    path("views/", saved_view_views.saved_views_page, name="saved_views"),
    path("views/save/", saved_view_views.saved_view_save, name="saved_view_save"),
    path(
        "views/<int:pk>/rename/",
        saved_view_views.saved_view_rename_view,
        name="saved_view_rename",
    ),
    path(
        "views/<int:pk>/delete/",
        saved_view_views.saved_view_delete_view,
        name="saved_view_delete",
    ),
    path("notifications/", views.notifications, name="notifications"),
    path("bulk/", views.conversations_bulk, name="bulk"),
    path("settings/abuse-terms/", views.abuse_terms, name="abuse_terms"),
    path("settings/house-rules/", house_rules.house_rules, name="house_rules"),
    path("settings/house-rules/<int:pk>/", house_rules.house_rule_edit, name="house_rule_edit"),
    path("media/<int:pk>/", media_views.message_media, name="media"),
    path(
        "media/<int:pk>/<str:variant>/",
        media_views.message_media,
        name="media_variant",
    ),
    path("c/<int:pk>/", views.conversation_detail, name="conversation"),
    path("c/<int:pk>/live/", views.conversation_thread, name="thread"),
    path("c/<int:pk>/presence/", views.conversation_presence, name="presence"),
    path("c/<int:pk>/composer/", views.conversation_composer, name="composer"),
    path("c/<int:pk>/assign-me/", views.conversation_assign_me, name="assign_me"),
    path("c/<int:pk>/assign/", views.conversation_assign, name="assign"),
    path("c/<int:pk>/status/", views.conversation_status, name="status"),
    path("c/<int:pk>/resolve/", views.conversation_resolve, name="resolve"),
    path("c/<int:pk>/label/", views.conversation_label, name="label"),
    path("c/<int:pk>/labels/", triage_views.conversation_labels, name="labels"),
    path("c/<int:pk>/labels/new/", triage_views.conversation_label_create, name="label_create"),
    path("c/<int:pk>/priority/", triage_views.conversation_priority, name="priority"),
    path("c/<int:pk>/snooze/", triage_views.conversation_snooze, name="snooze"),
    path("c/<int:pk>/wake/", triage_views.conversation_wake, name="wake"),
    path("c/<int:pk>/note/", views.conversation_note, name="note"),
    path("c/<int:pk>/reply/", views.conversation_reply, name="reply"),
    path("c/<int:pk>/block/", views.contact_block, name="block"),
    path("c/<int:pk>/unblock/", views.contact_unblock, name="unblock"),
    path("c/<int:pk>/contact/", contact_card.contact_card, name="contact_card"),
    path("c/<int:pk>/contact/note/", contact_card.contact_note, name="contact_note"),
    path("c/<int:pk>/contact/link/", contact_card.contact_link, name="contact_link"),
    path("c/<int:pk>/contact/unlink/", contact_card.contact_unlink, name="contact_unlink"),
    path("c/<int:pk>/contact/mute/", contact_card.contact_mute, name="contact_mute"),
    path("c/<int:pk>/contact/unmute/", contact_card.contact_unmute, name="contact_unmute"),
    path("c/<int:pk>/m/<int:mid>/like/", views.message_like, name="like"),
    path("c/<int:pk>/m/<int:mid>/approve/", approval_views.message_approve, name="approve"),
    path("c/<int:pk>/m/<int:mid>/reject/", approval_views.message_reject, name="reject"),
    path("c/<int:pk>/m/<int:mid>/hide/", views.message_hide, name="hide"),
    path("c/<int:pk>/m/<int:mid>/delete/", views.message_delete, name="delete"),
    path("c/<int:pk>/m/<int:mid>/reveal/", views.message_reveal_view, name="reveal"),
]
