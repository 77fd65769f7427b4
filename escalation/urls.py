from __future__ import annotations

from django.urls import path

from escalation import views

app_name = "escalation"

urlpatterns = [
    path("", views.index, name="index"),
    path("rules/new/", views.rule_create, name="rule_create"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/active/", views.rule_toggle, name="rule_toggle"),
    path("e/<int:pk>/acknowledge/", views.escalation_acknowledge, name="acknowledge"),
    path("e/<int:pk>/raise/", views.escalation_raise, name="raise"),
    path("crisis/start/", views.crisis_start, name="crisis_start"),
    path("crisis/<int:pk>/", views.crisis_edit, name="crisis_edit"),
    path("crisis/<int:pk>/end/", views.crisis_end, name="crisis_end"),
]
