"""Extra cast for the settings tests: managers of team B (who must change
nothing of team A's), staffed hours on team A's channel, and an API client."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.console.hours_data import SPLIT_WEEK


@pytest.fixture
def other_manager(team_b):
    """A manager of team B, who must not change team A's settings."""
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory(username="bea")
    MembershipFactory(user=user, team=team_b, role="manager")
    return user


@pytest.fixture
def manager_b(team_b):
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory(username="mark")
    MembershipFactory(user=user, team=team_b, role="manager")
    return user


@pytest.fixture
def hours_a(manager, channel_a):
    """Split shifts Mon-Fri 08:00-12:00 and 13:00-17:00, Sat 09:00-13:00, England's holidays."""
    from escalation.services.hours import staffed_hours_set

    return staffed_hours_set(
        actor=manager,
        channels=[channel_a],
        intervals=SPLIT_WEEK,
        time_zone="Europe/London",
        holiday_region="GB-ENG",
    )[0]


@pytest.fixture
def api():
    def client_for(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return client_for
