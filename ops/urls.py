from __future__ import annotations

from django.urls import path

from ops import views

app_name = "ops"
urlpatterns = [
    path("health/live", views.live, name="live"),
    path("health/ready", views.ready, name="ready"),
    path("health/", views.health_page, name="health"),
    path("metrics", views.metrics, name="metrics"),
]
