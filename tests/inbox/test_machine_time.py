"""``|machine_time`` writes what ``|date:'c'`` writes, in the list's rows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.template import engines


@pytest.mark.parametrize(
    "at",
    [
        datetime(2026, 12, 7, 20, 25, 3, 123456, tzinfo=UTC),  # GMT
        datetime(2026, 7, 1, 9, 0, tzinfo=UTC),  # BST: an hour ahead
    ],
)
def test_machine_time_is_django_s_iso_format_in_the_local_zone(at):
    template = engines["django"].from_string(
        "{% load inbox_ui %}{{ at|machine_time }}|{{ at|date:'c' }}"
    )
    ours, django = template.render({"at": at}).split("|")
    assert ours == django
    assert ours.endswith("+00:00" if at.month == 12 else "+01:00")


def test_machine_time_writes_nothing_for_a_missing_time():
    template = engines["django"].from_string("{% load inbox_ui %}[{{ at|machine_time }}]")
    assert template.render({"at": None}) == "[]"
