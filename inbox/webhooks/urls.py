from __future__ import annotations

from django.urls import path

from inbox.webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("x/", views.x_webhook, name="x"),
    path("facebook/", views.facebook_webhook, name="facebook"),
]
