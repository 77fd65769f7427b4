"""KPI dashboards, CSV exports, channel-shift costs and rollup rebuilds.

Managers and admins see the team dashboards for the channels they cover;
officers get their own figures and a 403 on the team dashboards. Each view
validates, calls one selector or service, renders."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts import access
from accounts.http import AuthedRequest
from kpis import dashboards, services
from kpis import selectors as sel
from kpis.dashboards import Dashboard, Table
from kpis.forms import CostsForm, KpiFilterForm, PeriodForm, RecomputeForm
from kpis.models import RecomputeJob
from socialdesk.csv_export import csv_response

TEAM_DASHBOARDS = ("overview", "channels", "people", "engagement", "audience", "cover", "shift")


def _charts(board: Dashboard) -> list[dict[str, Any]]:
    """Every chart with its DOM id and data, for json_script blocks."""
    out = []
    for table in board.tables:
        for i, chart in enumerate(table.charts):
            out.append(
                {
                    "id": f"chart-{table.slug}-{i}",
                    "table": table,
                    "chart": chart,
                    "data": chart.data(table),
                }
            )
    return out


def _context(request: AuthedRequest, name: str, **extra) -> dict[str, Any]:
    return {
        "section": name,
        "is_admin": access.is_admin(request.user),
        "is_manager": sel.can_see_team_dashboards(request.user),
        "query": request.GET.urlencode(),
        "zone": sel.zone_name(),
        **extra,
    }


def _filtered(request: AuthedRequest) -> tuple[KpiFilterForm, sel.Scope | None, sel.Period | None]:
    form = KpiFilterForm(request.GET or None, user=request.user, today=sel.today_local())
    if request.GET and not form.is_valid():
        return form, None, None
    data = form.cleaned_data if request.GET else {}
    period = data.get("period") or sel.period_default(today=sel.today_local())
    scope = sel.kpi_scope_for(user=request.user, channel=data.get("channel"), team=data.get("team"))
    return form, scope, period


@login_required
@require_GET
def index(request: AuthedRequest) -> HttpResponse:
    if sel.can_see_team_dashboards(request.user):
        return redirect("kpis:overview")
    return redirect("kpis:me")


@login_required
@require_GET
def dashboard(request: AuthedRequest, name: str) -> HttpResponse:
    if name not in TEAM_DASHBOARDS:
        raise Http404
    form, scope, period = _filtered(request)  # raises PermissionDenied for officers
    if scope is None or period is None:
        return render(
            request, "kpis/dashboard.html", _context(request, name, form=form), status=400
        )
    board = dashboards.dashboard_build(name, user=request.user, scope=scope, period=period)
    return render(
        request,
        "kpis/dashboard.html",
        _context(
            request, name, form=form, board=board, scope=scope, period=period, charts=_charts(board)
        ),
    )


@login_required
@require_GET
def my_figures(request: AuthedRequest) -> HttpResponse:
    if access.role_of(request.user) is None:
        raise PermissionDenied("You are not in a team yet.")
    form = PeriodForm(request.GET or None, today=sel.today_local())
    if request.GET and not form.is_valid():
        return render(
            request, "kpis/dashboard.html", _context(request, "me", form=form), status=400
        )
    period = (
        form.cleaned_data["period"] if request.GET else sel.period_default(today=sel.today_local())
    )
    board = dashboards.my_figures(user=request.user, period=period)
    return render(
        request,
        "kpis/dashboard.html",
        _context(request, "me", form=form, board=board, period=period, charts=_charts(board)),
    )


# --- CSV ---------------------------------------------------------------------------------


_CENTS = Decimal("0.01")
_TENTH = Decimal("0.1")


def _csv_value(value: Any, kind: str) -> Any:
    """Figures as Decimals (written as numbers, a negative one too); text
    goes to the shared writer, which neutralises formulas."""
    if value is None:
        return ""
    if kind == "duration":
        return (Decimal(value) / 60).quantize(_CENTS)
    if kind == "share":
        return (100 * Decimal(value)).quantize(_TENTH)
    if isinstance(value, Decimal):
        return value.quantize(_CENTS)
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _csv_label(column) -> str:
    if column.kind == "duration":
        return f"{column.label} (minutes)"
    if column.kind == "share":
        return f"{column.label} (%)"
    return column.label


def table_csv_response(table: Table, filename: str) -> StreamingHttpResponse:
    rows = [[_csv_label(c) for c in table.columns]] + [
        [_csv_value(v, c.kind) for v, c in zip(row, table.columns, strict=True)]
        for row in table.rows
    ]
    return csv_response(rows, filename=filename)


@login_required
@require_GET
def export_csv(request: AuthedRequest, name: str, table: str) -> HttpResponseBase:
    if name == "me":
        form = PeriodForm(request.GET or None, today=sel.today_local())
        if request.GET and not form.is_valid():
            return HttpResponse("Invalid filters.", status=400, content_type="text/plain")
        period = (
            form.cleaned_data["period"]
            if request.GET
            else sel.period_default(today=sel.today_local())
        )
        board = dashboards.my_figures(user=request.user, period=period)
    elif name in TEAM_DASHBOARDS:
        form, scope, period = _filtered(request)
        if scope is None or period is None:
            return HttpResponse(
                "Invalid filters: " + "; ".join(str(m) for ms in form.errors.values() for m in ms),
                status=400,
                content_type="text/plain",
            )
        board = dashboards.dashboard_build(name, user=request.user, scope=scope, period=period)
    else:
        raise Http404
    found = board.table(table)
    if found is None:
        raise Http404
    return table_csv_response(found, f"socialdesk-{name}-{table}-{period.first}-{period.last}.csv")


# --- channel shift costs ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def costs_edit(request: AuthedRequest) -> HttpResponse:
    if not access.is_admin(request.user):
        raise PermissionDenied("Only admins set the channel-shift costs.")
    costs = sel.channel_shift_costs()
    form = CostsForm(
        request.POST or None,
        initial={
            "social": costs.social,
            "phone": costs.phone,
            "face_to_face": costs.face_to_face,
            "currency": costs.currency,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.channel_shift_costs_update(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Costs saved. Savings on the dashboard are estimates.")
            return redirect("kpis:shift")
    status = 400 if request.method == "POST" else 200
    return render(request, "kpis/costs.html", _context(request, "shift", form=form), status=status)


# --- rebuilding -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def recompute(request: AuthedRequest) -> HttpResponse:
    if not access.is_admin(request.user):
        raise PermissionDenied("Only admins rebuild the figures.")
    form = RecomputeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.recompute_job_create(
                actor=request.user,
                since=form.cleaned_data["since"],
                until=form.cleaned_data["until"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("kpis:job", pk=job.pk)
    jobs = RecomputeJob.objects.select_related("requested_by")[:10]
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "kpis/recompute.html",
        _context(request, "rebuild", form=form, jobs=jobs),
        status=status,
    )


@login_required
@require_GET
def recompute_job(request: AuthedRequest, pk: int) -> HttpResponse:
    try:
        job = sel.recompute_job_get(user=request.user, pk=pk)
    except RecomputeJob.DoesNotExist as exc:
        raise Http404 from exc
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "kpis/_job.html", {"job": job})
    return render(
        request,
        "kpis/job.html",
        _context(request, "rebuild", job=job, back=reverse("kpis:recompute")),
    )
