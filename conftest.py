"""The standard cast, shared by every test module.

Team A (``officer``, ``teammate``, ``manager``) covers ``channel_a``; team B
(``other_officer``) covers ``channel_b``. ``admin`` sees everything. Every view
test should also try ``other_officer`` and expect a refusal.
"""

from __future__ import annotations

import pytest

# Model-touching imports happen inside the fixtures, so tests that do not use
# Django (tests/sandbox with -p no:django) can still load this file.


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
