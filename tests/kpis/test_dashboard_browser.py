"""The dashboards in a real browser: Chromium draws the charts with the
vendored Chart.js, and axe-core finds no WCAG 2.2 AA violations.

Uses Debian's Chromium (never a downloaded browser); skipped with a reason
when it is not installed."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from django.test import Client

from kpis import rollups
from tests.kpis.week import build_week, office_hours

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = Path(__file__).resolve().parents[1] / "browser" / "vendor" / "axe-4.14.1.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PERIOD = "start=2026-03-28&end=2026-04-03"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed"),
    pytest.mark.skipif(not AXE.exists(), reason="the vendored axe-core is missing"),
]


@pytest.fixture
def manager_session(live_server, manager, officer, teammate, channel_a) -> str:
    """A week of activity rolled up, and the manager's session cookie. All
    database work happens here, before Playwright starts its event loop
    (Django refuses ORM calls from a thread running one)."""
    office_hours(channel_a)
    build_week(channel_a, officer=officer, teammate=teammate)
    rollups.rollups_recompute(first=date(2026, 3, 21), last=date(2026, 4, 3))
    client = Client()
    client.force_login(manager)
    return client.cookies["sessionid"].value


@pytest.fixture
def manager_page(manager_session, live_server):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(base_url=live_server.url)
        context.add_cookies(
            [{"name": "sessionid", "value": manager_session, "url": live_server.url}]
        )
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on(
            "console",
            lambda msg: (
                errors.append(msg.text)
                if msg.type == "error" and not msg.text.startswith("Failed to load resource")
                else None
            ),
        )
        # Every resource must load, except the favicon nobody ships yet.
        page.on(
            "response",
            lambda r: (
                errors.append(f"{r.status} {r.url}")
                if r.status >= 400 and not r.url.endswith("/favicon.ico")
                else None
            ),
        )
        page.js_errors = errors
        yield page
        browser.close()


def axe_violations(page) -> list[dict]:
    # Evaluated through DevTools, not injected as an inline <script>: the page
    # keeps running under the site's real Content-Security-Policy.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


@pytest.mark.django_db(transaction=True)
def test_the_overview_draws_its_charts_and_passes_axe(manager_page):
    page = manager_page
    response = page.goto(f"/kpis/overview/?{PERIOD}")
    # The charts are drawn under the site's Content-Security-Policy: no inline script.
    assert "script-src 'self'" in response.headers.get("content-security-policy", "")
    charts = page.locator("figure[data-kpi-chart]")
    assert charts.count() == 2
    page.wait_for_selector("figure[data-kpi-drawn]", timeout=10_000)
    page.wait_for_function(
        "document.querySelectorAll('figure[data-kpi-drawn]').length === 2", timeout=10_000
    )
    # Chart.js drew on the canvases, from the JSON blocks (no inline script).
    drawn = page.evaluate(
        "Array.from(document.querySelectorAll('canvas[data-chart]'))"
        ".map(c => [c.width, c.height, !!Chart.getChart(c)])"
    )
    assert all(w > 0 and h > 0 and has for w, h, has in drawn), drawn
    assert page.locator("script:not([src]):not([type='application/json'])").count() == 0
    # Each chart's data table is on the page.
    assert page.locator("#table-daily tbody tr").count() == 7
    assert "7 h 45 min" in page.locator("#table-response").inner_text()  # median, calendar
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=2)
    assert page.js_errors == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/kpis/cover/", "/kpis/people/", "/kpis/channel-shift/"])
def test_other_dashboards_pass_axe_too(manager_page, path):
    page = manager_page
    page.goto(f"{path}?{PERIOD}")
    page.wait_for_selector("figure[data-kpi-drawn]", timeout=10_000)
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=2)
    assert page.js_errors == []
