"""Importing a channel's history (backfill): the real tweepy and facebook-sdk
clients over HTTP to the sandbox. Every fault test ends with every message in
the window stored exactly once, and the polling cursor left to polling."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from channels import tasks
from channels.selectors import backfill_progress, channels_health
from channels.services import backfill
from channels.services.connect import channel_connect
from conftest import SANDBOX_X_CREDENTIALS
from escalation.models import Escalation, EscalationLevel, EscalationRule, TargetStage
from escalation.services.evaluation import evaluation_run
from events.models import Event
from inbox.models import (
    BackfillStatus,
    Channel,
    ChannelBackfill,
    Conversation,
    Message,
    Notification,
    QuarantinedPayload,
)
from inbox.networks import client_for
from inbox.services import polling
from tests.factories import ChannelFactory
from tests.inbox.facebook_support import (
    JO,
    PAGE_ID,
    SAM,
    fb_channel_fixture,  # noqa: F401 (fixture)
    fb_fault,
    fb_inject,
)
from tests.support.worker import wait_for

MENTIONS = r"/2/users/999/mentions"
DMS = r"/2/dm_events"
JO_X = {"id": "111", "username": "jo_res", "name": "Jo Resident", "followers_count": 321}
SAM_X = {"id": "222", "username": "sam_p", "name": "Sam Patel"}


def ago(**delta) -> str:
    return (timezone.now() - timedelta(**delta)).isoformat()


def run(channel) -> backfill.BackfillRun:
    return backfill.channel_backfill_run(channel_id=channel.pk)


def start(channel, actor, days=7) -> ChannelBackfill:
    # In a `db` test the transaction never commits, so nothing is enqueued:
    # the tests run the service themselves, as the worker would.
    return backfill.channel_backfill_start(channel=channel, actor=actor, days=days)


def make_due(channel) -> None:
    """Time passes: the rate limit or backoff the import waits for is over."""
    ChannelBackfill.objects.filter(channel=channel).update(run_after=timezone.now())


def run_to_the_end(channel, limit=20) -> int:
    for runs in range(1, limit + 1):
        result = run(channel)
        if result.retry_at is None:
            return runs
        make_due(channel)
    raise AssertionError("the import never finished")


def stored_ids() -> set[str]:
    ids = list(Message.objects.values_list("external_id", flat=True))
    assert len(ids) == len(set(ids)), "a message was stored twice"
    return set(ids)


def ids_of(items) -> set[str]:
    return {i["id"] for i in items}


def in_window_mentions(sandbox, count, **spec) -> set[str]:
    return ids_of(
        sandbox.inject(
            kind="mention", account_id="999", count=count, created_at=ago(days=2), **spec
        )
    )


def state(channel) -> ChannelBackfill:
    return ChannelBackfill.objects.get(channel=channel)


# --- the happy path -------------------------------------------------------------------------


@pytest.mark.django_db
def test_connecting_an_x_account_imports_the_last_days_threaded_and_nothing_older(
    sandbox, admin_user, team_a, settings, django_capture_on_commit_callbacks
):
    settings.BACKFILL_DAYS = 7
    sandbox.post("/_sandbox/x/accounts", {"id": "999", "username": "council_help"})
    # Injected oldest first, as they happened (X ids grow with time).
    old = sandbox.inject(kind="mention", account_id="999", author=JO_X, created_at=ago(days=9))
    old_dm = sandbox.inject(kind="dm", account_id="999", author=SAM_X, created_at=ago(days=8))
    [first] = sandbox.inject(
        kind="mention",
        account_id="999",
        author=JO_X,
        created_at=ago(days=3),
        text="@council_help bins missed on Elm Rd",
    )
    [reply] = sandbox.inject(
        kind="reply",
        account_id="999",
        author=JO_X,
        in_reply_to_tweet_id=first["id"],
        created_at=ago(days=2),
        text="@council_help still not collected",
    )
    dms = sandbox.inject(kind="dm", account_id="999", author=SAM_X, created_at=ago(days=1))
    dms += sandbox.inject(kind="dm", account_id="999", author=SAM_X, created_at=ago(hours=2))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        channel = channel_connect(
            actor=admin_user, network="x", credentials=dict(SANDBOX_X_CREDENTIALS), teams=[team_a]
        )
    assert len(callbacks) == 1, "the import is enqueued once, after commit"
    assert state(channel).status == BackfillStatus.QUEUED

    assert run(channel) == backfill.BackfillRun(BackfillStatus.DONE)

    assert stored_ids() == {first["id"], reply["id"], *ids_of(dms)}
    assert not stored_ids() & ids_of(old + old_dm)
    public = Conversation.objects.get(kind="public")
    assert list(public.messages.order_by("sent_at").values_list("external_id", flat=True)) == [
        first["id"],
        reply["id"],
    ]
    assert public.last_message_preview == "@council_help still not collected"
    private = Conversation.objects.get(kind="private")
    assert private.messages.count() == 2 and private.contact.handle == "sam_p"
    done = state(channel)
    assert (done.status, done.stored, done.duplicates, done.days) == ("done", 4, 0, 7)
    assert done.finished_at is not None and done.oldest_reached < timezone.now() - timedelta(days=2)
    assert done.streams["dms"]["done"] and done.streams["mentions"]["done"]
    channel.refresh_from_db()
    assert channel.poll_cursor == {}, "polling owns the cursor"
    started = Event.objects.get(type="channel.backfill_started")
    assert (started.actor, started.channel_id, started.data["days"]) == (admin_user, channel.pk, 7)
    finished = Event.objects.get(type="channel.backfill_finished")
    assert (finished.channel_id, finished.data["stored"]) == (channel.pk, 4)
    assert Event.objects.filter(type="message.received").count() == 4


@pytest.mark.django_db
def test_backfill_days_0_connects_without_importing_history(
    sandbox, admin_user, team_a, settings, django_capture_on_commit_callbacks
):
    settings.BACKFILL_DAYS = 0
    sandbox.post("/_sandbox/x/accounts", {"id": "999", "username": "council_help"})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        channel_connect(
            actor=admin_user, network="x", credentials=dict(SANDBOX_X_CREDENTIALS), teams=[team_a]
        )
    assert not callbacks and not ChannelBackfill.objects.exists()


@pytest.mark.django_db
def test_dms_are_clamped_to_the_30_days_x_keeps_and_the_state_says_so(
    sandbox, x_channel, admin_user
):
    older = sandbox.inject(kind="dm", account_id="999", author=SAM_X, created_at=ago(days=35))
    kept = sandbox.inject(kind="dm", account_id="999", author=SAM_X, created_at=ago(days=29))
    mention = sandbox.inject(kind="mention", account_id="999", created_at=ago(days=40))
    start(x_channel, admin_user, days=60)
    run(x_channel)
    assert stored_ids() == ids_of(kept + mention)
    assert not stored_ids() & ids_of(older)
    streams = state(x_channel).streams
    assert (streams["dms"]["days"], streams["mentions"]["days"]) == (30, 60)
    assert streams["dms"]["note"] == "X keeps direct messages for 30 days"
    assert not streams["mentions"]["note"]


@pytest.mark.django_db
def test_mentions_follow_pages_to_the_end_of_the_window(sandbox, x_channel, admin_user):
    expected = in_window_mentions(sandbox, 250)
    start(x_channel, admin_user)
    run(x_channel)
    assert stored_ids() == expected
    assert (state(x_channel).pages, state(x_channel).stored) == (3, 250)


# --- faults: 0 lost, 0 doubled --------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "params", "status"),
    [
        ("server_error", {}, "queued"),
        ("bad_gateway_html", {}, "queued"),
        ("malformed_json", {}, "queued"),
        ("hang", {"seconds": 4}, "queued"),  # past the 3 s client timeout
        ("rate_limit", {"reset_in": 600}, "waiting"),
        ("rate_limit_no_reset", {}, "waiting"),
    ],
)
def test_a_fault_on_page_two_keeps_page_one_and_a_rerun_completes(
    sandbox, x_channel, admin_user, kind, params, status
):
    expected = in_window_mentions(sandbox, 250)
    expected |= ids_of(sandbox.inject(kind="dm", account_id="999", created_at=ago(days=1)))
    sandbox.fault(method="GET", path=MENTIONS, kind=kind, params=params, skip=1)
    start(x_channel, admin_user)

    first = run(x_channel)
    partial = state(x_channel)
    assert (first.status, partial.status) == (status, status)
    assert first.retry_at is not None and first.retry_at == partial.run_after
    assert partial.error, "the admin sees why"
    assert (partial.pages, partial.stored) == (1, 100), "page one is kept"
    assert stored_ids() <= expected and len(stored_ids()) == 100
    assert partial.streams["mentions"]["position"]["until_id"] == min(stored_ids(), key=int)
    assert run(x_channel).retry_at == partial.run_after, "not before its time"

    make_due(x_channel)
    assert run_to_the_end(x_channel) == 1
    assert stored_ids() == expected
    done = state(x_channel)
    assert (done.status, done.stored, done.duplicates, done.error) == ("done", 251, 0, "")
    x_channel.refresh_from_db()
    assert x_channel.poll_cursor == {} and x_channel.last_error == ""


@pytest.mark.django_db
def test_a_rate_limit_waits_until_the_reset_time_x_gives(sandbox, x_channel, admin_user):
    in_window_mentions(sandbox, 150)
    sandbox.fault(method="GET", path=MENTIONS, kind="rate_limit", params={"reset_in": 900}, skip=1)
    start(x_channel, admin_user)
    before = timezone.now()
    result = run(x_channel)
    assert before + timedelta(seconds=880) < result.retry_at < before + timedelta(seconds=920)
    assert state(x_channel).status == BackfillStatus.WAITING
    [row] = channels_health(user=admin_user)
    local = timezone.localtime(result.retry_at)
    assert row.backfill.label.startswith(
        f"Importing history: paused for X's rate limit until {local:%-d %b %H:%M}; 1 page,"
    )
    assert row.backfill.live and not row.backfill.can_start


@pytest.mark.django_db
def test_a_fault_in_the_dm_pages_resumes_from_the_saved_token(sandbox, x_channel, admin_user):
    expected = ids_of(
        sandbox.inject(kind="dm", account_id="999", count=150, created_at=ago(days=1))
    )
    sandbox.fault(method="GET", path=DMS, kind="server_error", skip=1)
    start(x_channel, admin_user)
    run(x_channel)
    assert len(stored_ids()) == 100
    assert state(x_channel).streams["dms"]["position"]["token"]
    make_due(x_channel)
    run(x_channel)
    assert stored_ids() == expected
    assert state(x_channel).duplicates == 0


@pytest.mark.django_db
def test_a_dm_token_x_no_longer_accepts_starts_the_dms_again(sandbox, x_channel, admin_user):
    expected = ids_of(
        sandbox.inject(kind="dm", account_id="999", count=150, created_at=ago(days=1))
    )
    sandbox.fault(method="GET", path=DMS, kind="server_error", skip=1)
    start(x_channel, admin_user)
    run(x_channel)
    row = state(x_channel)
    row.streams["dms"]["position"]["token"] = "expired0token"
    ChannelBackfill.objects.filter(pk=row.pk).update(streams=row.streams, run_after=None)
    run(x_channel)
    assert stored_ids() == expected
    assert (state(x_channel).status, state(x_channel).duplicates) == ("done", 100)


@pytest.mark.django_db
def test_duplicate_and_out_of_order_pages_double_nothing(sandbox, x_channel, admin_user):
    expected = in_window_mentions(sandbox, 250)
    sandbox.fault(method="GET", path=MENTIONS, kind="duplicate_page")
    sandbox.fault(method="GET", path=MENTIONS, kind="out_of_order", skip=1)
    start(x_channel, admin_user)
    run(x_channel)
    assert stored_ids() == expected
    assert state(x_channel).duplicates == 100


@pytest.mark.django_db
def test_an_unreadable_item_is_quarantined_and_the_rest_imported(
    sandbox, x_channel, admin_user, monkeypatch
):
    from inbox.networks import x as x_module

    expected = in_window_mentions(sandbox, 5)
    victim = sorted(expected)[2]
    real = x_module.XClient._map_tweet

    def flaky(self, raw, users):
        if raw["id"] == victim:
            raw = {k: v for k, v in raw.items() if k != "author_id"}
        return real(self, raw, users)

    monkeypatch.setattr(x_module.XClient, "_map_tweet", flaky)
    start(x_channel, admin_user)
    run(x_channel)
    assert stored_ids() == expected - {victim}
    quarantined = QuarantinedPayload.objects.get()
    assert (quarantined.payload["id"], quarantined.source) == (victim, "backfill")
    assert (state(x_channel).status, state(x_channel).quarantined) == ("done", 1)


@pytest.mark.django_db
def test_a_revoked_token_fails_the_import_with_its_reason_and_an_event(
    sandbox, x_channel, admin_user
):
    expected = in_window_mentions(sandbox, 150)
    sandbox.fault(method="GET", path=MENTIONS, kind="expired_token", skip=1)
    start(x_channel, admin_user)
    assert run(x_channel) == backfill.BackfillRun(BackfillStatus.FAILED)
    failed = state(x_channel)
    assert failed.status == "failed" and "reconnect" in failed.error
    assert failed.finished_at is not None
    event = Event.objects.get(type="channel.backfill_failed")
    assert event.channel_id == x_channel.pk and event.data["stored"] == 100
    # "Try again" continues from the saved page with the same numbers.
    again = start(x_channel, admin_user)
    assert (again.status, again.stored, again.error) == ("queued", 100, "")
    assert Event.objects.filter(type="channel.backfill_started").last().data["resumed"] is True
    run(x_channel)
    assert stored_ids() == expected
    assert (state(x_channel).stored, state(x_channel).duplicates) == (150, 0)


@pytest.mark.django_db
def test_transient_errors_fail_the_import_after_a_few_tries(sandbox, x_channel, admin_user):
    in_window_mentions(sandbox, 5)
    sandbox.fault(method="GET", path=MENTIONS, kind="server_error", times=None)
    start(x_channel, admin_user)
    runs = run_to_the_end(x_channel)
    assert runs == backfill.MAX_TRANSIENT_FAILURES
    assert state(x_channel).status == "failed"
    assert Event.objects.filter(type="channel.backfill_failed").count() == 1


@pytest.mark.django_db
def test_a_database_error_rolls_the_page_back_and_is_retried(
    sandbox, x_channel, admin_user, monkeypatch
):
    from django.db import OperationalError

    expected = in_window_mentions(sandbox, 5)
    real = backfill.messages_ingest
    calls = []

    def locked_once(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            real(**kwargs)  # rows written, then the transaction fails
            raise OperationalError("database is locked")
        return real(**kwargs)

    monkeypatch.setattr(backfill, "messages_ingest", locked_once)
    start(x_channel, admin_user)
    result = run(x_channel)
    assert result.status == BackfillStatus.QUEUED and result.retry_at is not None
    assert not stored_ids(), "the failed page left nothing behind"
    assert "database was busy" in state(x_channel).error
    make_due(x_channel)
    run(x_channel)
    assert stored_ids() == expected and state(x_channel).status == "done"


# --- resumable and exclusive ---------------------------------------------------------------


@pytest.mark.django_db
def test_a_long_import_hands_over_to_a_fresh_task_and_loses_nothing(
    sandbox, x_channel, admin_user, monkeypatch
):
    monkeypatch.setattr(backfill, "SLICE", timedelta(0))
    expected = in_window_mentions(sandbox, 250)
    expected |= ids_of(
        sandbox.inject(kind="dm", account_id="999", count=3, created_at=ago(hours=3))
    )
    start(x_channel, admin_user)
    first = run(x_channel)
    assert first.status == BackfillStatus.QUEUED and first.retry_at <= timezone.now()
    assert run_to_the_end(x_channel) > 1
    assert stored_ids() == expected
    assert (state(x_channel).stored, state(x_channel).duplicates) == (253, 0)


@pytest.mark.django_db
def test_an_import_held_by_a_live_worker_is_not_run_twice(sandbox, x_channel, admin_user):
    in_window_mentions(sandbox, 5)
    start(x_channel, admin_user)
    ChannelBackfill.objects.filter(channel=x_channel).update(
        status=BackfillStatus.RUNNING,
        claim="other",
        claimed_until=timezone.now() + timedelta(minutes=4),
    )
    assert run(x_channel).status == "busy"
    assert not stored_ids()


@pytest.mark.django_db
def test_a_worker_that_lost_its_claim_keeps_nothing_of_its_page(sandbox, x_channel, admin_user):
    in_window_mentions(sandbox, 5)
    start(x_channel, admin_user)
    row = state(x_channel)
    client = client_for(x_channel)
    row.streams = backfill._plan(client, row)
    page = next(client.backfill(since={"mentions": row.since}, resume={}))
    with pytest.raises(backfill._ClaimLost):
        backfill._store_page(row, "not-the-holder", page)
    assert not stored_ids()


@pytest.mark.django_db
def test_starting_again_while_importing_is_refused(sandbox, x_channel, admin_user):
    start(x_channel, admin_user)
    with pytest.raises(ValidationError, match="already being imported"):
        start(x_channel, admin_user)


@pytest.mark.django_db
def test_only_1_to_90_days_and_only_admins(x_channel, admin_user, officer):
    with pytest.raises(ValidationError):
        start(x_channel, admin_user, days=0)
    with pytest.raises(ValidationError):
        start(x_channel, admin_user, days=91)
    with pytest.raises(PermissionDenied):
        start(x_channel, officer)
    assert not ChannelBackfill.objects.exists()
    assert not Event.objects.filter(type__startswith="channel.backfill").exists()


@pytest.mark.django_db
def test_importing_again_after_it_finished_starts_afresh(sandbox, x_channel, admin_user):
    expected = in_window_mentions(sandbox, 3)
    start(x_channel, admin_user)
    run(x_channel)
    again = start(x_channel, admin_user)
    assert (again.status, again.stored, again.pages, again.streams) == ("queued", 0, 0, {})
    assert Event.objects.filter(type="channel.backfill_started").last().data["resumed"] is False
    run(x_channel)
    assert stored_ids() == expected
    assert (state(x_channel).stored, state(x_channel).duplicates) == (0, 3)


@pytest.mark.django_db
def test_a_stalled_import_can_be_resumed(sandbox, x_channel, admin_user):
    expected = in_window_mentions(sandbox, 150)
    sandbox.fault(method="GET", path=MENTIONS, kind="server_error", skip=1)
    start(x_channel, admin_user)
    run(x_channel)
    # The worker died mid-run: the row says running, and its lease ran out.
    ChannelBackfill.objects.filter(channel=x_channel).update(
        status=BackfillStatus.RUNNING,
        claim="dead",
        claimed_until=timezone.now() - timedelta(seconds=1),
        run_after=None,
    )
    assert state(x_channel).is_stalled(timezone.now())
    start(x_channel, admin_user)
    run(x_channel)
    assert stored_ids() == expected and state(x_channel).duplicates == 0


# --- alongside polling ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_poll_in_the_middle_of_an_import_doubles_nothing_and_keeps_its_cursor(
    sandbox, x_channel, admin_user
):
    expected = in_window_mentions(sandbox, 250)
    sandbox.fault(method="GET", path=MENTIONS, kind="server_error", skip=1)
    start(x_channel, admin_user)
    run(x_channel)  # page one stored, then the fault
    # The first poll reads the newest page (the one just imported) for its cursor.
    assert polling.channel_poll(channel_id=x_channel.pk).stored == 0
    x_channel.refresh_from_db()
    cursor = dict(x_channel.poll_cursor)
    assert cursor["mentions_since_id"] == max(expected, key=int)
    expected |= ids_of(sandbox.inject(kind="mention", account_id="999"))  # arrives meanwhile

    make_due(x_channel)
    run(x_channel)
    x_channel.refresh_from_db()
    assert x_channel.poll_cursor == cursor, "the import never moves the cursor"
    assert (state(x_channel).stored, state(x_channel).duplicates) == (250, 0)
    polling.channel_poll(channel_id=x_channel.pk)
    assert stored_ids() == expected
    assert Event.objects.filter(type="message.received").count() == len(expected)


@pytest.mark.django_db
def test_an_import_after_the_first_poll_only_counts_duplicates(sandbox, x_channel, admin_user):
    expected = in_window_mentions(sandbox, 30)
    polling.channel_poll(channel_id=x_channel.pk)
    x_channel.refresh_from_db()
    cursor = dict(x_channel.poll_cursor)
    start(x_channel, admin_user)
    run(x_channel)
    x_channel.refresh_from_db()
    assert x_channel.poll_cursor == cursor
    assert stored_ids() == expected
    assert (state(x_channel).stored, state(x_channel).duplicates) == (0, 30)


@pytest.mark.django_db
def test_history_from_the_import_and_the_first_poll_is_stored_once_and_pages_nobody(
    sandbox, admin_user, manager, team_a, settings, django_capture_on_commit_callbacks
):
    settings.BACKFILL_DAYS = 7
    rule = EscalationRule.objects.create(name="Late", target_stage=TargetStage.BREACHED)
    EscalationLevel.objects.create(rule=rule, number=1, name="Lead").users.add(manager)
    sandbox.post("/_sandbox/x/accounts", {"id": "999", "username": "council_help"})
    history = in_window_mentions(sandbox, 250)
    history |= ids_of(
        sandbox.inject(kind="dm", account_id="999", author=SAM_X, created_at=ago(days=1))
    )
    with django_capture_on_commit_callbacks(execute=False):
        channel = channel_connect(
            actor=admin_user, network="x", credentials=dict(SANDBOX_X_CREDENTIALS), teams=[team_a]
        )
    assert channel.live_since is not None

    # The beat's first poll can come before the import: one page, for the cursor.
    assert polling.channel_poll(channel_id=channel.pk).stored == 101
    assert run(channel).status == BackfillStatus.DONE
    assert stored_ids() == history
    for later in (timedelta(0), timedelta(hours=2), timedelta(days=3)):
        evaluation_run(now=timezone.now() + later)
    assert not Event.objects.filter(type__startswith="target.").exists()
    assert not Escalation.objects.exists() and not Notification.objects.exists()
    awaiting = Conversation.objects.filter(awaiting_since__isnull=False, due_at__isnull=True)
    assert awaiting.count() == Conversation.objects.count() == 251  # shown, needing a reply

    # What people write once the channel is live is watched as always.
    [new] = sandbox.inject(kind="mention", account_id="999", author=JO_X)
    polling.channel_poll(channel_id=channel.pk)
    evaluation_run(now=timezone.now() + timedelta(hours=1))
    [breach] = Event.objects.filter(type__startswith="target.")
    assert breach.conversation.messages.get().external_id == new["id"]
    assert Notification.objects.filter(user=manager).count() == 1


# --- Facebook -------------------------------------------------------------------------------


def fb_post(sandbox, message, created_at) -> str:
    return sandbox.post(
        "/_sandbox/fb/posts", {"page_id": PAGE_ID, "message": message, "created_at": created_at}
    )["post"]["id"]


@pytest.mark.django_db
def test_a_facebook_page_imports_recent_comments_and_messenger_threads(
    sandbox, fb_channel, admin_user
):
    old_post = fb_post(sandbox, "Consultation opens", ago(days=12))
    too_old = fb_inject(
        sandbox, kind="comment", post_id=old_post, author=SAM, created_at=ago(days=11)
    )
    recent_post = fb_post(sandbox, "Bin day changes", ago(days=3))
    [comment] = fb_inject(
        sandbox, kind="comment", post_id=recent_post, author=JO, created_at=ago(days=3, hours=-1)
    )
    [answer] = fb_inject(
        sandbox, kind="reply", parent_id=comment["id"], author=JO, created_at=ago(days=2)
    )
    stale_dm = fb_inject(sandbox, kind="message", author=SAM, created_at=ago(days=10))
    [earlier] = fb_inject(sandbox, kind="message", author=JO, created_at=ago(days=9))
    recent = fb_inject(sandbox, kind="message", author=JO, created_at=ago(days=1))
    recent += fb_inject(sandbox, kind="message", author=JO, created_at=ago(hours=1))

    start(fb_channel, admin_user)
    assert run(fb_channel).status == BackfillStatus.DONE

    assert stored_ids() == {comment["id"], answer["id"], *ids_of(recent)}
    assert not stored_ids() & {too_old[0]["id"], stale_dm[0]["id"], earlier["id"]}
    thread = Conversation.objects.get(kind="comment")
    assert thread.messages.count() == 2
    messenger = Conversation.objects.get(kind="private")
    assert list(messenger.messages.order_by("sent_at").values_list("external_id", flat=True)) == [
        r["id"] for r in recent
    ]
    done = state(fb_channel)
    assert (done.status, done.stored) == ("done", 4)
    assert set(done.streams) == {"comments", "messenger", "visitor_posts", "tags"}
    fb_channel.refresh_from_db()
    assert fb_channel.poll_cursor == {}
    assert Event.objects.filter(type="channel.backfill_finished", channel=fb_channel).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "status"), [("server_error", "queued"), ("rate_limit", "waiting")]
)
def test_a_facebook_fault_on_feed_page_two_loses_and_doubles_nothing(
    sandbox, fb_channel, admin_user, kind, status
):
    expected: set[str] = set()
    for n in range(30):  # two feed pages of 25
        post = fb_post(sandbox, f"Update {n}", ago(days=5, minutes=-n))
        expected |= ids_of(
            fb_inject(sandbox, kind="comment", post_id=post, created_at=ago(days=4, minutes=-n))
        )
    fb_fault(sandbox, method="GET", path=rf"/{PAGE_ID}/feed", kind=kind, skip=1)
    start(fb_channel, admin_user)
    first = run(fb_channel)
    assert first.status == status and first.retry_at is not None
    # Feed page one: the fixture's newest post (no comments) and 24 of these.
    assert len(stored_ids()) == 24 and stored_ids() <= expected
    assert state(fb_channel).streams["comments"]["position"]["until"]
    make_due(fb_channel)
    run_to_the_end(fb_channel)
    assert stored_ids() == expected
    assert state(fb_channel).stored == 30


@pytest.mark.django_db
def test_a_messenger_fault_reads_the_threads_again_without_doubling(
    sandbox, fb_channel, admin_user
):
    expected = set()
    for n in range(30):  # two pages of 25 threads
        person = {"id": f"65432109876{n:05d}", "name": f"Resident {n}"}
        expected |= ids_of(
            fb_inject(sandbox, kind="message", author=person, created_at=ago(days=2, minutes=-n))
        )
    fb_fault(sandbox, method="GET", path=rf"/{PAGE_ID}/conversations", kind="server_error", skip=1)
    start(fb_channel, admin_user)
    run(fb_channel)
    assert len(stored_ids()) == 25
    make_due(fb_channel)
    run(fb_channel)
    assert stored_ids() == expected
    assert (state(fb_channel).stored, state(fb_channel).duplicates) == (30, 25)
    assert not QuarantinedPayload.objects.exists()


# --- what admins see -----------------------------------------------------------------------


def backfill_url(channel):
    return reverse("channels:backfill", args=[channel.pk])


def current_sig(channel) -> str:
    """The signature of what the admin reads now (the page sends it back)."""
    channel = Channel.objects.select_related("backfill").get(pk=channel.pk)
    return backfill_progress(channel, timezone.now()).sig


@pytest.mark.django_db
def test_admins_follow_the_progress_on_the_channel_list(client, sandbox, x_channel, admin_user):
    in_window_mentions(sandbox, 250)
    sandbox.fault(method="GET", path=MENTIONS, kind="server_error", skip=1)
    client.force_login(admin_user)
    page = client.get(reverse("channels:list")).content.decode()
    assert "No history imported." in page and "Import history" in page

    start(x_channel, admin_user)
    page = client.get(reverse("channels:list")).content.decode()
    assert "History import queued: the last 7 days." in page
    assert 'role="status"' in page and f'hx-get="{backfill_url(x_channel)}"' in page

    run(x_channel)  # one page, then a server error: it will retry by itself
    fragment = client.get(backfill_url(x_channel), headers={"HX-Request": "true"})
    assert fragment.status_code == 200, "still live: htmx keeps polling"
    text = fragment.content.decode()
    assert "Importing history: X server error" in text and "1 page, 100 messages, back to" in text
    assert "<form" not in text, "no button while it runs"
    sig = current_sig(x_channel)
    assert f'name="sig" value="{sig}"' in text
    unchanged = client.get(backfill_url(x_channel), {"sig": sig}, headers={"HX-Request": "true"})
    assert unchanged.status_code == 204, "nothing to swap in, nothing re-announced"

    make_due(x_channel)
    run(x_channel)
    fragment = client.get(backfill_url(x_channel), headers={"HX-Request": "true"})
    assert fragment.status_code == 286, "finished: htmx stops polling"
    assert "History imported: 250 messages from the last 7 days." in fragment.content.decode()
    assert "Import history again" in fragment.content.decode()
    page = client.get(reverse("channels:list")).content.decode()
    assert "History imported: 250 messages" in page
    assert f'hx-get="{backfill_url(x_channel)}"' not in page


@pytest.mark.django_db
def test_a_failed_import_shows_its_reason_escaped_and_try_again_resumes_it(
    client, sandbox, x_channel, admin_user, django_capture_on_commit_callbacks
):
    in_window_mentions(sandbox, 5)
    start(x_channel, admin_user)
    row = state(x_channel)
    ChannelBackfill.objects.filter(pk=row.pk).update(
        status=BackfillStatus.FAILED, error="<script>alert(1)</script>", stored=2
    )
    client.force_login(admin_user)
    page = client.get(reverse("channels:list")).content.decode()
    assert "History import failed: &lt;script&gt;alert(1)&lt;/script&gt;." in page
    assert "<script>alert(1)" not in page
    assert "Try again" in page

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(backfill_url(x_channel))
    assert response.status_code == 302 and response["Location"] == reverse("channels:list")
    assert len(callbacks) == 1
    assert (state(x_channel).status, state(x_channel).stored) == ("queued", 2)
    # Twice in a row: refused with a message, nothing enqueued.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        refused = client.post(backfill_url(x_channel), follow=True)
    assert "already being imported" in refused.content.decode() and not callbacks


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["officer", "manager", "other_officer"])
def test_only_admins_see_or_start_an_import(client, request, who, sandbox, x_channel, admin_user):
    start(x_channel, admin_user)
    client.force_login(request.getfixturevalue(who))
    assert client.get(backfill_url(x_channel)).status_code == 403
    assert client.post(backfill_url(x_channel)).status_code == 403
    assert client.get(reverse("channels:list")).status_code == 403
    assert Event.objects.filter(type="channel.backfill_started").count() == 1


@pytest.mark.django_db
def test_an_unknown_channel_is_a_404_and_signed_out_people_sign_in(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("channels:backfill", args=[999999])).status_code == 404
    channel = ChannelFactory()
    plain = client.get(reverse("channels:backfill", args=[channel.pk]))  # not htmx
    assert plain.status_code == 302 and plain["Location"] == reverse("channels:list")
    client.logout()
    assert client.get(reverse("channels:backfill", args=[1])).status_code == 302


@pytest.mark.django_db
def test_the_channel_list_reads_every_import_without_extra_queries(
    admin_user, django_assert_num_queries, team_a
):
    def make(n):
        for i in range(n):
            channel = ChannelFactory(name=f"Channel {n}-{i}", covered_by=[team_a])
            ChannelBackfill.objects.create(
                channel=channel,
                days=7,
                since=timezone.now(),
                started_at=timezone.now(),
                updated_at=timezone.now(),
                streams={"dms": {"days": 7, "note": "", "since": "", "position": {}, "done": 1}},
            )

    make(1)
    channels_health(user=admin_user)  # the user's role is read once, then cached
    with CaptureQueriesContext(connection) as one:
        rows = channels_health(user=admin_user)
        assert [r.backfill.state for r in rows] == ["queued"]
    make(3)
    with django_assert_num_queries(len(one.captured_queries)):
        rows = channels_health(user=admin_user)
        assert [r.backfill.state for r in rows] == ["queued"] * 4


# --- through a real Celery worker ----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_connect_then_a_real_worker_imports_and_reschedules_on_a_rate_limit(
    sandbox, admin_user, team_a, celery_worker_process
):
    sandbox.post("/_sandbox/x/accounts", {"id": "999", "username": "council_help"})
    expected = in_window_mentions(sandbox, 150)
    sandbox.fault(method="GET", path=MENTIONS, kind="rate_limit", params={"reset_in": 2}, skip=1)
    channel = channel_connect(
        actor=admin_user, network="x", credentials=dict(SANDBOX_X_CREDENTIALS), teams=[team_a]
    )
    wait_for(
        lambda: state(channel).status == BackfillStatus.WAITING, what="the rate limit to be met"
    )
    waiting = state(channel)
    assert waiting.stored == 100
    wait_for(lambda: state(channel).status == BackfillStatus.DONE, timeout=60, what="done")
    assert stored_ids() == expected
    assert state(channel).finished_at >= waiting.run_after
    assert b"Retry in" in celery_worker_process.log_path.read_bytes(), "rescheduled, not slept"


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_import_loses_nothing_and_try_again_finishes_it(
    client, sandbox, x_channel, admin_user, celery_worker_process
):
    expected = in_window_mentions(sandbox, 250)
    sandbox.fault(method="GET", path=MENTIONS, kind="hang", params={"seconds": 20}, skip=1)
    tasks.backfill_channel.delay(start(x_channel, admin_user).channel_id)
    wait_for(lambda: not sandbox.get("/_sandbox/faults")["faults"], what="page two in flight")
    celery_worker_process.kill()
    assert state(x_channel).status == BackfillStatus.RUNNING
    assert len(stored_ids()) == 100

    # The dead worker's lease runs out (after backfill.LEASE in real life).
    ChannelBackfill.objects.filter(channel=x_channel).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )
    client.force_login(admin_user)
    page = client.get(reverse("channels:list")).content.decode()
    assert "History import stopped unexpectedly after 1 page, 100 messages" in page
    client.post(backfill_url(x_channel))  # "Try again": enqueued after commit
    # The restarted worker may also get the killed task back (acks_late): the
    # claim lets only one of the two read at a time.
    celery_worker_process.start()
    wait_for(lambda: state(x_channel).status == BackfillStatus.DONE, timeout=60, what="done")
    assert stored_ids() == expected
    assert state(x_channel).duplicates == 0
    assert Channel.objects.get(pk=x_channel.pk).poll_cursor == {}
