from __future__ import annotations

from django.urls import path

from inbox.api import contact_views, views

app_name = "api"

urlpatterns = [
    path("conversations/", views.ConversationListApi.as_view(), name="conversation_list"),
    path(
        "conversations/counts/", views.ConversationCountsApi.as_view(), name="conversation_counts"
    ),
    path("conversations/bulk/", views.ConversationBulkApi.as_view(), name="conversation_bulk"),
    path(
        "conversations/<int:pk>/", views.ConversationDetailApi.as_view(), name="conversation_detail"
    ),
    path(
        "conversations/<int:pk>/messages/",
        views.MessageListApi.as_view(),
        name="conversation_messages",
    ),
    path(
        "conversations/<int:pk>/assign/",
        views.ConversationAssignApi.as_view(),
        name="conversation_assign",
    ),
    path(
        "conversations/<int:pk>/status/",
        views.ConversationStatusApi.as_view(),
        name="conversation_status",
    ),
    path(
        "conversations/<int:pk>/labels/",
        views.ConversationLabelApi.as_view(),
        name="conversation_label",
    ),
    path(
        "conversations/<int:pk>/labels/set/",
        views.ConversationLabelsSetApi.as_view(),
        name="conversation_labels_set",
    ),
    path(
        "conversations/<int:pk>/priority/",
        views.ConversationPriorityApi.as_view(),
        name="conversation_priority",
    ),
    path(
        "conversations/<int:pk>/snooze/",
        views.ConversationSnoozeApi.as_view(),
        name="conversation_snooze",
    ),
    path(
        "conversations/<int:pk>/wake/",
        views.ConversationWakeApi.as_view(),
        name="conversation_wake",
    ),
    path("labels/", views.LabelListApi.as_view(), name="label_list"),
    path("labels/create/", views.LabelCreateApi.as_view(), name="label_create"),
    path("conversations/<int:pk>/notes/", views.NoteListApi.as_view(), name="note_list"),
    path("conversations/<int:pk>/notes/create/", views.NoteCreateApi.as_view(), name="note_create"),
    path(
        "conversations/<int:pk>/replies/create/",
        views.ReplyCreateApi.as_view(),
        name="reply_create",
    ),
    path(
        "conversations/<int:pk>/canned-responses/",
        views.CannedResponseListApi.as_view(),
        name="canned_list",
    ),
    path(
        "conversations/<int:pk>/presence/",
        views.ConversationPresenceApi.as_view(),
        name="conversation_presence",
    ),
    path(
        "conversations/<int:pk>/contact/block/",
        views.ContactBlockApi.as_view(),
        name="contact_block",
    ),
    path(
        "conversations/<int:pk>/contact/unblock/",
        views.ContactUnblockApi.as_view(),
        name="contact_unblock",
    ),
    path(
        "conversations/<int:pk>/contact/",
        contact_views.ContactCardApi.as_view(),
        name="contact_card",
    ),
    path(
        "conversations/<int:pk>/contact/notes/create/",
        contact_views.ContactNoteCreateApi.as_view(),
        name="contact_note_create",
    ),
    path(
        "conversations/<int:pk>/contact/link/",
        contact_views.ContactLinkApi.as_view(),
        name="contact_link",
    ),
    path(
        "conversations/<int:pk>/contact/unlink/",
        contact_views.ContactUnlinkApi.as_view(),
        name="contact_unlink",
    ),
    path(
        "conversations/<int:pk>/contact/mute/",
        contact_views.ContactMuteApi.as_view(),
        name="contact_mute",
    ),
    path(
        "conversations/<int:pk>/contact/unmute/",
        contact_views.ContactUnmuteApi.as_view(),
        name="contact_unmute",
    ),
    path("house-rules/", contact_views.HouseRuleListApi.as_view(), name="house_rule_list"),
    path("shield/exposure/", contact_views.ShieldExposureApi.as_view(), name="shield_exposure"),
    path("messages/<int:mid>/like/", views.MessageLikeApi.as_view(), name="message_like"),
    path("messages/<int:mid>/hide/", contact_views.MessageHideApi.as_view(), name="message_hide"),
    path(
        "messages/<int:mid>/delete/",
        contact_views.MessageDeleteApi.as_view(),
        name="message_delete",
    ),
    path("messages/<int:mid>/approve/", views.MessageApproveApi.as_view(), name="message_approve"),
    path("messages/<int:mid>/reject/", views.MessageRejectApi.as_view(), name="message_reject"),
    path("messages/<int:mid>/reveal/", views.MessageRevealApi.as_view(), name="message_reveal"),
    path("search/", views.SearchApi.as_view(), name="search"),
    path("saved-views/", views.SavedViewListApi.as_view(), name="saved_view_list"),
    path("saved-views/create/", views.SavedViewCreateApi.as_view(), name="saved_view_create"),
    path("saved-views/<int:pk>/", views.SavedViewDetailApi.as_view(), name="saved_view_detail"),
    path(
        "saved-views/<int:pk>/rename/",
        views.SavedViewRenameApi.as_view(),
        name="saved_view_rename",
    ),
    path(
        "saved-views/<int:pk>/delete/",
        views.SavedViewDeleteApi.as_view(),
        name="saved_view_delete",
    ),
    path("notifications/", views.NotificationListApi.as_view(), name="notification_list"),
    path("notifications/read/", views.NotificationReadApi.as_view(), name="notification_read"),
]
