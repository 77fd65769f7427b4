"""The standard cast, shared by every test module.

Team A (``officer``, ``teammate``, ``manager``) covers ``channel_a``; team B
(``other_officer``) covers ``channel_b``. ``admin`` sees everything. Every view
test should also try ``other_officer`` and expect a refusal.
"""

from __future__ import annotations

import pytest

from accounts.models import Role
from tests.factories import (
    ChannelFactory,
    ConversationFactory,
    MembershipFactory,
    MessageFactory,
    TeamFactory,
    UserFactory,
)


@pytest.fixture
def team_a(db):
    return TeamFactory(name="Customer Services", slug="customer-services")


@pytest.fixture
def team_b(db):
    return TeamFactory(name="Highways", slug="highways")


def _member(username: str, team, role: str):
    user = UserFactory(username=username)
    MembershipFactory(user=user, team=team, role=role)
    return user


@pytest.fixture
def officer(team_a):
    return _member("olivia", team_a, Role.OFFICER)


@pytest.fixture
def teammate(team_a):
    return _member("tom", team_a, Role.OFFICER)


@pytest.fixture
def manager(team_a):
    return _member("maya", team_a, Role.MANAGER)


@pytest.fixture
def other_officer(team_b):
    return _member("oscar", team_b, Role.OFFICER)


@pytest.fixture
def admin_user(team_a):
    return _member("ada", team_a, Role.ADMIN)


@pytest.fixture
def channel_a(team_a):
    return ChannelFactory(name="Riverside Council", handle="@council_help", covered_by=[team_a])


@pytest.fixture
def channel_b(team_b):
    return ChannelFactory(name="Riverside Highways", handle="@riverside_roads", covered_by=[team_b])


@pytest.fixture
def conversation_a(channel_a):
    conv = ConversationFactory(channel=channel_a)
    MessageFactory(conversation=conv)
    return conv


@pytest.fixture
def conversation_b(channel_b):
    conv = ConversationFactory(channel=channel_b)
    MessageFactory(conversation=conv)
    return conv
