from __future__ import annotations

from django.urls import path

from inbox import views

app_name = "inbox"

urlpatterns = [
    path("", views.inbox_list, name="list"),
    path("c/<int:pk>/", views.conversation_detail, name="conversation"),
    path("c/<int:pk>/assign-me/", views.conversation_assign_me, name="assign_me"),
    path("c/<int:pk>/status/", views.conversation_status, name="status"),
    path("c/<int:pk>/note/", views.conversation_note, name="note"),
]
