"""The control API under /_sandbox/: reset, seed, inject, outbox, faults, clock, limits.

JSON in and out, no auth. It is only served to loopback clients unless the
server was started with allow_remote_control, because anyone who can reach
it can rewrite the sandbox world.
"""

from __future__ import annotations

import html
import ipaddress
from typing import TYPE_CHECKING

from sandbox import (
    bsky_inject,
    fb_inject,
    fb_webhooks,
    ig_inject,
    masto_inject,
    oidc_control,
    webhooks,
)
from sandbox.clock import parse_time
from sandbox.faults import FaultSpecError
from sandbox.inject_spec import parse_when
from sandbox.ratelimit import LimitSpecError
from sandbox.router import ApiError, BodyError, Request, Response, Router
from sandbox.scenarios import SCENARIOS, ScenarioError
from sandbox.x_inject import InjectError, inject, user_item
from sandbox.x_models import follower_count, unit

if TYPE_CHECKING:
    from sandbox.app import SandboxApp


class ControlError(ValueError):
    """A control request that cannot be honoured (answered 400)."""


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return address in ("", "localhost")


class ControlApi:
    def __init__(self, app: SandboxApp) -> None:
        self.app = app
        self.state = app.state
        r = self.router = Router()
        r.add("GET", r"/?", self.index)
        r.add("POST", r"/reset", self.reset)
        r.add("POST", r"/seed", self.seed)
        r.add("GET", r"/state", self.summary)
        r.add("GET", r"/x/accounts", self.list_accounts)
        r.add("POST", r"/x/accounts", self.add_account)
        r.add("GET", r"/x/users", self.list_users)
        r.add("POST", r"/x/inject", self.inject)
        r.add("GET", r"/outbox", self.outbox)
        r.add("POST", r"/outbox/clear", self.outbox_clear)
        r.add("GET", r"/faults", self.faults_list)
        r.add("POST", r"/faults", self.faults_add)
        r.add("DELETE", r"/faults", self.faults_clear)
        r.add("GET", r"/clock", self.clock)
        r.add("POST", r"/clock", self.clock_set)
        r.add("GET", r"/limits", self.limits)
        r.add("POST", r"/limits", self.limits_set)
        r.add("POST", r"/webhooks/fire", self.webhook_fire)
        r.add("POST", r"/webhooks/crc", self.webhook_crc)
        r.add("GET", r"/avatars/(?P<user_id>\d+)\.svg", self.avatar)
        # Facebook (Graph API under /fb): Pages, posts, inbound comments and Messenger.
        r.add("GET", r"/fb/pages", self.fb_pages)
        r.add("POST", r"/fb/pages", self.fb_add_page)
        r.add("POST", r"/fb/posts", self.fb_add_post)
        r.add("POST", r"/fb/inject", self.fb_inject)
        r.add("POST", r"/webhooks/verify", self.webhook_verify)
        # An account's or Page's profile, as its owner would edit it on the network.
        r.add("POST", r"/profile", self.profile_set)
        # OpenID Connect provider (under /oidc): people, clients, spoiled tokens.
        oidc_control.register(r, self.state)
        # Mastodon (client API under /masto): our accounts, the instance, inbound statuses.
        masto_inject.register(r, self.state)
        # Bluesky (XRPC under /bsky): accounts, own posts, inbound posts and chat.
        bsky_inject.register(r, self.state)
        # Instagram (Graph API under /fb, through a linked Page): accounts, media, inbound.
        ig_inject.register(r, self.state, self.app)

    def handle(self, req: Request) -> Response:
        if not self.app.allow_remote_control and not _is_loopback(req.client):
            return Response(403, {"error": "the control API only answers loopback clients"})
        path = req.path[len("/_sandbox") :] or "/"
        match = self.router.match(req.method, path)
        if match is None:
            allowed = self.router.allowed_methods(path)
            status = 405 if allowed else 404
            return Response(
                status,
                {"error": f"no control endpoint {req.method} {req.path}", "allowed": allowed},
            )
        try:
            return match.route.handler(req, **match.params)
        except ApiError as exc:
            return exc.to_response()
        except (
            ControlError,
            BodyError,
            FaultSpecError,
            LimitSpecError,
            InjectError,
            fb_inject.FbInjectError,
            ig_inject.IgInjectError,
            masto_inject.MastoInjectError,
            bsky_inject.BskyInjectError,
            ScenarioError,
            webhooks.WebhookError,
        ) as exc:
            return Response(400, {"error": str(exc)})
        except (TypeError, ValueError, KeyError) as exc:
            return Response(400, {"error": f"bad request: {exc!s}"})

    # -- world ---------------------------------------------------------------

    def index(self, req: Request) -> Response:
        endpoints = sorted({f"{r.method} /_sandbox{r.pattern.pattern}" for r in self.router.routes})
        return Response(
            200, {**self.app.index(), "endpoints": endpoints, "scenarios": sorted(SCENARIOS)}
        )

    def reset(self, req: Request) -> Response:
        body = req.json_object()
        self.state.reset(keep_clock=bool(body.get("keep_clock", False)))
        created = self.state.seed(str(body["scenario"])) if body.get("scenario") else None
        return Response(200, {"reset": True, "created": created, "state": self.state.summary()})

    def seed(self, req: Request) -> Response:
        body = req.json_object()
        scenario = str(body.get("scenario") or req.arg("scenario") or "")
        created = self.state.seed(scenario)
        return Response(
            200, {"scenario": scenario, "created": created, "state": self.state.summary()}
        )

    def summary(self, req: Request) -> Response:
        return Response(200, self.state.summary())

    def list_accounts(self, req: Request) -> Response:
        with self.state.lock:
            now = self.state.now()
            accounts = [
                {
                    **user_item(u),
                    "followers_count": follower_count(u, now),
                    "base_followers_count": u.followers_count,
                }
                for u in self.state.x.accounts()
            ]
        return Response(200, {"accounts": accounts})

    def add_account(self, req: Request) -> Response:
        body = req.json_object()
        if not str(body.get("id", "")).isdigit() or not body.get("username"):
            raise ControlError("an account needs a numeric string `id` and a `username`")
        user = self.state.x.add_user(
            id=str(body["id"]),
            username=str(body["username"]).lstrip("@"),
            name=str(body.get("name") or body["username"]),
            followers_count=int(body.get("followers_count", 0)),
            verified=bool(body.get("verified", False)),
            description=str(body.get("description", "")),
            is_org=True,
        )
        return Response(201, {"account": user_item(user)})

    def list_users(self, req: Request) -> Response:
        kind = req.arg("kind")
        with self.state.lock:
            users = self.state.x.users.values()
            items = [
                {**user_item(u), "is_org": u.is_org}
                for u in users
                if kind is None or (kind == "account") == u.is_org
            ]
        return Response(200, {"users": items})

    def inject(self, req: Request) -> Response:
        body = req.json_object()
        items = inject(self.state, body)
        if body.get("fire_webhook"):
            url = body.get("webhook_url") or self.app.webhook_url
            secret = str(body.get("consumer_secret") or self.app.webhook_secret)
            for item in items:
                payload = webhooks.payload_for_event(self.state, item["id"], item["account_id"])
                item["webhook"] = webhooks.fire(url, payload, secret=secret)
        return Response(201, {"items": items, "count": len(items)})

    # -- outbox, faults, clock -------------------------------------------------

    def outbox(self, req: Request) -> Response:
        items = self.state.outbox.list(
            network=req.arg("network"),
            kind=req.arg("kind"),
            account_id=req.arg("account_id"),
            since_seq=int(req.arg("since_seq") or 0),
        )
        return Response(200, {"items": items, "count": len(items)})

    def outbox_clear(self, req: Request) -> Response:
        return Response(200, {"cleared": self.state.outbox.clear()})

    def faults_list(self, req: Request) -> Response:
        return Response(200, {"faults": self.state.faults.list()})

    def faults_add(self, req: Request) -> Response:
        body = req.json()
        specs = body.get("rules") if isinstance(body, dict) and "rules" in body else body
        specs = specs if isinstance(specs, list) else [specs]
        created = [self.state.faults.add(spec).to_dict() for spec in specs]
        return Response(201, {"faults": created})

    def faults_clear(self, req: Request) -> Response:
        return Response(200, {"cleared": self.state.faults.clear()})

    def clock(self, req: Request) -> Response:
        return Response(200, self.state.clock.snapshot())

    def clock_set(self, req: Request) -> Response:
        body = req.json_object()
        clock = self.state.clock
        with self.state.lock:
            if body.get("reset"):
                clock.reset()
            if body.get("now"):
                frozen = body.get("frozen")
                clock.set(
                    parse_time(str(body["now"])), frozen=None if frozen is None else bool(frozen)
                )
            elif "frozen" in body:
                clock.freeze(bool(body["frozen"]))
            if body.get("advance_seconds"):
                clock.advance(float(body["advance_seconds"]))
            return Response(200, clock.snapshot())

    def limits(self, req: Request) -> Response:
        """The rate limits in force, the window length, and how many calls each
        endpoint has had refused (429 / code 32) since the last reset."""
        return Response(200, self.state.ratelimits.snapshot())

    def limits_set(self, req: Request) -> Response:
        """``{"x_write": 50, "window_seconds": 5}``: lower (or raise) limits;
        ``/_sandbox/reset`` puts the defaults back."""
        return Response(200, self.state.ratelimits.configure(req.json_object()))

    # -- webhooks ----------------------------------------------------------------

    def webhook_fire(self, req: Request) -> Response:
        body = req.json_object()
        network = body.get("network", "x")
        if network in ("fb", "facebook", "ig", "instagram"):
            return self._fb_webhook_fire(body, instagram=network in ("ig", "instagram"))
        if network != "x":
            raise ControlError("network must be 'x', 'fb' or 'ig'")
        if "payload" in body:
            payload = body["payload"]
        elif body.get("for_event"):
            payload = webhooks.payload_for_event(
                self.state, str(body["for_event"]), body.get("for_user_id")
            )
        else:
            raise ControlError("give `payload` or `for_event`")
        deliveries = webhooks.fire(
            body.get("url") or self.app.webhook_url,
            payload,
            secret=str(body.get("consumer_secret") or self.app.webhook_secret),
            signature=str(body.get("signature", "valid")),
            repeat=int(body.get("repeat", 1)),
        )
        return Response(
            200,
            {"status": deliveries[0].get("status"), "deliveries": deliveries, "payload": payload},
        )

    def webhook_crc(self, req: Request) -> Response:
        body = req.json_object()
        result = webhooks.check_crc(
            body.get("url") or self.app.webhook_url,
            secret=str(body.get("consumer_secret") or self.app.webhook_secret),
            crc_token=body.get("crc_token"),
        )
        return Response(200, result)

    def avatar(self, req: Request, user_id: str) -> Response:
        user = self.state.x.user(user_id)
        name = user.name if user else "?"
        initials = "".join(part[0] for part in name.split()[:2]).upper() or "?"
        hue = int(unit(user_id, "hue") * 360)
        svg = (
            '<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96">'
            f'<rect width="96" height="96" rx="48" fill="hsl({hue},45%,42%)"/>'
            '<text x="48" y="60" font-family="sans-serif" font-size="38" fill="#fff" '
            f'text-anchor="middle">{html.escape(initials)}</text></svg>'
        )
        headers = {"Cache-Control": "max-age=86400"}
        return Response(200, svg, headers, content_type="image/svg+xml")

    # -- profiles ------------------------------------------------------------------

    # Control keys -> the attribute each network's account keeps them in.
    _PROFILE_KEYS = {
        "x": {
            "verified": "verified",
            "dms_open": "dms_open",
            "bio": "description",
            "picture": "picture_set",
            "banner": "banner_set",
        },
        "fb": {
            "verified": "verified",
            "dms_open": "users_can_message",
            "bio": "about",
            "picture": "picture_set",
            "banner": "cover_set",
        },
    }

    def profile_set(self, req: Request) -> Response:
        """``{network: x|fb, account_id, verified?, dms_open?, bio?, picture?, banner?}``."""
        body = req.json_object()
        network = str(body.get("network") or "")
        keys = self._PROFILE_KEYS.get(network)
        if keys is None:
            raise ControlError("network must be 'x' or 'fb'")
        account_id = str(body.get("account_id") or "")
        with self.state.lock:
            found = (
                self.state.x.users.get(account_id)
                if network == "x"
                else self.state.fb.pages.get(account_id)
            )
            if found is None:
                raise ControlError(f"no {network} account {account_id!r}")
            changed = {}
            for key, attr in keys.items():
                if key in body:
                    value = str(body[key]) if key == "bio" else bool(body[key])
                    setattr(found, attr, value)
                    changed[key] = value
        return Response(200, {"network": network, "account_id": account_id, "changed": changed})

    # -- Facebook ------------------------------------------------------------------

    def fb_pages(self, req: Request) -> Response:
        with self.state.lock:
            pages = [fb_inject.page_item(self.state, p) for p in self.state.fb.pages.values()]
        return Response(200, {"pages": pages})

    def fb_add_page(self, req: Request) -> Response:
        body = req.json_object()
        if not str(body.get("id", "")).isdigit() or not body.get("name"):
            raise ControlError("a Page needs a numeric string `id` and a `name`")
        with self.state.lock:
            page = self.state.fb.add_page(
                id=str(body["id"]),
                name=str(body["name"]),
                username=str(body.get("username") or ""),
                followers_count=int(body.get("followers_count", 0)),
                about=str(body.get("about", "")),
                access_token=body.get("access_token") or None,
            )
            return Response(201, {"page": fb_inject.page_item(self.state, page)})

    def fb_add_post(self, req: Request) -> Response:
        body = req.json_object()
        with self.state.lock:
            page = self.state.fb.ensure_page(str(body.get("page_id") or ""))
            created_at = parse_when(body.get("created_at"), fb_inject.FbInjectError)
            message = str(
                body.get("message") or self.state.traffic.announcement(fb_inject.flavour_of(page))
            )
            post = self.state.fb.add_post(
                page_id=page.id, message=message, created_time=created_at, origin="inject"
            )
            return Response(201, {"post": fb_inject.post_item(post)})

    def fb_inject(self, req: Request) -> Response:
        body = req.json_object()
        items = fb_inject.inject(self.state, body)
        if body.get("fire_webhook"):
            url = body.get("webhook_url") or self.app.fb_webhook_url
            secret = str(body.get("app_secret") or self.app.fb_app_secret)
            for item in items:
                payload = fb_webhooks.payload_for_event(self.state, item["id"])
                item["webhook"] = fb_webhooks.fire(url, payload, secret=secret)
        return Response(201, {"items": items, "count": len(items)})

    def _fb_webhook_fire(self, body: dict, *, instagram: bool = False) -> Response:
        # Meta posts Instagram events (object "instagram") to the app's one endpoint.
        if "payload" in body:
            payload = body["payload"]
        elif body.get("for_event") and instagram:
            payload = ig_inject.payload_for_event(self.state, str(body["for_event"]))
        elif body.get("for_event"):
            payload = fb_webhooks.payload_for_event(self.state, str(body["for_event"]))
        else:
            raise ControlError("give `payload` or `for_event`")
        deliveries = fb_webhooks.fire(
            body.get("url") or self.app.fb_webhook_url,
            payload,
            secret=str(body.get("app_secret") or self.app.fb_app_secret),
            signature=str(body.get("signature", "valid")),
            repeat=int(body.get("repeat", 1)),
        )
        return Response(
            200,
            {"status": deliveries[0].get("status"), "deliveries": deliveries, "payload": payload},
        )

    def webhook_verify(self, req: Request) -> Response:
        """Meta's hub.challenge check against the app's Facebook webhook URL."""
        body = req.json_object()
        result = fb_webhooks.check_verify(
            body.get("url") or self.app.fb_webhook_url,
            verify_token=str(body.get("verify_token") or fb_webhooks.DEFAULT_VERIFY_TOKEN),
            challenge=body.get("challenge"),
        )
        return Response(200, result)
