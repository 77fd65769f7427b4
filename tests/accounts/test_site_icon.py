"""The site icon: pages link it, and the /favicon.ico some browsers ask for
anyway leads to it instead of logging a 404 on every page."""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.templatetags.static import static


def test_favicon_ico_redirects_to_the_site_icon(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == static("favicon.svg")
    assert finders.find("favicon.svg"), "the icon is a real static file"


def test_pages_link_the_site_icon(client, db):
    page = client.get("/login/").content.decode()
    assert f'<link rel="icon" href="{static("favicon.svg")}" type="image/svg+xml">' in page
