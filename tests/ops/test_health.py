from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path

import pytest
from celery.beat import PersistentScheduler
from django.urls import reverse
from django.utils import timezone

from ops.beat import HeartbeatScheduler
from ops.heartbeat import BEAT, WORKER, heartbeat_record
from ops.models import Heartbeat
from ops.tasks import worker_heartbeat
from socialdesk.celery import app
from tests.factories import ChannelFactory

PYPROJECT_VERSION = tomllib.loads(
    (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
)["project"]["version"]


@pytest.fixture
def beating(db):
    heartbeat_record(name=WORKER, detail="worker-host-1")
    heartbeat_record(name=BEAT)


def test_live_answers_without_the_database_and_names_the_version(client):
    # No db fixture: any query would raise.
    response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": PYPROJECT_VERSION}


def test_the_version_is_the_same_in_pyproject_footer_and_live(client, officer):
    client.force_login(officer)
    page = client.get(reverse("inbox:list")).content.decode()
    assert f"<span data-version>{PYPROJECT_VERSION}</span>" in page
    assert client.get("/health/live").json()["version"] == PYPROJECT_VERSION


def test_ready_is_ok_when_everything_answers(client, beating, channel_a):
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {
            "database": "ok",
            "cache": "ok",
            "broker": "ok",
            "worker": "ok",
            "beat": "ok",
            "channels": "ok",
        },
    }


def test_ready_fails_without_heartbeats_and_tells_no_reason(client, db):
    response = client.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "failing"
    assert body["checks"]["worker"] == "failing"
    assert body["checks"]["beat"] == "failing"
    # ok/failing per name and nothing else: no reasons, hosts, counts or times.
    assert set(body) == {"status", "checks"}
    assert set(body["checks"].values()) <= {"ok", "failing"}
    assert "heartbeat" not in response.content.decode()


def test_a_stale_worker_heartbeat_fails_ready(client, beating, settings):
    Heartbeat.objects.filter(name=WORKER).update(
        seen_at=timezone.now() - timedelta(seconds=settings.HEALTH_HEARTBEAT_MAX_AGE + 5)
    )
    body = client.get("/health/ready").json()
    assert body["checks"]["worker"] == "failing"
    assert body["checks"]["beat"] == "ok"


def test_channels_fail_only_when_every_active_channel_fails(client, beating, settings):
    broken = ChannelFactory(poll_failures=settings.HEALTH_CHANNEL_FAILURES)
    ChannelFactory(needs_attention=True)
    ChannelFactory(is_active=False)  # paused: not counted
    assert client.get("/health/ready").json()["checks"]["channels"] == "failing"
    healthy = ChannelFactory()
    assert client.get("/health/ready").json()["checks"]["channels"] == "ok"
    healthy.poll_failures = settings.HEALTH_CHANNEL_FAILURES - 1
    healthy.save()
    assert client.get("/health/ready").json()["checks"]["channels"] == "ok"
    assert broken.is_active


def test_an_unreachable_broker_fails_ready(client, beating, monkeypatch):
    # A real connection attempt to a port where nothing listens.
    real = app.connection_for_write
    monkeypatch.setattr(app, "connection_for_write", lambda: real("redis://127.0.0.1:1/0"))
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "failing"
    assert response.json()["checks"]["database"] == "ok"


def test_an_unreachable_cache_fails_ready(client, beating, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2},
        }
    }
    response = client.get("/health/ready")
    assert response.json()["checks"]["cache"] == "failing"


def test_the_worker_heartbeat_task_writes_its_heartbeat(db):
    worker_heartbeat()
    beat = Heartbeat.objects.get(name=WORKER)
    assert timezone.now() - beat.seen_at < timedelta(seconds=5)
    assert beat.detail


def test_beat_writes_its_heartbeat_on_tick(transactional_db, monkeypatch, tmp_path):
    # transactional_db: beat closes stale connections before writing, as it
    # must in its own long-lived process.
    monkeypatch.setattr(PersistentScheduler, "tick", lambda self, *a, **k: 1.0)
    scheduler = HeartbeatScheduler(app=app, schedule_filename=str(tmp_path / "s"), lazy=True)
    assert scheduler.tick() == 1.0
    first = Heartbeat.objects.get(name=BEAT).seen_at
    scheduler.tick()  # within 10 s: no second write
    assert Heartbeat.objects.get(name=BEAT).seen_at == first


def test_admins_see_the_reasons_on_the_health_page(client, admin_user, db):
    client.force_login(admin_user)
    response = client.get(reverse("ops:health"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "no worker heartbeat yet" in page
    assert "Service health" in page


@pytest.mark.parametrize("who", ["officer", "manager", "other_officer"])
def test_others_are_refused_the_health_page(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("ops:health")).status_code == 403


def test_the_health_page_asks_strangers_to_sign_in(client, db):
    response = client.get(reverse("ops:health"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_health_command_checks_one_process_for_its_container(db, capsys):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="not ready"):
        call_command("health", check=["worker"])
    assert "worker: failing: unavailable: no worker heartbeat yet" in capsys.readouterr().out
    heartbeat_record(name=WORKER)
    call_command("health", check=["worker"])
    assert capsys.readouterr().out.strip() == "worker: ok"
    with pytest.raises(CommandError):
        call_command("health", check=["no-such-check"])


def test_the_footer_links_the_source_when_configured(client, officer, settings):
    settings.SOCIALDESK_SOURCE_URL = "https://git.example.gov.uk/socialdesk"
    client.force_login(officer)
    page = client.get(reverse("inbox:list")).content.decode()
    assert 'href="https://git.example.gov.uk/socialdesk">Source code</a>' in page
