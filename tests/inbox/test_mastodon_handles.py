"""Mastodon handles are stored bare, as on every network, and the data
migration strips the "@" that earlier releases stored."""

from __future__ import annotations

import importlib

from django.apps import apps

from inbox.models import Contact

strip_at = importlib.import_module("inbox.migrations.0027_mastodon_bare_handles").strip_at


def test_the_migration_strips_the_leading_at_of_mastodon_handles_only(db):
    Contact.objects.create(network="mastodon", external_id="1@m.example", handle="@jo@mas.to")
    Contact.objects.create(network="mastodon", external_id="2@m.example", handle="sam@mas.to")
    Contact.objects.create(network="x", external_id="3", handle="@odd_but_not_ours")

    strip_at(apps, None)

    handles = dict(Contact.objects.values_list("external_id", "handle"))
    assert handles == {
        "1@m.example": "jo@mas.to",
        "2@m.example": "sam@mas.to",
        "3": "@odd_but_not_ours",
    }
