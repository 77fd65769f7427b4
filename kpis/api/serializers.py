"""Explicit input and output serializers for the KPI API: shapes only."""

from __future__ import annotations

from rest_framework import serializers


class KpiFilterIn(serializers.Serializer):
    start = serializers.DateField(required=False, help_text="First day (default: 30 days ago).")
    end = serializers.DateField(required=False, help_text="Last day (default: today).")
    channel = serializers.IntegerField(required=False, help_text="One channel you cover.")
    team = serializers.IntegerField(required=False, help_text="One of your teams.")


class PeriodIn(serializers.Serializer):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)


class PeriodOut(serializers.Serializer):
    first = serializers.DateField()
    last = serializers.DateField()


class ColumnOut(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label
    kind = serializers.CharField(
        help_text="int, duration (seconds), share (0-1), money, date, datetime, link (a URL) or text"
    )


class TableOut(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    columns = ColumnOut(many=True)
    rows = serializers.ListField(child=serializers.ListField(child=serializers.JSONField()))
    note = serializers.CharField()


class StatsOut(serializers.Serializer):
    count = serializers.IntegerField()
    median_seconds = serializers.FloatField(allow_null=True)
    p90_seconds = serializers.FloatField(allow_null=True)
    mean_seconds = serializers.FloatField(allow_null=True)
    within_30 = serializers.IntegerField()
    within_60 = serializers.IntegerField()
    within_30_share = serializers.FloatField(allow_null=True)
    within_60_share = serializers.FloatField(allow_null=True)


class SummaryOut(serializers.Serializer):
    inbound = serializers.IntegerField()
    cycles = serializers.IntegerField(help_text="Conversations started or reopened")
    answered = serializers.IntegerField()
    liked = serializers.IntegerField(help_text="Acknowledged with a like (counted apart)")
    no_reply_needed = serializers.IntegerField(help_text="Closed as no reply needed (apart)")
    closed_unanswered = serializers.IntegerField()
    awaiting = serializers.IntegerField()
    needing_answer = serializers.IntegerField()
    response_rate = serializers.FloatField(allow_null=True)
    auto_acknowledged = serializers.IntegerField()
    resolved = serializers.IntegerField()
    resolved_after_answer = serializers.IntegerField()
    replies_human = serializers.IntegerField()
    replies_automated = serializers.IntegerField()
    escalations = serializers.IntegerField()
    frt_calendar = StatsOut()
    frt_staffed = StatsOut()
    resolution_calendar = StatsOut()
    resolution_staffed = StatsOut()
    escalation_ack = StatsOut()


class DashboardOut(serializers.Serializer):
    dashboard = serializers.CharField()
    period = PeriodOut()
    channels = serializers.ListField(child=serializers.IntegerField())
    tables = TableOut(many=True)


class OverviewOut(DashboardOut):
    previous_period = PeriodOut()
    summary = SummaryOut()
    previous = SummaryOut()
