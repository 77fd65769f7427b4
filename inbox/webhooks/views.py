"""Webhook endpoints: one per network, no session, no CSRF (signed instead).

A POST is checked against the raw body in constant time; a bad or missing
signature gets 403 and nothing is stored. A good one is stored first and
answered 200 at once; processing happens in a task.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from inbox.models import Network
from inbox.webhooks import signatures
from inbox.webhooks.services import webhook_delivery_store, webhook_processing_wake

log = logging.getLogger(__name__)


def _refused(reason: str) -> HttpResponse:
    # Say nothing useful to a caller who cannot sign: just 403.
    log.warning("webhook refused: %s", reason)
    return HttpResponse("Forbidden", status=403, content_type="text/plain")


def _accept(request: HttpRequest, network: str) -> HttpResponse:
    webhook_delivery_store(network=network, body=request.body, headers=dict(request.headers))
    _enqueue_processing()
    return HttpResponse("OK", status=200, content_type="text/plain")


def _enqueue_processing() -> None:
    # Best effort: if the broker is down the delivery is stored and the
    # sweeper (inbox.tasks.sweep_webhook_deliveries) will run it.
    webhook_processing_wake()


@csrf_exempt
@require_http_methods(["GET", "POST"])
def x_webhook(request: HttpRequest) -> HttpResponse:
    secret = settings.X_CONSUMER_SECRET
    if not secret:
        return _refused("X_CONSUMER_SECRET is not set")
    if request.method == "GET":
        token = request.GET.get("crc_token", "")
        if not token:
            return HttpResponseBadRequest("crc_token is required", content_type="text/plain")
        return JsonResponse({"response_token": signatures.x_crc_response_token(secret, token)})
    given = request.headers.get("x-twitter-webhooks-signature")
    if not signatures.x_signature_valid(secret, request.body, given):
        return _refused("bad or missing x-twitter-webhooks-signature")
    return _accept(request, Network.X)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def facebook_webhook(request: HttpRequest) -> HttpResponse:
    secret = settings.FACEBOOK_APP_SECRET
    if request.method == "GET":
        expected = settings.FACEBOOK_VERIFY_TOKEN
        given = request.GET.get("hub.verify_token", "")
        if (
            request.GET.get("hub.mode") != "subscribe"
            or not expected
            or not signatures.constant_time_equal(expected, given)
        ):
            return _refused("bad hub.verify_token")
        return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
    if not secret:
        return _refused("FACEBOOK_APP_SECRET is not set")
    signature = request.headers.get("X-Hub-Signature-256")
    if not signatures.meta_signature_valid(secret, request.body, signature):
        return _refused("bad or missing X-Hub-Signature-256")
    return _accept(request, Network.FACEBOOK)
