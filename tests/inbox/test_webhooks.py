"""Webhooks from X and Facebook: verification handshakes, signatures, durable
storage, processing through ingest, duplicates, and a worker that was down."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from events.models import Event
from inbox import selectors, tasks
from inbox.models import Conversation, Message, QuarantinedPayload, WebhookDelivery
from inbox.services import polling
from inbox.webhooks.services import webhook_deliveries_process
from tests.inbox.facebook_support import (
    JO,
    PAGE_ID,
    fb_channel_fixture,  # noqa: F401 (fixture)
    fb_inject,
    messenger_delivery,
)
from tests.support.worker import purge_broker, wait_for

X_URL = "/webhooks/x/"
FB_URL = "/webhooks/facebook/"
X_SECRET = "sandbox-consumer-secret"
FB_SECRET = "sandbox-app-secret"
# The reference vectors (shared/reference/network-apis.md §1.3 and §2.5).
X_CRC = ("challenge123", "sha256=zjC4u6nAeuAgPWDgQGRHByjr/91QsyTLFvHN/s6Cl5Y=")
X_BODY = b'{"for_user_id":"999","tweet_create_events":[]}'
X_BODY_SIGNATURE = "sha256=ojR23tpzPBWNy5k93dxWQqtRvkrC0Zfr2CSSwzXQLW8="
FB_BODY = b'{"object":"page","entry":[]}'
FB_BODY_SIGNATURE = "sha256=8d55f6f9eab7c06d94b3142a053d586100c7fba65ad79bc0241c7bd9147a18d6"


@pytest.fixture(autouse=True)
def _secrets(settings):
    settings.X_CONSUMER_SECRET = X_SECRET
    settings.FACEBOOK_APP_SECRET = FB_SECRET
    settings.FACEBOOK_VERIFY_TOKEN = "sandbox-verify-token"


@pytest.fixture
def no_queue(monkeypatch):
    """Deliveries are processed by calling the service here; nothing on the broker."""
    monkeypatch.setattr("inbox.webhooks.views._enqueue_processing", lambda: None)


def post_x(client, body: bytes, signature: str | None):
    extra = {"HTTP_X_TWITTER_WEBHOOKS_SIGNATURE": signature} if signature else {}
    return client.post(X_URL, data=body, content_type="application/json", **extra)


def post_fb(client, body: bytes, signature: str | None):
    extra = {"HTTP_X_HUB_SIGNATURE_256": signature} if signature else {}
    return client.post(FB_URL, data=body, content_type="application/json", **extra)


def inbox_texts(user) -> list[str]:
    return list(
        selectors.conversation_list(user=user).values_list("last_message_preview", flat=True)
    )


# --- handshakes and signatures ------------------------------------------------------------


@pytest.mark.django_db
def test_x_crc_is_answered_with_the_reference_vector(client):
    response = client.get(X_URL, {"crc_token": X_CRC[0]})
    assert response.status_code == 200
    assert response.json() == {"response_token": X_CRC[1]}


@pytest.mark.django_db
def test_x_crc_without_a_token_is_a_bad_request(client):
    assert client.get(X_URL).status_code == 400


@pytest.mark.django_db
def test_meta_verification_echoes_the_challenge_only_for_our_token(client):
    ok = client.get(
        FB_URL,
        {
            "hub.mode": "subscribe",
            "hub.verify_token": "sandbox-verify-token",
            "hub.challenge": "1158201444",
        },
    )
    assert (ok.status_code, ok.content) == (200, b"1158201444")
    wrong = client.get(
        FB_URL, {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"}
    )
    assert wrong.status_code == 403 and b"1" not in wrong.content


@pytest.mark.django_db
def test_the_reference_signatures_are_accepted_and_stored(client, no_queue):
    assert post_x(client, X_BODY, X_BODY_SIGNATURE).status_code == 200
    assert post_fb(client, FB_BODY, FB_BODY_SIGNATURE).status_code == 200
    stored = {d.network: bytes(d.body) for d in WebhookDelivery.objects.all()}
    assert stored == {"x": X_BODY, "facebook": FB_BODY}
    assert all(d.signature_ok and d.processed_at is None for d in WebhookDelivery.objects.all())


@pytest.mark.django_db
@pytest.mark.parametrize("network", ["x", "facebook"])
@pytest.mark.parametrize(
    "case", ["missing", "wrong secret", "tampered body", "other scheme", "garbage"]
)
def test_a_bad_or_missing_signature_is_refused_and_stores_nothing(client, network, case):
    body, good, post = (
        (X_BODY, X_BODY_SIGNATURE, post_x)
        if network == "x"
        else (FB_BODY, FB_BODY_SIGNATURE, post_fb)
    )
    signature = {
        "missing": None,
        "wrong secret": FB_BODY_SIGNATURE if network == "x" else X_BODY_SIGNATURE,
        "tampered body": good,
        "other scheme": good.replace("sha256=", "sha1="),
        "garbage": "sha256=\u00e9\u00e9",
    }[case]
    sent = body.replace(b"[]", b"[{}]") if case == "tampered body" else body
    assert post(client, sent, signature).status_code == 403
    assert WebhookDelivery.objects.count() == 0


@pytest.mark.django_db
def test_without_a_configured_secret_every_delivery_is_refused(client, settings):
    settings.X_CONSUMER_SECRET = ""
    settings.FACEBOOK_APP_SECRET = ""
    assert post_x(client, X_BODY, X_BODY_SIGNATURE).status_code == 403
    assert post_fb(client, FB_BODY, FB_BODY_SIGNATURE).status_code == 403
    assert client.get(X_URL, {"crc_token": "x"}).status_code == 403
    assert WebhookDelivery.objects.count() == 0


def test_the_sandbox_checks_pass_against_the_live_app(live_server, sandbox, transactional_db):
    crc = sandbox.post(
        "/_sandbox/webhooks/crc", {"url": live_server.url + X_URL, "consumer_secret": X_SECRET}
    )
    assert crc["valid"] is True, crc
    verify = sandbox.post(
        "/_sandbox/webhooks/verify",
        {"url": live_server.url + FB_URL, "verify_token": "sandbox-verify-token"},
    )
    assert verify["valid"] is True, verify
    bad = sandbox.post(
        "/_sandbox/webhooks/verify", {"url": live_server.url + FB_URL, "verify_token": "not-ours"}
    )
    assert bad["valid"] is False and bad["status"] == 403


# --- deliveries reach the inbox -------------------------------------------------------------


def fire_fb(sandbox, url, **spec) -> list[dict]:
    items = fb_inject(sandbox, fire_webhook=True, webhook_url=url, app_secret=FB_SECRET, **spec)
    assert all(item["webhook"][0]["status"] == 200 for item in items), items
    return items


def fire_x(sandbox, url, **spec) -> list[dict]:
    items = sandbox.post(
        "/_sandbox/x/inject",
        {
            "account_id": "999",
            "fire_webhook": True,
            "webhook_url": url,
            "consumer_secret": X_SECRET,
            **spec,
        },
    )["items"]
    assert all(item["webhook"][0]["status"] == 200 for item in items), items
    return items


@pytest.fixture
def app_url(live_server, no_queue):
    return live_server.url


def test_signed_facebook_deliveries_appear_in_the_inbox(
    app_url, sandbox, fb_channel, officer, other_officer
):
    [comment] = fire_fb(
        sandbox, app_url + FB_URL, kind="comment", author=JO, text="Is Main St shut?"
    )
    fire_fb(sandbox, app_url + FB_URL, kind="message", author=JO, text="Can I still park?")
    assert (
        WebhookDelivery.objects.count() == 2 and not Message.objects.exists()
    )  # stored, not yet processed

    result = webhook_deliveries_process()
    assert (result.claimed, result.stored) == (2, 2)
    assert set(inbox_texts(officer)) == {"Is Main St shut?", "Can I still park?"}
    assert inbox_texts(other_officer) == []
    public = Conversation.objects.get(kind="comment")
    assert public.thread_key == f"fbc:{comment['post_id']}:{JO['id']}"
    private = Conversation.objects.get(kind="private")
    assert private.thread_key == f"fbm:{JO['id']}" and private.reply_window_closes_at is not None
    assert set(WebhookDelivery.objects.values_list("channel_id", flat=True)) == {fb_channel.pk}
    assert Event.objects.filter(type="message.received").count() == 2


def test_signed_x_deliveries_appear_in_the_inbox_threaded_like_polling(
    app_url, sandbox, x_channel, officer
):
    jo = {"id": "111", "username": "jo_res", "name": "Jo Resident"}
    [mention] = fire_x(
        sandbox, app_url + X_URL, kind="mention", author=jo, text="@council_help bins?"
    )
    fire_x(
        sandbox,
        app_url + X_URL,
        kind="reply",
        author=jo,
        in_reply_to_tweet_id=mention["id"],
        text="@council_help hello?",
    )
    fire_x(sandbox, app_url + X_URL, kind="dm", author=jo, text="My address is 4 Elm Rd")
    webhook_deliveries_process()

    public = Conversation.objects.get(kind="public")
    assert public.thread_key == f"tw:{mention['id']}:111" and public.messages.count() == 2
    assert Conversation.objects.get(kind="private").thread_key == "dm:111-999"
    # Polling the same items afterwards changes nothing.
    assert polling.channel_poll(channel_id=x_channel.pk).stored == 0
    assert Message.objects.count() == 3
    assert "@council_help hello?" in inbox_texts(officer)


def test_x_deliveries_keep_their_pictures_as_polling_would(app_url, sandbox, x_channel):
    """Account Activity speaks v1.1 (extended_entities.media, a DM's
    attachment.media). A tweet stored from a webhook without its pictures
    would never get them: polling skips the id as already stored."""
    jo = {"id": "111", "username": "jo_res", "name": "Jo Resident"}
    photo = {"type": "photo", "alt_text": "Bins on Elm Rd", "width": 1200, "height": 900}
    [mention] = fire_x(
        sandbox,
        app_url + X_URL,
        kind="mention",
        author=jo,
        text="@council_help look",
        media=[photo, {"type": "video", "width": 1280, "height": 720}],
    )
    [dm] = fire_x(sandbox, app_url + X_URL, kind="dm", author=jo, text="here", media=[photo])
    webhook_deliveries_process()

    tweet = Message.objects.get(external_id=mention["id"])
    keys = [m["media_key"] for m in mention["media"]]
    assert list(
        tweet.media.order_by("position").values_list("kind", "alt_text", "key", "width")
    ) == [("image", "Bins on Elm Rd", keys[0], 1200), ("video", "", keys[1], 1280)]
    assert all(m.url.startswith("https://pbs.twimg.com/") for m in tweet.media.all())
    [picture] = Message.objects.get(external_id=dm["id"]).media.all()
    assert (picture.kind, picture.alt_text) == ("image", "Bins on Elm Rd")
    assert polling.channel_poll(channel_id=x_channel.pk).stored == 0


def test_the_same_delivery_twice_makes_one_message(app_url, sandbox, fb_channel):
    [comment] = fb_inject(sandbox, kind="comment", author=JO, text="Twice?")
    fired = sandbox.post(
        "/_sandbox/webhooks/fire",
        {"network": "fb", "for_event": comment["id"], "url": app_url + FB_URL, "repeat": 2},
    )
    assert [a["status"] for a in fired["deliveries"]] == [200, 200]
    assert WebhookDelivery.objects.count() == 1  # identical bytes: one row
    # Meta re-sends the same event in a new envelope (a new "time"): a second row, still one message.
    payload = fired["payload"]
    payload["entry"][0]["time"] += 1
    sandbox.post(
        "/_sandbox/webhooks/fire", {"network": "fb", "payload": payload, "url": app_url + FB_URL}
    )
    assert WebhookDelivery.objects.count() == 2
    webhook_deliveries_process()
    assert Message.objects.count() == 1
    assert Event.objects.filter(type="message.received").count() == 1
    # ...and polling afterwards finds it stored already.
    assert polling.channel_poll(channel_id=fb_channel.pk).stored == 0


def test_a_badly_signed_sandbox_delivery_is_refused(app_url, sandbox, fb_channel, x_channel):
    [comment] = fb_inject(sandbox, kind="comment", author=JO)
    for mode in ("invalid", "missing"):
        fb = sandbox.post(
            "/_sandbox/webhooks/fire",
            {
                "network": "fb",
                "for_event": comment["id"],
                "url": app_url + FB_URL,
                "signature": mode,
            },
        )
        x = sandbox.post(
            "/_sandbox/webhooks/fire",
            {"payload": json.loads(X_BODY), "url": app_url + X_URL, "signature": mode},
        )
        assert (fb["status"], x["status"]) == (403, 403)
    assert WebhookDelivery.objects.count() == 0


@pytest.mark.django_db
def test_a_delivery_for_an_unknown_account_is_kept_with_its_error(client, no_queue, fb_channel):
    body = json.dumps(
        {"object": "page", "entry": [{"id": "999999", "time": 1, "changes": []}]}
    ).encode()
    from inbox.webhooks.signatures import meta_signature

    assert post_fb(client, body, meta_signature(FB_SECRET, body)).status_code == 200
    webhook_deliveries_process()
    delivery = WebhookDelivery.objects.get()
    assert (
        delivery.processed_at and "no active facebook channel for account 999999" in delivery.error
    )


@pytest.mark.django_db
def test_a_signed_but_unreadable_delivery_is_quarantined(client, no_queue):
    from inbox.webhooks.signatures import x_signature

    body = b"{not json"
    assert post_x(client, body, x_signature(X_SECRET, body)).status_code == 200
    webhook_deliveries_process()
    delivery = WebhookDelivery.objects.get()
    assert delivery.processed_at and "unreadable payload" in delivery.error
    assert QuarantinedPayload.objects.get().payload == {"body": "{not json"}


@pytest.mark.django_db
def test_a_batch_is_processed_in_a_fixed_number_of_queries(
    client, no_queue, fb_channel, django_assert_max_num_queries
):
    from inbox.webhooks.signatures import meta_signature

    for n in range(40):
        payload = messenger_delivery(n, mid_prefix="m_bench")
        body = json.dumps(payload).encode()
        post_fb(client, body, meta_signature(FB_SECRET, body))
    with django_assert_max_num_queries(30):
        result = webhook_deliveries_process()
    assert (result.claimed, result.stored) == (40, 40)


# --- a real worker --------------------------------------------------------------------------


def test_a_delivery_reaches_the_inbox_through_the_worker(
    live_server, sandbox, fb_channel, officer, celery_worker_process
):
    fire_fb(sandbox, live_server.url + FB_URL, kind="comment", author=JO, text="Through the worker")
    wait_for(
        lambda: "Through the worker" in inbox_texts(officer),
        timeout=30,
        what="the comment in the inbox",
    )
    assert WebhookDelivery.objects.get().processed_at is not None


def test_deliveries_accepted_while_the_worker_is_down_are_processed_when_it_returns(
    live_server, sandbox, fb_channel, officer, celery_worker_process
):
    celery_worker_process.kill()
    items = fire_fb(sandbox, live_server.url + FB_URL, kind="comment", count=3)
    items += fire_fb(sandbox, live_server.url + FB_URL, kind="message", author=JO)
    assert WebhookDelivery.objects.filter(processed_at__isnull=True).count() == 4
    assert not Message.objects.exists()

    celery_worker_process.start()  # the tasks queued while it was down run now
    try:
        wait_for(lambda: Message.objects.count() == 4, timeout=30, what="all four stored")
    except AssertionError as exc:  # say what the deliveries look like, to diagnose
        rows = list(
            WebhookDelivery.objects.values("processed_at", "attempts", "claimed_until", "error")
        )
        raise AssertionError(f"{exc}; deliveries: {rows}") from exc
    assert set(Message.objects.values_list("external_id", flat=True)) == {i["id"] for i in items}


def test_the_sweeper_processes_deliveries_whose_task_was_lost(
    live_server, sandbox, fb_channel, officer, celery_worker_process
):
    celery_worker_process.kill()
    fire_fb(sandbox, live_server.url + FB_URL, kind="comment", author=JO, text="Lost task")
    purge_broker()  # the broker lost the queued task (restart without persistence)
    WebhookDelivery.objects.update(received_at=timezone.now() - timedelta(minutes=2))
    celery_worker_process.start()
    tasks.sweep_webhook_deliveries.delay()
    wait_for(lambda: "Lost task" in inbox_texts(officer), timeout=30, what="the swept delivery")


# --- the latency bench, tiny ----------------------------------------------------------------


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres")
    or not os.environ.get("CELERY_BROKER_URL", "").startswith("redis"),
    reason="the latency bench runs on Postgres and Redis only",
)
def test_the_latency_bench_runs_end_to_end_with_a_tiny_n():
    bench = Path(__file__).resolve().parents[2] / "bench" / "webhook_latency.py"
    done = subprocess.run(
        [sys.executable, str(bench), "6", "--poll-samples", "1", "--poll-interval", "2"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["bench"] == "webhook_latency" and result["n"] == 6 and result["polling_n"] == 1
    assert {"ratio", "goal", "goal_met", "webhook_p95_s", "polling_max_s"} <= set(result)


@pytest.mark.django_db
def test_one_failing_delivery_does_not_hold_back_the_batch(
    client, no_queue, fb_channel, x_channel, monkeypatch
):
    from inbox.webhooks import services
    from inbox.webhooks.signatures import meta_signature, x_signature

    fb_body = json.dumps(
        {
            "object": "page",
            "entry": [
                {
                    "id": PAGE_ID,
                    "time": 1,
                    "messaging": [
                        {
                            "sender": {"id": JO["id"]},
                            "recipient": {"id": PAGE_ID},
                            "timestamp": 1_790_000_000_000,
                            "message": {"mid": "m_ok", "text": "fine"},
                        }
                    ],
                }
            ],
        }
    ).encode()
    x_body = b'{"for_user_id":"999","tweet_create_events":[]}'
    post_fb(client, fb_body, meta_signature(FB_SECRET, fb_body))
    post_x(client, x_body, x_signature(X_SECRET, x_body))
    real = services.messages_ingest

    def broken_for_x(*, channel, **kw):
        if channel.network == "x":
            raise RuntimeError("database hiccup")
        return real(channel=channel, **kw)

    monkeypatch.setattr(services, "messages_ingest", broken_for_x)
    x_body_with_item = json.dumps(
        {"for_user_id": "999", "tweet_create_events": [{"bad": 1}]}
    ).encode()
    post_x(client, x_body_with_item, x_signature(X_SECRET, x_body_with_item))

    result = webhook_deliveries_process()
    assert (result.claimed, result.stored, result.failed) == (3, 1, 1)
    assert Message.objects.get().external_id == "m_ok"
    failed = WebhookDelivery.objects.get(error__contains="database hiccup")
    assert failed.processed_at is None and failed.claimed_until is None and failed.attempts == 1
    for _ in range(
        services.MAX_ATTEMPTS - 1
    ):  # it keeps failing: kept, with its error, for a person
        webhook_deliveries_process()
    failed.refresh_from_db()
    assert failed.processed_at is not None and failed.attempts == services.MAX_ATTEMPTS


@pytest.mark.django_db
def test_processed_deliveries_are_pruned_after_the_retention_period(client, no_queue, settings):
    from inbox.webhooks.services import webhook_deliveries_prune

    post_x(client, X_BODY, X_BODY_SIGNATURE)
    assert webhook_deliveries_prune() == 0  # pending: never pruned
    webhook_deliveries_process()
    WebhookDelivery.objects.update(processed_at=timezone.now() - timedelta(days=31))
    assert webhook_deliveries_prune() == 1 and not WebhookDelivery.objects.exists()
