from __future__ import annotations

from django.urls import path

from kpis.api import views

app_name = "kpis-api"

urlpatterns = [
    path("overview/", views.KpiOverviewApi.as_view(), name="overview"),
    path("channels/", views.KpiChannelsApi.as_view(), name="channels"),
    path("people/", views.KpiPeopleApi.as_view(), name="people"),
    path("engagement/", views.KpiEngagementApi.as_view(), name="engagement"),
    path("audience/", views.KpiAudienceApi.as_view(), name="audience"),
    path("cover/", views.KpiCoverApi.as_view(), name="cover"),
    path("channel-shift/", views.KpiChannelShiftApi.as_view(), name="shift"),
    path("me/", views.KpiMyFiguresApi.as_view(), name="me"),
]
