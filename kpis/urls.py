from __future__ import annotations

from django.urls import path

from kpis import views

app_name = "kpis"

urlpatterns = [
    path("", views.index, name="index"),
    path("overview/", views.dashboard, {"name": "overview"}, name="overview"),
    path("channels/", views.dashboard, {"name": "channels"}, name="channels"),
    path("people/", views.dashboard, {"name": "people"}, name="people"),
    path("engagement/", views.dashboard, {"name": "engagement"}, name="engagement"),
    path("audience/", views.dashboard, {"name": "audience"}, name="audience"),
    path("cover/", views.dashboard, {"name": "cover"}, name="cover"),
    path("channel-shift/", views.dashboard, {"name": "shift"}, name="shift"),
    path("channel-shift/costs/", views.costs_edit, name="costs"),
    path("me/", views.my_figures, name="me"),
    path("export/<slug:name>/<slug:table>.csv", views.export_csv, name="export"),
    path("rebuild/", views.recompute, name="recompute"),
    path("rebuild/<int:pk>/", views.recompute_job, name="job"),
]
