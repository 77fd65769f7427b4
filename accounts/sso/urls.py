from __future__ import annotations

from django.urls import path

from accounts.sso import views

urlpatterns = [
    path("start/", views.SsoStartView.as_view(), name="sso_start"),
    path("callback/", views.SsoCallbackView.as_view(), name="sso_callback"),
]
