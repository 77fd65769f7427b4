"""Seed scenarios and the text generator."""

from __future__ import annotations

from collections import Counter

import pytest

from sandbox.state import SandboxState
from sandbox.traffic import CATEGORIES, TrafficGenerator
from sandbox.x_models import weighted_length


def _world(scenario: str) -> SandboxState:
    state = SandboxState(seed=1)
    state.seed(scenario)
    return state


def test_council_has_the_two_accounts_citizens_mentions_and_dms():
    state = _world("council")
    x = state.x
    assert {(a.id, a.username) for a in x.accounts()} == {
        ("999", "council_help"),
        ("997", "riverside_roads"),
    }
    citizens = x.citizens()
    assert 38 <= len(citizens) <= 45
    assert sum(1 for c in citizens if c.followers_count >= 10_000) >= 3
    assert [c.username for c in citizens if c.verified] == ["priya_reports"]
    mentions = x.mentions_of("999") + x.mentions_of("997")
    assert 45 <= len(mentions) <= 65
    spread = max(t.created_at for t in mentions) - min(t.created_at for t in mentions)
    assert spread.total_seconds() > 36 * 3600
    threaded = [t for t in mentions if t.replied_to_id]
    assert len(threaded) >= 5
    assert len(x.timeline_of("999")) >= 5  # announcements and earlier replies
    conversations = Counter(e.dm_conversation_id for e in x.dm_events.values())
    assert len(conversations) == 10 and all(1 <= n <= 4 for n in conversations.values())


def test_council_has_a_persistent_detractor():
    state = _world("council")
    detractor = state.x.user_by_username("RiversideTruth")
    hostile = [t for t in state.x.mentions_of("999") if t.author_id == detractor.id]
    assert len(hostile) >= 5


def test_seeded_ids_increase_with_created_at():
    tweets = list(_world("council").x.tweets.values())
    assert [t.id for t in tweets] == sorted((t.id for t in tweets), key=int)
    assert [t.created_at for t in tweets] == sorted(t.created_at for t in tweets)
    assert all(len(t.id) == 19 for t in tweets)


def test_the_council_scenario_is_the_same_every_run():
    first, second = _world("council"), _world("council")
    assert [t.text for t in first.x.tweets.values()] == [t.text for t in second.x.tweets.values()]
    assert [u.username for u in first.x.users.values()] == [
        u.username for u in second.x.users.values()
    ]


def test_crisis_adds_a_burst_in_the_last_ten_minutes():
    state = _world("crisis")
    now = state.now()
    recent = [
        t
        for t in state.x.mentions_of("999") + state.x.mentions_of("997")
        if (now - t.created_at).total_seconds() <= 600
    ]
    assert 35 <= len(recent) <= 45


def test_unknown_scenario_is_rejected(control):
    control.call("POST", "/_sandbox/seed", {"scenario": "zombies"}, expect=400)


def test_traffic_is_deterministic_under_a_seed():
    one, two = TrafficGenerator(5), TrafficGenerator(5)
    assert [one.mention("council_help") for _ in range(20)] == [
        two.mention("council_help") for _ in range(20)
    ]
    assert one.citizen() == two.citizen()


@pytest.mark.parametrize("category", CATEGORIES)
def test_every_category_fills_its_placeholders_and_fits_a_tweet(category):
    gen = TrafficGenerator(3)
    for flavour in ("council", "roads"):
        for _ in range(40):
            found, text = gen.mention("riverside_roads", category, flavour)
            assert found == category
            assert "{" not in text and "@riverside_roads" in text
            assert weighted_length(text) <= 280


def test_dm_and_follow_up_texts_are_filled():
    gen = TrafficGenerator(4)
    for _ in range(50):
        assert "{" not in gen.dm()[1]
        assert "{" not in gen.follow_up("council_help")
        assert len(gen.citizen()["username"]) <= 15


def test_weighted_length_counts_urls_as_23_and_wide_chars_as_2():
    assert weighted_length("hello") == 5
    assert weighted_length("see https://example.org/a/very/long/path/indeed") == 4 + 23
    assert weighted_length("界界") == 4
