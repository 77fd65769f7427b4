"""Health and metrics endpoints. Thin: each calls one module and renders."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from accounts import access
from ops import health
from ops.heartbeat import heartbeats_get
from ops.metrics import metrics_registry
from ops.metrics_access import metrics_request_allowed
from ops.version import version


@never_cache
@require_GET
def live(request):
    """The process is up and answering; touches nothing else."""
    return JsonResponse({"status": "ok", "version": version()})


@never_cache
@require_GET
def ready(request):
    """ok/failing per check name and nothing more: it answers anyone."""
    results = health.readiness_run()
    ok = all(result.ok for result in results)
    body = {
        "status": "ok" if ok else "failing",
        "checks": {result.name: "ok" if result.ok else "failing" for result in results},
    }
    return JsonResponse(body, status=200 if ok else 503)


@never_cache
@login_required
def health_page(request):
    if not access.is_admin(request.user):
        raise PermissionDenied("The service health page is for admins.")
    results = health.readiness_run()
    return render(
        request,
        "ops/health.html",
        {
            "results": results,
            "ok": all(result.ok for result in results),
            "heartbeats": sorted(heartbeats_get().values(), key=lambda b: b.name),
            "version": version(),
        },
    )


@never_cache
@require_GET
def metrics(request):
    if not metrics_request_allowed(request):
        response = HttpResponse("Unauthorized\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(metrics_registry()), content_type=CONTENT_TYPE_LATEST)
