"""One client address for lockouts, rate limits and the audit log
(TRUSTED_PROXY_COUNT); the Permissions-Policy header; the browsable API."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from events.context import client_ip
from events.models import Event
from tests.accounts.test_security import PASSWORD

PROXY = "10.0.0.5"
# What the client wrote itself, then what our one proxy appended.
FORGED = "198.51.100.1"
REAL = "203.0.113.77"
THROUGH_PROXY = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"{FORGED}, {REAL}"}


def wrong_passwords(client, times: int, **meta) -> None:
    for _ in range(times):
        client.post(reverse("login"), {"username": "olivia", "password": "not it at all"}, **meta)


@pytest.mark.django_db
def test_without_trusted_proxies_the_forwarded_header_is_ignored(client, officer):
    assert django_settings.TRUSTED_PROXY_COUNT == 0  # the default
    wrong_passwords(client, 1, **THROUGH_PROXY)
    assert Event.objects.get(type="auth.login_failed").data["ip"] == PROXY


@pytest.mark.django_db
def test_behind_one_proxy_lockouts_and_audit_use_the_forwarded_client(client, officer, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    wrong_passwords(client, 5, **THROUGH_PROXY)
    locked = client.post(
        reverse("login"), {"username": "olivia", "password": PASSWORD}, **THROUGH_PROXY
    )
    assert locked.status_code == 429
    assert {e.data["ip"] for e in Event.objects.filter(type="auth.login_failed")} == {REAL}
    assert Event.objects.filter(type="auth.lockout").first().data["ip"] == REAL
    # Someone else behind the same proxy is not locked out with them.
    other = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "192.0.2.200"}
    signed_in = client.post(reverse("login"), {"username": "olivia", "password": PASSWORD}, **other)
    assert signed_in.status_code == 302 and "_auth_user_id" in client.session
    assert Event.objects.filter(type="auth.login").get().data["ip"] == "192.0.2.200"


@pytest.mark.django_db
def test_with_proxies_configured_a_forged_header_cannot_pick_the_locked_address(
    client, officer, settings
):
    """Changing the left-hand part of the header (what the client writes)
    does not escape a lockout keyed on the address the proxy saw."""
    settings.TRUSTED_PROXY_COUNT = 1
    wrong_passwords(client, 5, **THROUGH_PROXY)
    forged = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"192.0.2.9, {REAL}"}
    locked = client.post(reverse("login"), {"username": "olivia", "password": PASSWORD}, **forged)
    assert locked.status_code == 429


@pytest.mark.parametrize(
    ("count", "meta", "expected"),
    [
        (0, THROUGH_PROXY, PROXY),
        (1, THROUGH_PROXY, REAL),
        (2, THROUGH_PROXY, FORGED),
        (1, {"REMOTE_ADDR": PROXY}, PROXY),
        (1, {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "not-an-address"}, PROXY),
        (3, {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": REAL}, REAL),
    ],
)
def test_audit_and_rate_limits_agree_on_the_client(settings, monkeypatch, count, meta, expected):
    settings.TRUSTED_PROXY_COUNT = count
    monkeypatch.setattr(api_settings, "NUM_PROXIES", count)  # as settings.py wires it
    request = RequestFactory().get("/", **meta)
    assert client_ip(request) == expected
    if "not-an-address" not in meta.get("HTTP_X_FORWARDED_FOR", ""):
        assert SimpleRateThrottle.get_ident(None, request) == expected


def test_settings_wire_the_same_proxy_count_everywhere():
    assert django_settings.REST_FRAMEWORK["NUM_PROXIES"] == django_settings.TRUSTED_PROXY_COUNT
    assert django_settings.AXES_CLIENT_IP_CALLABLE == "events.context.client_ip"


@pytest.mark.django_db
def test_every_response_carries_a_permissions_policy(client, officer):
    for response in (client.get(reverse("login")), client.get("/api/conversations/")):
        policy = response["Permissions-Policy"]
        features = dict(item.split("=", 1) for item in policy.split(", "))
        for denied in ("camera", "microphone", "geolocation", "payment", "usb"):
            assert features[denied] == "()"
        assert features["clipboard-write"] == "(self)"


@pytest.mark.django_db
def test_the_browsable_api_is_our_own_csp_clean_page_where_on(client, officer, conversation_a):
    client.force_login(officer)
    page = client.get("/api/conversations/", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    html = page.content.decode()
    assert "style=" not in html and "<script>" not in html and "jquery" not in html
    assert "&quot;results&quot;" in html  # the JSON, escaped into the page
    assert "script-src 'self'" in page["Content-Security-Policy"]


def _production_renderers(**env) -> str:
    """The renderers a production configuration would load, asked of a fresh
    interpreter (settings are read once, at start)."""
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'socialdesk.settings';"
        "django.setup(); from django.conf import settings;"
        "print(settings.REST_FRAMEWORK['DEFAULT_RENDERER_CLASSES'])"
    )
    environment = {
        "PATH": "/usr/bin:/bin",
        "SOCIALDESK_ENV": "production",
        "SECRET_KEY": "x" * 50,
        "SOCIALDESK_CREDENTIAL_KEYS": "ZmFrZS1rZXktZm9yLXRlc3RzLW9ubHktMzJieXRlcyE=",
        "SOCIALDESK_VAR_DIR": str(django_settings.VAR_DIR),
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        cwd=django_settings.BASE_DIR,
    )
    return done.stdout


def test_production_serves_the_api_as_json_only():
    assert _production_renderers().strip() == "['rest_framework.renderers.JSONRenderer']"
    assert "BrowsableApiRenderer" in _production_renderers(API_BROWSABLE="1")
