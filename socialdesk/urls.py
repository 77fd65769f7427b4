from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView

from accounts.sso.views import SignInView
from inbox.api.docs import api_docs

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="inbox:list", permanent=False)),
    # Some browsers ask for /favicon.ico whatever the page's icon link says.
    # Lazy: in production the static name is read from the collected manifest.
    path(
        "favicon.ico",
        RedirectView.as_view(url=lazy(static, str)("favicon.svg"), permanent=True),
    ),
    path("login/", SignInView.as_view(), name="login"),
    path("sso/", include("accounts.sso.urls")),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", include("accounts.urls")),
    path("records/", include("records.urls")),
    path("audit/", include("audit.urls")),
    path("inbox/", include("inbox.urls")),
    path("webhooks/", include("inbox.webhooks.urls")),
    path("channels/", include("channels.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs, name="api-docs"),
    path("api/kpis/", include("kpis.api.urls")),
    path("api/settings/", include("console.api.urls")),
    path("api/", include("inbox.api.urls")),
    path("escalation/", include("escalation.urls")),
    path("kpis/", include("kpis.urls")),
    path("settings/", include("console.urls")),
    path("admin/", admin.site.urls),
    path("", include("ops.urls")),
]
