"""The audit page: who did what, when, from where; CSV and JSON exports."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts import access
from audit.forms import AuditFilterForm
from audit.selectors import events_for_auditor, people_for_auditor
from events.services import event_record
from socialdesk.csv_export import csv_response

EXPORT_LIMIT = 100_000


def _filtered(request):
    if not access.overseen_team_ids(request.user):
        raise PermissionDenied("The audit log is for managers, auditors and admins.")
    form = AuditFilterForm(
        request.GET or None,
        channels=access.channels_overseen_by(request.user),
        people=people_for_auditor(user=request.user),
    )
    filters = {}
    if form.is_valid():
        data = form.cleaned_data
        tz = timezone.get_current_timezone()
        filters = {
            "person": data["person"],
            "channel_id": data["channel"],
            "type_prefix": data["type"],
            "start": datetime.combine(data["start"], time.min, tz) if data["start"] else None,
            "end": datetime.combine(data["end"], time.min, tz) if data["end"] else None,
        }
    return form, filters, events_for_auditor(user=request.user, **filters)


@login_required
def audit_log(request):
    form, _filters, events = _filtered(request)
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    return render(
        request, "audit/log.html", {"form": form, "page": page, "query": request.GET.urlencode()}
    )


def _row(event) -> dict:
    return {
        "id": event.pk,
        "at_utc": event.at.astimezone(UTC).isoformat(),
        "type": event.type,
        "actor": event.actor_label,
        "actor_id": event.actor_id,
        "ip": (event.data or {}).get("ip", ""),
        "target": (event.data or {}).get("target", ""),
        "channel": event.channel.name if event.channel_id else "",
        "conversation": event.conversation_id,
        "message": event.message_id,
        "data": event.data,
    }


@login_required
def audit_export(request, fmt: str):
    _form, filters, events = _filtered(request)
    event_record(
        type="audit.exported",
        actor=request.user,
        data={
            "target": "audit-log",
            "format": fmt,
            "filters": {k: str(v) for k, v in filters.items() if v},
        },
    )
    rows = (_row(e) for e in events[:EXPORT_LIMIT].iterator(chunk_size=2000))
    filename = f"socialdesk-audit.{fmt}"
    if fmt != "json":
        return csv_response(_csv_rows(rows), filename=filename)
    body = json.dumps(list(rows), cls=DjangoJSONEncoder, indent=1)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


CSV_FIELDS = (
    "id",
    "at_utc",
    "type",
    "actor",
    "actor_id",
    "ip",
    "target",
    "channel",
    "conversation",
    "message",
    "data",
)


def _csv_rows(rows):
    yield CSV_FIELDS
    for row in rows:
        row["data"] = json.dumps(row["data"], cls=DjangoJSONEncoder)
        yield [row[f] for f in CSV_FIELDS]
