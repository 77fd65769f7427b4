"""KPI services: rebuilding with progress (job and command), channel-shift
costs with their audit event, the weekly e-mail, and no N+1 on the pages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events.models import Event
from kpis import rollups, services
from kpis import selectors as sel
from kpis.models import ChannelShiftCosts, DailyChannelStats, JobState, RecomputeJob, WeeklySummary
from tests.factories import ChannelFactory
from tests.kpis.week import Story, build_week, london, office_hours

WEEK = sel.Period(date(2026, 3, 28), date(2026, 4, 3))


@pytest.fixture
def week(channel_a, officer, teammate):
    office_hours(channel_a)
    return build_week(channel_a, officer=officer, teammate=teammate)


@pytest.mark.django_db
def test_the_command_rebuilds_a_period_with_progress_and_matches_raw(week, channel_a):
    out = StringIO()
    call_command("kpis_recompute", "--since", "2026-03-25", "--until", "2026-04-08", stdout=out)
    text = out.getvalue()
    assert "7/15 days" in text and "14/15 days" in text and "15/15 days (100%)" in text
    assert sel.summary_from_rollups(channel_ids=[channel_a.pk], period=WEEK) == (
        sel.summary_from_events(channel_ids=[channel_a.pk], period=WEEK)
    )
    with pytest.raises(CommandError):
        call_command("kpis_recompute", "--since", "2026-04-08", "--until", "2026-04-01")
    with pytest.raises(CommandError):
        call_command("kpis_recompute", "--since", "yesterday")


@pytest.mark.django_db
def test_a_rebuild_job_runs_once_and_records_progress(
    week, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = services.recompute_job_create(
            actor=admin_user, since=date(2026, 3, 28), until=date(2026, 4, 10)
        )
    assert len(callbacks) == 1  # the task is enqueued after commit
    assert Event.objects.get(type="kpis.recompute_requested").actor == admin_user
    assert services.recompute_job_run(job_id=job.pk) == JobState.DONE
    assert services.recompute_job_run(job_id=job.pk) == "skipped"  # a second worker
    job.refresh_from_db()
    assert (job.state, job.days_done, job.days_total, job.percent) == ("done", 14, 14, 100)
    assert DailyChannelStats.objects.filter(day=date(2026, 3, 30)).exists()


@pytest.mark.django_db
def test_a_rebuild_shows_its_progress_page(client, admin_user, week):
    client.force_login(admin_user)
    response = client.post(
        reverse("kpis:recompute"), {"since": "2026-03-28", "until": "2026-04-03"}
    )
    job = RecomputeJob.objects.get()
    assert response.url == reverse("kpis:job", args=[job.pk])
    page = client.get(response.url).content.decode()
    assert 'hx-trigger="every 2s"' in page and "<progress" in page
    services.recompute_job_run(job_id=job.pk)
    fragment = client.get(response.url, HTTP_HX_REQUEST="true").content.decode()
    assert "Done: 7 of 7 days (100%)" in fragment and "hx-trigger" not in fragment
    bad = client.post(reverse("kpis:recompute"), {"since": "2026-04-03", "until": "2026-03-28"})
    assert bad.status_code == 400 and RecomputeJob.objects.count() == 1


@pytest.mark.django_db
def test_only_admins_rebuild(manager):
    with pytest.raises(PermissionDenied):
        services.recompute_job_create(actor=manager, since=date(2026, 1, 1), until=date(2026, 1, 2))


@pytest.mark.django_db
def test_admins_set_costs_with_an_audit_event_and_the_saving_follows(week, admin_user, manager):
    rollups.rollups_recompute(first=WEEK.first, last=WEEK.last)
    costs = services.channel_shift_costs_update(
        actor=admin_user, social="0.50", phone="3.00", face_to_face="9.00"
    )
    assert (costs.social, costs.phone, costs.face_to_face) == (
        Decimal("0.50"), Decimal("3.00"), Decimal("9.00"),
    )  # fmt: skip
    event = Event.objects.get(type="kpis.costs_changed")
    assert event.actor == admin_user
    assert event.data["from"]["phone"] == "2.83" and event.data["to"]["phone"] == "3.00"
    from kpis import dashboards

    scope = sel.kpi_scope_for(user=manager)
    board = dashboards.channel_shift(scope=scope, period=WEEK)
    assert board.table("contacts").rows == [["Answered by a person and resolved", 3]]
    savings = {row[0].split(" ")[0]: row for row in board.table("savings").rows}
    assert savings["Phone"][2:] == [Decimal("9.00"), Decimal("7.50")]  # 3 x 3.00; - 3 x 0.50
    assert savings["Face"][2:] == [Decimal("27.00"), Decimal("25.50")]
    with pytest.raises(PermissionDenied):
        services.channel_shift_costs_update(actor=manager, social=1, phone=1, face_to_face=1)
    with pytest.raises(ValidationError):
        services.channel_shift_costs_update(actor=admin_user, social=-1, phone=1, face_to_face=1)
    assert ChannelShiftCosts.objects.count() == 1


@pytest.mark.django_db
def test_the_costs_form_refuses_nonsense(client, admin_user):
    client.force_login(admin_user)
    bad = client.post(
        reverse("kpis:costs"),
        {"social": "abc", "phone": "-2", "face_to_face": "8", "currency": "£"},
    )
    assert bad.status_code == 400
    assert not ChannelShiftCosts.objects.exists()
    ok = client.post(
        reverse("kpis:costs"),
        {"social": "0.2", "phone": "2.9", "face_to_face": "8.7", "currency": "£"},
    )
    assert ok.status_code == 302 and ChannelShiftCosts.objects.get().phone == Decimal("2.90")


@pytest.mark.django_db
def test_the_weekly_summary_goes_once_to_each_manager(week, manager, admin_user, officer):
    rollups.rollups_recompute(first=date(2026, 3, 21), last=date(2026, 4, 5))
    # Monday 6 April: last week is Monday 30 March to Sunday 5 April.
    assert services.weekly_summaries_send(today=date(2026, 4, 6)).sent == 2
    assert services.weekly_summaries_send(today=date(2026, 4, 6)).sent == 0  # never twice
    assert sorted(m.to[0] for m in mail.outbox) == sorted([manager.email, admin_user.email])
    message = next(m for m in mail.outbox if m.to == [manager.email])
    assert "30 Mar 2026 to 5 Apr 2026" in message.subject
    html = message.alternatives[0][0]
    assert "Response rate" in html and "<table" in html
    assert "Inbound messages" in message.body
    assert WeeklySummary.objects.filter(sent_at__isnull=False).count() == 2
    assert Event.objects.filter(type="kpis.weekly_summary_sent").count() == 2
    assert officer.email not in [m.to[0] for m in mail.outbox]


@pytest.mark.django_db
def test_dashboards_do_not_query_per_channel_or_per_day(client, admin_user, team_a, officer):
    """Ten channels and a month of rollups cost the same queries as one."""

    def queries() -> dict[str, int]:
        counts = {}
        for name in ("overview", "channels", "people", "cover", "engagement", "audience"):
            with CaptureQueriesContext(connection) as ctx:
                assert (
                    client.get(
                        reverse(f"kpis:{name}"), {"start": "2026-03-01", "end": "2026-03-31"}
                    ).status_code
                    == 200
                )
            counts[name] = len(ctx.captured_queries)
        return counts

    client.force_login(admin_user)
    one = ChannelFactory(covered_by=[team_a])
    story = Story(one)
    conv = story.conversation()
    story.inbound(conv, london(2026, 3, 10, 10))
    story.reply(conv, london(2026, 3, 10, 11), by=officer)
    rollups.rollups_recompute(first=date(2026, 3, 1), last=date(2026, 3, 31))
    before = queries()
    for _ in range(9):
        channel = ChannelFactory(covered_by=[team_a])
        s = Story(channel)
        for day in range(1, 29):
            c = s.conversation()
            s.inbound(c, london(2026, 3, day, 9))
            s.reply(c, london(2026, 3, day, 9, 30), by=officer)
    rollups.rollups_recompute(first=date(2026, 3, 1), last=date(2026, 3, 31))
    assert queries() == before


@pytest.mark.django_db
def test_a_failed_summary_is_sent_by_a_later_retry(week, manager, monkeypatch):
    rollups.rollups_recompute(first=date(2026, 3, 21), last=date(2026, 4, 5))

    def broken(self, *args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    with monkeypatch.context() as patch:
        patch.setattr("django.core.mail.EmailMultiAlternatives.send", broken)
        run = services.weekly_summaries_send(today=date(2026, 4, 6))
    assert (run.sent, run.failed) == (0, 1) and not mail.outbox
    assert services.weekly_summaries_send(today=date(2026, 4, 6)).sent == 0  # claim still fresh
    WeeklySummary.objects.update(created_at=london(2026, 4, 6, 7, 0))  # 15 minutes pass
    assert services.weekly_summaries_send(today=date(2026, 4, 6)).sent == 1
    assert [m.to for m in mail.outbox] == [[manager.email]]
