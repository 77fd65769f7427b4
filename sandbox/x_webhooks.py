"""X's Account Activity API (v2): register a webhook URL, re-check it, and
subscribe an account to it.

- ``POST /2/webhooks`` ``{"url"}`` (app bearer token): X sends the CRC GET to
  the URL at once and registers it only if the answer is right;
- ``GET /2/webhooks``: the app's webhooks with ``valid``;
- ``PUT /2/webhooks/:id``: a new CRC check (``valid`` follows its result);
- ``DELETE /2/webhooks/:id``;
- ``POST|GET /2/account_activity/webhooks/:id/subscriptions/all`` (user
  context): subscribe the calling account, or ask whether it is.

The CRC uses the app's consumer secret (``XStore.consumer_secret``, the
sandbox's ``--webhook-secret``). Registrations and subscriptions are recorded
in the outbox (``webhook_register``, ``webhook_subscribe``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.clock import format_x_time
from sandbox.router import ApiError, Request, Response
from sandbox.webhooks import WebhookError, check_crc
from sandbox.x_auth import require_user
from sandbox.x_errors import problem

if TYPE_CHECKING:
    from sandbox.state import SandboxState

MAX_WEBHOOKS = 1  # per app on the self-serve tiers
WID = r"(?P<webhook_id>\d+)"


def _crc(state: SandboxState, url: str) -> dict[str, Any]:
    # Outside the lock: the app answers the CRC over HTTP, maybe slowly.
    try:
        return check_crc(url, secret=state.x.consumer_secret, timeout=5.0)
    except WebhookError as exc:
        return {"valid": False, "error": str(exc)}


def _invalid(detail: str) -> ApiError:
    return ApiError(400, problem(400, "Invalid Request", detail))


def register(state: SandboxState, req: Request) -> Response:
    body = req.json_object() if req.body else {}
    url = str(body.get("url") or req.arg("url") or "")
    if not url.startswith(("http://", "https://")):
        raise _invalid("The url must be an absolute http(s) URL.")
    with state.lock:
        if any(w["url"] == url for w in state.x.webhooks.values()):
            raise _invalid("DuplicateUrlFailed: this URL is already registered.")
        if len(state.x.webhooks) >= MAX_WEBHOOKS:
            raise _invalid("TooManyWebhooks: the app already has its webhook; delete it first.")
    result = _crc(state, url)
    if not result.get("valid"):
        raise _invalid(
            f"CrcValidationFailed: the CRC check of {url} failed "
            f"(status {result.get('status')}{', ' + result['error'] if result.get('error') else ''})."
        )
    with state.lock:
        webhook: dict[str, Any] = {
            "id": state.ids.next(state.now()),
            "url": url,
            "valid": True,
            "created_at": format_x_time(state.now()),
        }
        state.x.webhooks[webhook["id"]] = webhook
        state.outbox.record(
            network="x",
            kind="webhook_register",
            account_id="",
            target=url,
            result_id=webhook["id"],
        )
    return Response(200, {"data": dict(webhook)})


def listing(state: SandboxState, req: Request) -> Response:
    with state.lock:
        data = [dict(w) for w in state.x.webhooks.values()]
    return Response(200, {"data": data, "meta": {"result_count": len(data)}})


def _webhook(state: SandboxState, webhook_id: str) -> dict[str, Any]:
    found = state.x.webhooks.get(webhook_id)
    if found is None:
        raise ApiError(
            404, problem(404, "Not Found Error", f"Could not find webhook with id: [{webhook_id}]")
        )
    return found


def revalidate(state: SandboxState, req: Request, webhook_id: str) -> Response:
    with state.lock:
        url = _webhook(state, webhook_id)["url"]
    valid = bool(_crc(state, url).get("valid"))
    with state.lock:
        _webhook(state, webhook_id)["valid"] = valid
    return Response(200, {"data": {"attempted": True}})


def delete(state: SandboxState, req: Request, webhook_id: str) -> Response:
    with state.lock:
        _webhook(state, webhook_id)
        del state.x.webhooks[webhook_id]
        state.x.subscriptions = {s for s in state.x.subscriptions if s[0] != webhook_id}
    return Response(200, {"data": {"deleted": True}})


def subscribe(state: SandboxState, req: Request, webhook_id: str) -> Response:
    account_id = require_user(req)
    with state.lock:
        webhook = _webhook(state, webhook_id)
        if not webhook["valid"]:
            raise _invalid("The webhook failed its last CRC check; re-validate it first.")
        if (webhook_id, account_id) not in state.x.subscriptions:
            state.x.subscriptions.add((webhook_id, account_id))
            state.outbox.record(
                network="x",
                kind="webhook_subscribe",
                account_id=account_id,
                target=webhook_id,
                result_id=webhook_id,
            )
    return Response(200, {"data": {"subscribed": True}})


def subscription(state: SandboxState, req: Request, webhook_id: str) -> Response:
    account_id = require_user(req)
    with state.lock:
        _webhook(state, webhook_id)
        subscribed = (webhook_id, account_id) in state.x.subscriptions
    return Response(200, {"data": {"subscribed": subscribed}})


def add_routes(add: Any) -> None:
    add("POST", r"/2/webhooks", register, "webhooks_register")
    add("GET", r"/2/webhooks", listing, "webhooks_list")
    add("PUT", rf"/2/webhooks/{WID}", revalidate, "webhooks_revalidate")
    add("DELETE", rf"/2/webhooks/{WID}", delete, "webhooks_delete")
    sub = rf"/2/account_activity/webhooks/{WID}/subscriptions/all"
    add("POST", sub, subscribe, "webhooks_subscribe")
    add("GET", sub, subscription, "webhooks_subscription")
