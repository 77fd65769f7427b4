from __future__ import annotations

import hmac
from datetime import timedelta

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from escalation.models import Escalation
from events.models import Event
from inbox.models import DeliveryState, Direction, Network, WebhookDelivery
from ops import metrics_access
from tests.factories import ChannelFactory, ConversationFactory, MessageFactory

TOKEN = "metrics-token-0123456789abcdef"


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def _samples(response) -> dict[tuple[str, tuple], float]:
    out = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def _scrape(client):
    return client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")


def test_no_token_is_refused(client, token, db):
    response = client.get("/metrics")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"socialdesk_" not in response.content


@pytest.mark.parametrize(
    "header",
    [
        "Bearer wrong-token",
        f"Bearer {TOKEN[:-1]}",
        f"Bearer {TOKEN}x",
        f"Basic {TOKEN}",
        f"Token {TOKEN}",
        "Bearer ",
        TOKEN,
    ],
)
def test_a_wrong_token_is_refused(client, token, db, header):
    response = client.get("/metrics", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert b"socialdesk_" not in response.content


def test_the_token_is_compared_in_constant_time(client, token, db, monkeypatch):
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(metrics_access.hmac, "compare_digest", spy)
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer guess").status_code == 401
    assert _scrape(client).status_code == 200
    assert calls == [(b"guess", TOKEN.encode()), (TOKEN.encode(), TOKEN.encode())]


def test_production_refuses_everyone_when_no_token_is_set(client, settings, db):
    settings.PRODUCTION = True
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer anything").status_code == 401


def test_a_signed_in_admin_without_the_token_is_refused(client, token, admin_user):
    client.force_login(admin_user)
    assert client.get("/metrics").status_code == 401


def test_outside_production_an_unset_token_leaves_metrics_open(client, settings, db):
    settings.PRODUCTION = False
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 200


@pytest.fixture
def world(db):
    now = timezone.now()
    x = ChannelFactory(network=Network.X, last_polled_at=now - timedelta(seconds=90))
    fb = ChannelFactory(network=Network.FACEBOOK, last_polled_at=now - timedelta(seconds=5))
    for channel, lag in ((x, 4), (x, 2), (fb, 10)):
        message = MessageFactory(
            conversation=ConversationFactory(channel=channel), sent_at=now - timedelta(seconds=lag)
        )
        Event.objects.create(
            type="message.received", at=now, channel=channel, message=message, data={}
        )
    conv = ConversationFactory(channel=x)
    MessageFactory(
        conversation=conv, direction=Direction.OUT, state=DeliveryState.QUEUED, external_id=None
    )
    MessageFactory(
        conversation=conv,
        direction=Direction.OUT,
        state=DeliveryState.SENDING,
        external_id=None,
        send_lease_until=now - timedelta(seconds=30),
    )
    WebhookDelivery.objects.create(
        network=Network.X, body=b"{}", dedupe_hash="a" * 64, received_at=now - timedelta(minutes=3)
    )
    WebhookDelivery.objects.create(
        network=Network.X, body=b"{}", dedupe_hash="b" * 64, received_at=now, processed_at=now
    )
    return x, fb


def test_gauges_describe_the_backlog(client, token, world):
    x, _fb = world
    samples = _samples(_scrape(client))
    assert samples[("socialdesk_ingested_items", (("network", "x"),))] == 2
    assert samples[("socialdesk_ingested_items", (("network", "facebook"),))] == 1
    assert samples[("socialdesk_ingest_latency_max_seconds", (("network", "x"),))] == pytest.approx(
        4, abs=1
    )
    assert samples[("socialdesk_ingest_latency_avg_seconds", (("network", "x"),))] == pytest.approx(
        3, abs=1
    )
    assert samples[
        ("socialdesk_poll_lag_seconds", (("channel", str(x.pk)), ("network", "x")))
    ] == pytest.approx(90, abs=5)
    assert samples[("socialdesk_webhook_deliveries_pending", ())] == 1
    assert samples[("socialdesk_webhook_oldest_pending_seconds", ())] == pytest.approx(180, abs=5)
    assert samples[("socialdesk_outbound_messages", (("state", "queued"),))] == 1
    assert samples[("socialdesk_outbound_messages", (("state", "sending"),))] == 1
    assert samples[("socialdesk_outbound_messages", (("state", "stuck"),))] == 1
    assert samples[("socialdesk_escalations_open", ())] == Escalation.objects.count() == 0
    assert ("socialdesk_celery_queue_depth", (("queue", "celery"),)) in samples


def test_request_latency_by_view_is_exported(client, token, db):
    client.get("/health/live")
    text = _scrape(client).content.decode()
    assert (
        'django_http_requests_latency_seconds_by_view_method_count{method="GET",view="ops:live"}'
        in text
    )


def test_a_scrape_runs_a_fixed_number_of_queries(client, token, world, django_assert_num_queries):
    with django_assert_num_queries(5):
        _scrape(client)
    for _ in range(5):  # more channels, messages and deliveries: the same count
        ChannelFactory()
        MessageFactory(direction=Direction.OUT, state=DeliveryState.QUEUED, external_id=None)
    with django_assert_num_queries(5):
        _scrape(client)


def test_several_gunicorn_workers_are_merged_from_the_multiprocess_folder(
    client, token, db, monkeypatch, tmp_path
):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    response = _scrape(client)
    assert response.status_code == 200
    assert "socialdesk_outbound_messages" in response.content.decode()


def test_the_grafana_dashboard_reads_only_metrics_we_export(client, token, world):
    import json
    import re
    from pathlib import Path

    client.get("/health/live")  # so the request metrics have a sample
    exported = _scrape(client).content.decode()
    dashboard = json.loads(
        (Path(__file__).resolve().parents[2] / "deploy" / "grafana-dashboard.json").read_text()
    )
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    names = {n for e in exprs for n in re.findall(r"\b(?:socialdesk|django)_[a-z_]+", e)}
    assert names
    for name in names:
        assert re.search(rf"^{name}[{{ ]", exported, re.M), f"{name} is not exported"


def test_django_prometheus_leaves_the_database_and_cache_backends_stock(settings):
    assert "django_prometheus" not in settings.DATABASES["default"]["ENGINE"]
    assert all("django_prometheus" not in c["BACKEND"] for c in settings.CACHES.values())
    assert settings.MIDDLEWARE[0] == "django_prometheus.middleware.PrometheusBeforeMiddleware"
    assert settings.MIDDLEWARE[-1] == "django_prometheus.middleware.PrometheusAfterMiddleware"


def test_scrapes_and_checks_over_plain_http_are_not_redirected(client, token, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/health/live").status_code == 200
    assert _scrape(client).status_code == 200
    assert client.get("/login/").status_code == 301  # everything else still goes to HTTPS
