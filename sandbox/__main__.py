"""`python -m sandbox`: run the sandbox network in the foreground."""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import logging
import sys
import time

from sandbox import fb_webhooks
from sandbox.app import DEFAULT_WEBHOOK_SECRET
from sandbox.scenarios import SCENARIOS
from sandbox.server import SandboxServer


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox",
        description="SocialDesk sandbox network (X API v2 and Graph API subsets)",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: loopback only)"
    )
    parser.add_argument("--port", type=int, default=8088, help="port (0 picks a free one)")
    parser.add_argument(
        "--scenario", default="council", choices=sorted(SCENARIOS), help="seed at start"
    )
    parser.add_argument(
        "--trickle",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="inject a new inbound item about every SECONDS (0: off)",
    )
    parser.add_argument(
        "--webhook-url",
        default=None,
        help="the app's X webhook URL (trickle items are delivered there)",
    )
    parser.add_argument(
        "--webhook-secret",
        default=DEFAULT_WEBHOOK_SECRET,
        help="consumer secret used to sign webhooks",
    )
    parser.add_argument(
        "--fb-webhook-url",
        default=None,
        help="the app's Facebook webhook URL (trickle comments and messages go there)",
    )
    parser.add_argument(
        "--fb-app-secret",
        default=fb_webhooks.DEFAULT_APP_SECRET,
        help="app secret used to sign Facebook webhooks",
    )
    parser.add_argument(
        "--seed", type=int, default=None, help="seed for injected traffic (reproducible demos)"
    )
    parser.add_argument(
        "--ids-from-clock",
        action="store_true",
        help="number Facebook and Instagram objects from the clock, so a restarted sandbox "
        "never reuses an id the app stored before (the demo, whose history came from "
        "another sandbox run)",
    )
    parser.add_argument(
        "--draw-any-picture",
        action="store_true",
        help="the CDN draws a picture for any well-formed address, also ones another "
        "sandbox run handed out (the demo's history)",
    )
    parser.add_argument(
        "--allow-remote-control",
        action="store_true",
        help="serve /_sandbox/ to non-loopback clients too",
    )
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="[sandbox] %(message)s")
    server = SandboxServer(
        args.host,
        args.port,
        scenario=args.scenario,
        trickle=args.trickle,
        webhook_url=args.webhook_url,
        webhook_secret=args.webhook_secret,
        seed=args.seed,
        log_requests=not args.quiet,
        allow_remote_control=args.allow_remote_control,
        fb_webhook_url=args.fb_webhook_url,
        fb_app_secret=args.fb_app_secret,
        # Milliseconds: far more than one run can number per second.
        id_offset=int(time.time() * 1000) if args.ids_from_clock else 0,
        draw_any_picture=args.draw_any_picture,
    )
    print(
        f"SocialDesk sandbox listening on {server.url} (X API at {server.url}/x, Graph API at {server.url}/fb, control at {server.url}/_sandbox/)",
        flush=True,
    )
    if not _is_loopback(args.host):
        print(
            "warning: bound beyond loopback; the X API is reachable from the network",
            file=sys.stderr,
            flush=True,
        )
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


if __name__ == "__main__":
    raise SystemExit(main())
