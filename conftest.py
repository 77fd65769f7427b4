"""The standard cast, shared by every test module.

Team A (``officer``, ``teammate``, ``manager``) covers ``channel_a``; team B
(``other_officer``) covers ``channel_b``. ``admin`` sees everything. Every view
test should also try ``other_officer`` and expect a refusal.
"""

from __future__ import annotations

import os

import pytest

# Model-touching imports happen inside the fixtures, so tests that do not use
# Django (tests/sandbox with -p no:django) can still load this file.


def pytest_configure(config):
    if config.pluginmanager.hasplugin("django"):
        # The live server answers without Nagle's 40 ms wait (socialdesk/devserver.py).
        from django.test.testcases import LiveServerThread

        from socialdesk.devserver import NoDelayThreadedWSGIServer

        LiveServerThread.server_class = NoDelayThreadedWSGIServer


def pytest_collection_modifyitems(config, items):
    """``make test`` runs the suite in two parts: the tests that share the
    machine in parallel processes (SOCIALDESK_TESTS=together), then those
    marked ``alone``, which restart Redis or Postgres under everything else
    (SOCIALDESK_TESTS=alone). Unset, everything runs."""
    part = os.environ.get("SOCIALDESK_TESTS", "")
    if part not in ("together", "alone"):
        return
    keep, drop = [], []
    for item in items:
        alone = item.get_closest_marker("alone") is not None
        (keep if alone == (part == "alone") else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(autouse=True)
def _mfa_only_where_tested(request):
    """Most tests sign people in with force_login and no second factor; the
    MFA gate itself is tested in tests marked ``mfa`` (and in the browser)."""
    if request.config.pluginmanager.hasplugin("django") and not request.node.get_closest_marker(
        "mfa"
    ):
        request.getfixturevalue("settings").MFA_ENFORCED = False


@pytest.fixture
def team_a(db):
    from tests.factories import TeamFactory

    return TeamFactory(name="Customer Services", slug="customer-services")


@pytest.fixture
def team_b(db):
    from tests.factories import TeamFactory

    return TeamFactory(name="Highways", slug="highways")


def _member(username: str, team, role: str):
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory(username=username)
    MembershipFactory(user=user, team=team, role=role)
    return user


@pytest.fixture
def officer(team_a):
    return _member("olivia", team_a, "officer")


@pytest.fixture
def teammate(team_a):
    return _member("tom", team_a, "officer")


@pytest.fixture
def manager(team_a):
    return _member("maya", team_a, "manager")


@pytest.fixture
def other_officer(team_b):
    return _member("oscar", team_b, "officer")


@pytest.fixture
def admin_user(team_a):
    return _member("ada", team_a, "admin")


@pytest.fixture
def channel_a(team_a):
    from tests.factories import ChannelFactory

    return ChannelFactory(name="Riverside Council", handle="@council_help", covered_by=[team_a])


@pytest.fixture
def channel_b(team_b):
    from tests.factories import ChannelFactory

    return ChannelFactory(name="Riverside Highways", handle="@riverside_roads", covered_by=[team_b])


@pytest.fixture
def conversation_a(channel_a):
    from tests.factories import ConversationFactory, MessageFactory

    conv = ConversationFactory(channel=channel_a)
    MessageFactory(conversation=conv)
    return conv


@pytest.fixture
def conversation_b(channel_b):
    from tests.factories import ConversationFactory, MessageFactory

    conv = ConversationFactory(channel=channel_b)
    MessageFactory(conversation=conv)
    return conv


# --- The sandbox network and a real Celery worker ---------------------------------


@pytest.fixture(scope="session")
def sandbox_server():
    from sandbox.server import SandboxServer

    server = SandboxServer(host="127.0.0.1", port=0, seed=7).start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(sandbox_server, settings):
    """The sandbox network, reset, with the app's clients pointed at it.
    Returns a control client (inject, fault, outbox, ...)."""
    from sandbox.control_client import Control

    control = Control(sandbox_server.url)
    control.post("/_sandbox/reset")
    settings.SOCIAL_SANDBOX_URL = sandbox_server.url
    settings.NETWORK_HTTP_TIMEOUT = 3
    control.url = sandbox_server.url
    return control


SANDBOX_X_CREDENTIALS = {
    "consumer_key": "sandbox-consumer-key",
    "consumer_secret": "sandbox-consumer-secret",
    "access_token": "999-sandbox-token",
    "access_token_secret": "sandbox-token-secret",
}


@pytest.fixture
def x_channel(sandbox, team_a):
    """@council_help on the sandbox X network, covered by team A."""
    from tests.factories import ChannelFactory

    sandbox.post(
        "/_sandbox/x/accounts",
        {
            "id": "999",
            "username": "council_help",
            "name": "Riverside Council",
            "followers_count": 5200,
        },
    )
    channel = ChannelFactory(
        network="x",
        name="Riverside Council",
        handle="@council_help",
        external_account_id="999",
        is_sandbox=True,
        covered_by=[team_a],
    )
    channel.set_credentials(SANDBOX_X_CREDENTIALS)
    channel.save()
    return channel


@pytest.fixture
def celery_worker_process(transactional_db, sandbox, settings):
    """A real `celery worker` process on the test database and broker."""
    from tests.support.worker import WorkerProcess, purge_broker

    settings.OUTBOUND_SEND_LEASE_SECONDS = 3
    purge_broker()
    worker = WorkerProcess()
    worker.start()
    yield worker
    worker.stop()
    purge_broker()
