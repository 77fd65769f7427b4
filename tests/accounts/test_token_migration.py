"""Keys made with DRF's authtoken app, before personal tokens, are carried
over without being taken as made from a verified session."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from rest_framework.test import APIClient

from accounts.models import ApiToken

migration = importlib.import_module("accounts.migrations.0005_api_tokens_from_drf_authtoken")

# The migration only asks its schema editor for the connection; a real one
# cannot open inside the test's transaction on SQLite.
EDITOR = SimpleNamespace(connection=connection)
OLD_KEYS = {"officer": "a" * 40, "manager": "b" * 40}


@pytest.fixture
def old_tokens(officer, manager):
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, user_id bigint NOT NULL,"
            " created timestamp with time zone NOT NULL)"
        )
        for user, key in ((officer, OLD_KEYS["officer"]), (manager, OLD_KEYS["manager"])):
            cursor.execute(
                "INSERT INTO authtoken_token (key, user_id, created) VALUES (%s, %s, %s)",
                [key, user.pk, "2025-01-02 03:04:05+00:00"],
            )
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE authtoken_token")


def status_with(key: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/conversations/").status_code


@pytest.mark.django_db
@pytest.mark.mfa
def test_old_keys_are_carried_over_unverified_and_their_plain_text_removed(old_tokens, manager):
    migration.copy_old_tokens(apps, EDITOR)
    migrated = ApiToken.objects.order_by("user__username")
    assert [t.created_with_verified_mfa for t in migrated] == [False, False]
    assert {t.created_at.year for t in migrated} == {2025}
    assert OLD_KEYS["officer"] not in {t.key_hash for t in migrated}
    assert status_with(OLD_KEYS["officer"]) == 200
    assert status_with(OLD_KEYS["manager"]) == 403  # a manager's key never passed MFA
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM authtoken_token")
        assert cursor.fetchone() == (0,)


@pytest.mark.django_db
def test_a_database_that_never_had_authtoken_is_left_alone():
    migration.copy_old_tokens(apps, EDITOR)
    assert not ApiToken.objects.exists()
