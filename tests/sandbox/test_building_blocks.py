"""Unit tests for the small pieces: clock, ids, rate limiter, fault book."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from sandbox.clock import SandboxClock, format_x_time, parse_time
from sandbox.faults import FaultBook, FaultSpecError
from sandbox.ids import SnowflakeIds
from sandbox.ratelimit import WINDOW_SECONDS, RateLimiter


def test_times_render_with_milliseconds_and_parse_back():
    moment = datetime(2026, 11, 22, 22, 0, 5, 123456, tzinfo=UTC)
    assert format_x_time(moment) == "2026-11-22T22:00:05.000Z"
    assert parse_time("2026-11-22T22:00:05Z") == moment.replace(microsecond=0)
    assert parse_time("2026-11-22T22:00:05.000Z") == moment.replace(microsecond=0)


def test_ids_are_19_digits_and_never_go_backwards_even_if_the_clock_does():
    ids = SnowflakeIds()
    late = ids.next(datetime(2026, 11, 22, tzinfo=UTC))
    early = ids.next(datetime(2020, 1, 1, tzinfo=UTC))
    assert len(late) == len(early) == 19
    assert int(early) > int(late)


def test_rate_limiter_counts_per_endpoint_and_caller_and_resets_after_the_window():
    clock = SandboxClock()
    clock.set(datetime(2026, 11, 22, 9, 0, tzinfo=UTC), frozen=True)
    limiter = RateLimiter(threading.RLock(), clock)
    assert limiter.hit("mentions", "999", 2).remaining == 1
    assert limiter.hit("mentions", "998", 2).remaining == 1  # another caller, another bucket
    assert limiter.hit("mentions", "999", 2).remaining == 0
    blocked = limiter.hit("mentions", "999", 2)
    assert blocked.exceeded and blocked.reset == clock.epoch() + WINDOW_SECONDS
    clock.advance(WINDOW_SECONDS)
    assert not limiter.hit("mentions", "999", 2).exceeded


def test_fault_rules_validate_and_probability_zero_never_fires():
    book = FaultBook(threading.RLock())
    with pytest.raises(FaultSpecError):
        book.add({"kind": "server_error", "times": 0})
    book.add({"kind": "server_error", "probability": 0.0})
    assert book.take("x", "GET", "/2/users/me") is None
    book.clear()
    book.add({"kind": "server_error", "method": "get", "path": "/mentions", "times": 2})
    assert book.take("fb", "GET", "/2/users/1/mentions") is None  # other network
    assert book.take("x", "POST", "/2/users/1/mentions") is None  # other method
    assert book.take("x", "GET", "/2/users/1/mentions").kind == "server_error"
    assert book.take("x", "GET", "/2/users/1/mentions").times == 0
    assert book.list() == []
