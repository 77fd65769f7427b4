"""Capture every main page as each demo user sees it, at a desk and on a phone.

    uv run python scripts/screenshots.py USER:PASSWORD[:SECOND] [USER:PASSWORD[:SECOND] ...]
        [--base http://127.0.0.1:8000] [--out var/screenshots] [--pages /inbox/,/kpis/] [--full]

Run against `make demo` with the passwords it prints. A user who must set up
two-step sign-in is enrolled on the way: the setup page's key is read and the
code computed here, as an authenticator app would. A user who already has
one (the demo's manager and admin) needs SECOND: the authenticator secret or a
one-time recovery code that `make demo` printed. PNGs land in
``OUT/<user>-<page>-<width>.png``; open them and look. Chromium's console
errors are printed, since a page can render and still break its CSP.
"""

from __future__ import annotations

import argparse
import base64
import re
import sys
import time
from pathlib import Path

from django_otp.oath import totp
from playwright.sync_api import Page, sync_playwright

SIZES = {"desk": (1440, 900), "phone": (390, 844)}
PAGES = [
    "/inbox/",
    "/inbox/search/?q=bins",
    "/inbox/notifications/",
    "/escalation/",
    "/kpis/",
    "/channels/",
    "/records/exports/",
    "/audit/",
    "/account/security/",
]
CHROMIUM = "/usr/bin/chromium"


def _code_for(secret: str) -> str:
    key = base64.b32decode(secret.replace(" ", "").upper() + "=" * (-len(secret) % 8))
    return f"{totp(key):06d}"


def _second_factor(second: str) -> str:
    """A recovery code as it is, or the current code of an authenticator secret."""
    return second if "-" in second else _code_for(second)


def sign_in(page: Page, base: str, username: str, password: str, second: str = "") -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form:has(input[name=password]) button[type=submit]")
    page.wait_for_load_state("networkidle")
    if "/account/mfa/setup/" in page.url:
        secret = page.locator("figcaption code").inner_text()
        page.fill("input[name=token]", _code_for(secret))
        page.click("form:has(input[name=token]) button[type=submit]")
        page.wait_for_load_state("networkidle")
    elif "/account/mfa/verify/" in page.url:
        if not second:
            sys.exit(f"{username} has an authenticator: pass USER:PASSWORD:SECRET_OR_RECOVERY_CODE")
        page.fill("input[name=token]", _second_factor(second))
        page.click("form:has(input[name=token]) button[type=submit]")
        page.wait_for_load_state("networkidle")
    page.goto(f"{base}/inbox/")  # the set-up answers with the recovery codes, in place
    if "/account/mfa/" in page.url:
        sys.exit(f"{username}: two-step set-up did not finish ({page.url})")


def _slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("users", nargs="+", help="USER:PASSWORD")
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default="var/screenshots")
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--full", action="store_true", help="the whole page, not the window")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM)
        for pair in args.users:
            username, password, *rest = pair.split(":", 2)
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            page = context.new_page()
            errors: list[str] = []
            page.on(
                "console", lambda m, seen=errors: seen.append(m.text) if m.type == "error" else None
            )
            sign_in(page, args.base, username, password, rest[0] if rest else "")
            for path in args.pages.split(","):
                for size_name, (width, height) in SIZES.items():
                    page.set_viewport_size({"width": width, "height": height})
                    response = page.goto(f"{args.base}{path}")
                    page.wait_for_load_state("networkidle")
                    time.sleep(0.2)
                    name = out / f"{username}-{_slug(path)}-{size_name}.png"
                    page.screenshot(path=str(name), full_page=args.full)
                    print(f"{response.status if response else '?'} {name}")
            for error in errors:
                print(f"console error ({username}): {error}")
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
