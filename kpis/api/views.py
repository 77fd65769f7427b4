"""The KPI API: the dashboards' numbers with the same filters and the same
access rule (managers: their teams' channels; admins: all; officers: only
``/me/``, 403 elsewhere). Durations are seconds, shares are 0-1."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.http import AuthedApiRequest
from kpis import dashboards
from kpis import selectors as sel
from kpis.api import serializers as s
from kpis.forms import KpiFilterForm, PeriodForm


def _tables(board: dashboards.Dashboard) -> list[dict[str, Any]]:
    return [
        {
            "slug": t.slug,
            "title": t.title,
            "note": t.note,
            "columns": [{"label": c.label, "kind": c.kind} for c in t.columns],
            "rows": t.rows,
        }
        for t in board.tables
    ]


def _valid(form) -> dict[str, Any]:
    if not form.is_valid():
        raise ValidationError(form.errors.get_json_data())
    return form.cleaned_data


class KpiDashboardApi(APIView):
    # One subclass per dashboard; ``dashboard`` names it.
    dashboard = "overview"

    def scope_and_period(self, request: AuthedApiRequest) -> tuple[sel.Scope, sel.Period]:
        form = KpiFilterForm(request.query_params, user=request.user, today=sel.today_local())
        data = _valid(form)
        scope = sel.kpi_scope_for(
            user=request.user, channel=data.get("channel"), team=data.get("team")
        )
        return scope, data["period"]

    def payload(
        self, request: AuthedApiRequest, scope: sel.Scope, period: sel.Period
    ) -> dict[str, Any]:
        board = dashboards.dashboard_build(
            self.dashboard, user=request.user, scope=scope, period=period
        )
        return {
            "dashboard": self.dashboard,
            "period": {"first": period.first, "last": period.last},
            "channels": scope.channel_ids,
            "tables": _tables(board),
        }

    def get(self, request: AuthedApiRequest) -> Response:
        scope, period = self.scope_and_period(request)
        return Response(self.payload(request, scope, period))


def _schema(name: str, out=s.DashboardOut):
    return extend_schema(
        operation_id=f"kpis_{name}",
        parameters=[s.KpiFilterIn],
        responses={200: out},
        summary=f"KPI dashboard: {name}",
    )


class KpiOverviewApi(KpiDashboardApi):
    dashboard = "overview"

    @_schema("overview", s.OverviewOut)
    def get(self, request: AuthedApiRequest) -> Response:
        scope, period = self.scope_and_period(request)
        data = self.payload(request, scope, period)
        previous = period.previous()
        data["previous_period"] = {"first": previous.first, "last": previous.last}
        data["summary"] = sel.summary_from_rollups(
            channel_ids=scope.channel_ids, period=period
        ).as_dict()
        data["previous"] = sel.summary_from_rollups(
            channel_ids=scope.channel_ids, period=previous
        ).as_dict()
        return Response(data)


class KpiChannelsApi(KpiDashboardApi):
    dashboard = "channels"

    @_schema("channels")
    def get(self, request: AuthedApiRequest) -> Response:
        return super().get(request)


class KpiPeopleApi(KpiDashboardApi):
    dashboard = "people"

    @_schema("people")
    def get(self, request: AuthedApiRequest) -> Response:
        return super().get(request)


class KpiEngagementApi(KpiDashboardApi):
    dashboard = "engagement"

    @_schema("engagement")
    def get(self, request: AuthedApiRequest) -> Response:
        return super().get(request)


class KpiAudienceApi(KpiDashboardApi):
    dashboard = "audience"

    @_schema("audience")
    def get(self, request: AuthedApiRequest) -> Response:
        return super().get(request)


class KpiCoverApi(KpiDashboardApi):
    dashboard = "cover"

    @_schema("cover")
    def get(self, request: AuthedApiRequest) -> Response:
        return super().get(request)


class KpiChannelShiftApi(KpiDashboardApi):
    dashboard = "shift"

    @_schema("channel_shift")
    def get(self, request: AuthedApiRequest) -> Response:
        return super().get(request)


class KpiMyFiguresApi(APIView):
    @extend_schema(
        operation_id="kpis_me",
        parameters=[s.PeriodIn],
        responses={200: s.DashboardOut},
        summary="My own figures (any member of staff)",
    )
    def get(self, request: AuthedApiRequest) -> Response:
        data = _valid(PeriodForm(request.query_params, today=sel.today_local()))
        period = data["period"]
        board = dashboards.my_figures(user=request.user, period=period)
        return Response(
            {
                "dashboard": "me",
                "period": {"first": period.first, "last": period.last},
                "channels": [],
                "tables": _tables(board),
            }
        )
