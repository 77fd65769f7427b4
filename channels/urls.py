from __future__ import annotations

from django.urls import path

from channels.views import backfill as views_backfill
from channels.views import connect as views
from channels.views import mastodon as views_mastodon
from channels.views import profile as views_profile

app_name = "channels"

urlpatterns = [
    path("", views.channel_list, name="list"),
    path("connect/x/", views.channel_connect_x, name="connect_x"),
    path("connect/x/login/", views.x_login, name="x_login"),
    path("connect/x/callback/", views.x_callback, name="x_callback"),
    path("connect/x/choose/", views.x_choose, name="x_choose"),
    path("connect/facebook/", views.channel_connect_facebook, name="connect_facebook"),
    path("connect/bluesky/", views.channel_connect_bluesky, name="connect_bluesky"),
    path("connect/facebook/login/", views.facebook_login, name="facebook_login"),
    path("connect/facebook/callback/", views.facebook_callback, name="facebook_callback"),
    path("connect/facebook/choose/", views.facebook_choose, name="facebook_choose"),
    path("connect/mastodon/", views_mastodon.mastodon_connect, name="connect_mastodon"),
    path("connect/mastodon/callback/", views_mastodon.mastodon_callback, name="mastodon_callback"),
    path("connect/mastodon/choose/", views_mastodon.mastodon_choose, name="mastodon_choose"),
    path(
        "<int:pk>/reconnect/mastodon/",
        views_mastodon.mastodon_reconnect_login,
        name="mastodon_reconnect_login",
    ),
    path("<int:pk>/reconnect/", views.channel_reconnect, name="reconnect"),
    path("<int:pk>/backfill/", views_backfill.channel_backfill, name="backfill"),
    path("<int:pk>/profile-check/", views_profile.channel_profile_check, name="profile_check"),
    path("<int:pk>/reconnect/x/", views.x_reconnect_login, name="x_reconnect_login"),
]
