"""Backup and restore, for real: pg_dump the database, pg_restore it into a
fresh one, and run check_restore there (as docs/operations.md says to)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from audit import chain
from events.models import Event
from tests.factories import ChannelFactory

ROOT = Path(__file__).resolve().parents[2]


def _pg_env(db: dict) -> dict:
    env = {**os.environ, "PGHOST": db["HOST"] or "127.0.0.1", "PGPORT": str(db["PORT"] or 5432)}
    env["PGUSER"] = db["USER"]
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def _pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not candidates:
        pytest.skip(f"{name} not installed")
    return str(candidates[-1])


@pytest.fixture
def restored_database(transactional_db, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("backup and restore are described for Postgres")
    db = connection.settings_dict
    env = _pg_env(db)
    channel = ChannelFactory(name="Restored channel")
    channel.set_credentials({"access_token": "tok-restore", "access_token_secret": "s"})
    channel.save()
    for n in range(3):
        Event.objects.create(type="note.added", at=timezone.now(), channel=channel, data={"n": n})
    while chain.events_seal():
        pass
    dump = tmp_path / "socialdesk.dump"
    subprocess.run(
        [_pg_bin("pg_dump"), "--format=custom", "--no-owner", f"--file={dump}", db["NAME"]],
        env=env,
        check=True,
    )
    target = f"restore_{uuid.uuid4().hex[:10]}"
    subprocess.run([_pg_bin("createdb"), target], env=env, check=True)
    try:
        subprocess.run(
            [
                _pg_bin("pg_restore"),
                "--no-owner",
                "--exit-on-error",
                f"--dbname={target}",
                str(dump),
            ],
            env=env,
            check=True,
        )
        port = db["PORT"] or 5432
        auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        yield f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{port}/{target}"
    finally:
        subprocess.run([_pg_bin("dropdb"), "--if-exists", target], env=env, check=True)


def _check_restore(database_url: str, keys: list[str]) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SOCIALDESK_CREDENTIAL_KEYS": ",".join(keys),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "manage.py", "check_restore"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.postgres
def test_a_restored_backup_passes_check_restore(restored_database):
    result = _check_restore(restored_database, settings.CREDENTIAL_KEYS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "migrations: all applied" in result.stdout
    assert "audit chain: 3 events verified" in result.stdout
    assert "credentials: 1 channels decrypt" in result.stdout
    assert "restore check passed" in result.stdout


@pytest.mark.postgres
def test_a_backup_restored_without_its_key_set_fails(restored_database):
    other_keys = [Fernet.generate_key().decode()]
    result = _check_restore(restored_database, other_keys)
    assert result.returncode == 1
    assert "FAILING credentials: 1 of 1 channels do not decrypt" in result.stdout


def test_a_database_behind_on_migrations_fails(transactional_db):
    call_command("migrate", "ops", "zero", verbosity=0)
    try:
        with pytest.raises(Exception, match="restore check failed: migrations"):
            call_command("check_restore")
    finally:
        call_command("migrate", "ops", verbosity=0)
