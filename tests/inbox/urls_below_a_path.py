"""The site's URLs below a path, for tests/inbox/test_url_cache.py."""

from django.urls import include, path

urlpatterns = [path("council/", include("socialdesk.urls"))]
