"""Fixtures for the real-browser tests: one Chromium per module, one context
(its own cookies: one person) per ``new_page()`` call."""

from __future__ import annotations

import os

import pytest

from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; the
    # ORM calls tests make between browser steps are ordinary synchronous ones.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
    playwright.stop()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_page(browser, live_server):
    """Open a fresh browser context (its own cookies: one person) and page.

    The page runs under the site's real Content Security Policy unless
    ``for_axe=True`` (axe is injected as an inline script). Every console
    error, CSP refusals included, fails the test at teardown."""
    contexts = []
    errors: list[str] = []

    def make(*, for_axe: bool = False):
        context = browser.new_context(base_url=live_server.url, bypass_csp=for_axe)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda msg: errors.append(f"{page.url}: {msg.text}") if msg.type == "error" else None,
        )
        page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
        return page

    yield make
    for context in contexts:
        context.close()
    real = [e for e in errors if not _expected(e)]
    assert not real, "errors in the browser console:\n" + "\n".join(real)


def _expected(error: str) -> bool:
    """Refusals the tests provoke on purpose (422: invalid input; 409: a reply
    collision) and a presence beacon racing the test database's teardown."""
    if "Failed to load resource" in error and ("422" in error or "409" in error):
        return True
    return "presence/" in error and "404" in error


def pytest_terminal_summary(terminalreporter):
    """Say plainly, at the end of every run, when the browser tests did not run."""
    from tests.browser.helpers import SKIP_REASON

    if SKIP_REASON:
        terminalreporter.write_line(f"NOTE: {SKIP_REASON}", yellow=True, bold=True)
