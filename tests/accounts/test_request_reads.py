"""What every request reads before its view: the session, the signed-in user
with their roles, and (on Postgres) the connection's health. Each is a plain
statement or no statement at all; these tests hold them to Django's rules."""

from __future__ import annotations

import time
from datetime import timedelta

import psycopg2
import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.backends import UserBackend, user_with_roles
from accounts.models import Role, User
from accounts.session_store import SessionStore
from tests.accounts.test_security import PASSWORD, sign_in

# --- the user and their roles ----------------------------------------------------------------


@pytest.mark.django_db
def test_the_user_read_with_roles_equals_the_orm_user_field_by_field(officer, team_b):
    officer.memberships.create(team=team_b, role=Role.MANAGER)
    officer.last_login = timezone.now()
    officer.save()
    with CaptureQueriesContext(connection) as read:
        user = user_with_roles(officer.pk)
        role = access.role_of(user)
    assert len(read) == 1  # the roles came with the user
    assert role == Role.MANAGER  # the highest of officer (team a) and manager (team b)
    orm = User.objects.get(pk=officer.pk)
    for field in User._meta.concrete_fields:
        assert getattr(user, field.attname) == getattr(orm, field.attname), field.name
    assert user.last_login.tzinfo is not None
    assert user._state.adding is False and user._state.db == "default"
    assert user.get_session_auth_hash() == orm.get_session_auth_hash()


@pytest.mark.django_db
def test_a_user_without_teams_has_no_role_and_unknown_ids_have_no_user(officer):
    loner = User.objects.create_user("lone", password=PASSWORD)
    assert access.role_of(user_with_roles(loner.pk)) is None
    for bad in (10**9, "nope", None, "1 OR 1=1"):
        assert user_with_roles(bad) is None


@pytest.mark.django_db
def test_the_backend_refuses_inactive_users(officer):
    assert UserBackend().get_user(officer.pk) == officer
    officer.is_active = False
    officer.save()
    assert UserBackend().get_user(officer.pk) is None


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
def test_the_session_reads_what_djangos_store_wrote():
    store = SessionStore()
    store["greeting"] = "<b>hello</b>"
    store.save()
    with CaptureQueriesContext(connection) as read:
        loaded = SessionStore(store.session_key)
        assert loaded["greeting"] == "<b>hello</b>"
    assert len(read) == 1


@pytest.mark.django_db
def test_an_expired_or_unknown_session_is_empty_and_its_key_is_not_reused():
    store = SessionStore()
    store["x"] = 1
    store.save()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
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
    assert SessionStore(store.session_key).load() == {}


# --- the connection's health check (Postgres) -----------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_healthy_connection_is_reused_without_asking_and_a_dead_one_is_replaced(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs Postgres (DATABASE_URL=postgres://...)")
    from django.db.backends.postgresql.base import DatabaseWrapper as DjangoPostgres

    connection.ensure_connection()
    with monkeypatch.context() as patched:
        # Django's own check (a SELECT 1) must not be needed for a healthy connection.
        patched.setattr(DjangoPostgres, "is_usable", lambda self: pytest.fail("asked the server"))
        assert connection.is_usable()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    # The server ends this connection's backend, as a restart or an admin would.
    params = connection.get_connection_params()
    killer = psycopg2.connect(**{k: v for k, v in params.items() if k != "cursor_factory"})
    try:
        killer.autocommit = True
        with killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        killer.close()
    for _ in range(50):  # the goodbye reaches the socket within milliseconds
        if not connection.is_usable():
            break
        time.sleep(0.01)
    assert not connection.is_usable()
    # What Django does at the start of a request with CONN_HEALTH_CHECKS.
    connection.health_check_done = False
    connection.close_if_health_check_failed()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid
