"""No page shows template source: a multi-line {# #} or a broken tag is
printed to the public as text, and only a test that reads the page sees it."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.inbox.ui_data import citizen, conversation_with

SOURCE = re.compile(r"\{#|#\}|\{%|%\}|\{\{|\}\}")


def _plain_paths(resolver: URLResolver, prefix: str = "") -> list[str]:
    """Every URL in the URLconf that takes no argument (the pages a menu links to)."""
    found = []
    for entry in resolver.url_patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            found += _plain_paths(entry, prefix + route)
        elif isinstance(entry, URLPattern) and "<" not in route and "(?P" not in route:
            found.append("/" + (prefix + route).lstrip("^").rstrip("$").replace("\\Z", ""))
    return sorted(set(found))


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["officer", "manager", "admin_user"])
def test_no_page_shows_template_source_text(request, client, who, channel_a):
    user = request.getfixturevalue(who)
    conversation = conversation_with(channel_a, author=citizen(1, name="Jo Resident"), messages=2)
    client.force_login(user)
    paths = [*_plain_paths(get_resolver()), reverse("inbox:conversation", args=[conversation.pk])]
    looked = 0
    for path in paths:
        if path.startswith(("/admin/", "/webhooks/", "/logout")):
            continue
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        looked += 1
        html = response.content.decode()
        leaked = SOURCE.search(html)
        assert leaked is None, (
            f"{path} shows template source: {html[leaked.start() - 80 : leaked.end() + 80]!r}"
        )
    assert looked >= 8, paths  # the walk reached the real pages
