"""What every request reads before its view: the session, the signed-in user
and their roles, and (on Postgres) the connection's health. All of it is
Django's stock plumbing (ModelBackend, cached_db or db sessions,
CONN_HEALTH_CHECKS); these tests hold the behaviour we rely on."""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module

import psycopg
import pytest
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.models import Role, User
from tests.accounts.test_security import PASSWORD, sign_in


def SessionStore(session_key=None):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


def _drop_cached_copy(store) -> None:
    """As after a cache eviction or a Redis restart: the next read goes to the database."""
    if hasattr(store, "cache_key"):
        caches[settings.SESSION_CACHE_ALIAS].delete(store.cache_key)


# --- the user and their roles ----------------------------------------------------------------


@pytest.mark.django_db
def test_roles_are_read_once_per_user_object(officer, team_b):
    officer.memberships.create(team=team_b, role=Role.MANAGER)
    user = User.objects.get(pk=officer.pk)
    with CaptureQueriesContext(connection) as read:
        first = access.role_of(user)
        again = access.role_of(user)
    assert len(read) == 1
    assert first == again == Role.MANAGER  # the highest of officer (team a) and manager (team b)


@pytest.mark.django_db
def test_a_user_without_teams_has_no_role(officer):
    loner = User.objects.create_user("lone", password=PASSWORD)
    assert access.role_of(loner) is None


@pytest.mark.django_db
def test_the_backend_refuses_inactive_users(officer):
    assert ModelBackend().get_user(officer.pk) == officer
    officer.is_active = False
    officer.save()
    assert ModelBackend().get_user(officer.pk) is None


@pytest.mark.django_db
def test_a_request_reads_session_user_and_roles_in_a_fixed_number_of_queries(client, officer):
    sign_in(client, "olivia")
    client.get(reverse("security"))
    with CaptureQueriesContext(connection) as reads:
        assert client.get(reverse("security")).status_code == 200
    sqls = [q["sql"] for q in reads]
    # Session (from the database on SQLite, from the cache where Redis is), user, roles: once each.
    assert sum('FROM "django_session"' in q for q in sqls) <= 1, sqls
    assert sum('FROM "accounts_user"' in q for q in sqls) == 1, sqls
    assert sum('FROM "accounts_membership"' in q for q in sqls) == 1, sqls


@pytest.mark.django_db
def test_a_role_change_shows_on_the_next_request(client, officer, team_b):
    sign_in(client, "olivia")
    assert client.get(reverse("audit:log")).status_code == 403
    officer.memberships.update(role=Role.MANAGER)
    assert client.get(reverse("audit:log")).status_code == 200


@pytest.mark.django_db
def test_changing_the_password_signs_out_other_sessions(client, officer):
    sign_in(client, "olivia")
    other = Client()
    sign_in(other, "olivia")
    officer.set_password("a brand new long passphrase")
    officer.save()
    assert other.get(reverse("inbox:list"))["Location"].startswith(reverse("login"))


# --- the session -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_session_reads_what_the_store_wrote():
    store = SessionStore()
    store["greeting"] = "<b>hello</b>"
    store.save()
    loaded = SessionStore(store.session_key)
    assert loaded["greeting"] == "<b>hello</b>"


@pytest.mark.django_db
def test_an_expired_or_unknown_session_is_empty_and_its_key_is_not_reused():
    store = SessionStore()
    store["x"] = 1
    store.save()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    _drop_cached_copy(store)
    for key in (store.session_key, "unknownkey12345678"):
        loaded = SessionStore(key)
        assert loaded.load() == {}
        assert loaded.session_key is None


@pytest.mark.django_db
def test_a_tampered_session_is_empty(officer):
    store = SessionStore()
    store["_auth_user_id"] = str(officer.pk)
    store.save()
    Session.objects.filter(session_key=store.session_key).update(session_data="forged:data")
    _drop_cached_copy(store)
    assert SessionStore(store.session_key).load() == {}


@pytest.mark.django_db
def test_an_ended_session_is_refused_even_if_a_cache_held_it(client, officer):
    from accounts.models import UserSession
    from accounts.services.sessions import session_end

    sign_in(client, "olivia")
    assert client.get(reverse("security")).status_code == 200  # read once: now cached
    session = UserSession.objects.get(session_key=client.session.session_key)
    session_end(session=session, actor=officer, reason="test")
    assert client.get(reverse("security"))["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_pages_still_work_when_the_cache_is_down(client, officer, settings):
    """A Redis outage costs the session cache, not the site: reads fall back to the database."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # discard port: nothing listens
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2},
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    sign_in(client, "olivia")
    assert client.get(reverse("security")).status_code == 200


# --- the connection's health check (Postgres) -----------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_ended_is_replaced_at_the_next_request():
    if connection.vendor != "postgresql":
        pytest.skip("needs Postgres (DATABASE_URL=postgres://...)")
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    # The server ends this connection's backend, as a failover or an admin would.
    params = connection.get_connection_params()
    own = {k: v for k, v in params.items() if k not in ("cursor_factory", "prepare_threshold")}
    killer = psycopg.connect(**own, autocommit=True)
    try:
        with killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        killer.close()
    # What Django does at the start of a request with CONN_HEALTH_CHECKS.
    connection.health_check_done = False
    connection.close_if_health_check_failed()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid
