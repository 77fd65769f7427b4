"""Each parallel test process has its own Redis database and broker folder,
chosen once: what it starts inherits the choice and does not move it again."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from socialdesk.parallel_tests import isolate_parallel_test_process


@pytest.fixture
def env(monkeypatch):
    for name in (
        "PYTEST_XDIST_WORKER",
        "SOCIALDESK_TEST_PROCESS",
        "CELERY_BROKER_URL",
        "CACHE_URL",
        "SOCIALDESK_BROKER_DIR",
    ):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_each_process_takes_the_database_after_the_runs_own(env):
    env.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:6379/3")
    env.setenv("CACHE_URL", "rediss://:secret@cache:6380/3?ssl_cert_reqs=none")
    env.setenv("PYTEST_XDIST_WORKER", "gw1")
    isolate_parallel_test_process(Path("/srv/var"))
    assert os.environ["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/5"
    assert os.environ["CACHE_URL"] == "rediss://:secret@cache:6380/5?ssl_cert_reqs=none"
    assert os.environ["SOCIALDESK_BROKER_DIR"] == "/srv/var/test-broker-gw1"


def test_what_a_test_starts_inherits_the_choice_and_keeps_it(env):
    env.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:6379")
    env.setenv("PYTEST_XDIST_WORKER", "gw0")
    isolate_parallel_test_process(Path("/srv/var"))
    assert os.environ["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/1"
    # A Celery worker or a bench started by the test loads the settings again
    # with this environment: nothing moves.
    isolate_parallel_test_process(Path("/srv/var"))
    assert os.environ["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/1"
    assert os.environ["SOCIALDESK_BROKER_DIR"] == "/srv/var/test-broker-gw0"


def test_outside_a_parallel_run_nothing_changes(env):
    env.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:6379/3")
    isolate_parallel_test_process(Path("/srv/var"))
    assert os.environ["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/3"
    assert "SOCIALDESK_BROKER_DIR" not in os.environ


def test_running_out_of_redis_databases_says_what_to_do(env):
    env.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:6379/14")
    env.setenv("PYTEST_XDIST_WORKER", "gw1")
    with pytest.raises(ImproperlyConfigured, match="TEST_PROCESSES"):
        isolate_parallel_test_process(Path("/srv/var"))


@pytest.mark.skipif(
    not os.environ.get("PYTEST_XDIST_WORKER"), reason="only in a parallel run (make test)"
)
def test_this_process_runs_on_its_own_broker_and_cache():
    worker = os.environ["PYTEST_XDIST_WORKER"]
    assert os.environ["SOCIALDESK_TEST_PROCESS"] == worker
    assert os.environ.get("CELERY_BROKER_URL", "filesystem://") == settings.CELERY_BROKER_URL
    if settings.CELERY_BROKER_URL == "filesystem://":
        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]).parent
        assert folder.name == f"test-broker-{worker}"
    else:
        assert settings.CACHES["default"]["LOCATION"] == settings.CELERY_BROKER_URL
