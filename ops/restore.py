"""Checks to run on a database restored from a backup, before opening it."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from audit import chain
from inbox.models import Channel
from socialdesk.crypto import CredentialsError, decrypt_json


@dataclass(frozen=True)
class RestoreCheck:
    name: str
    ok: bool
    detail: str


def migrations_check() -> RestoreCheck:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _backwards in plan[:5])
        return RestoreCheck("migrations", False, f"{len(plan)} not applied (first: {names})")
    return RestoreCheck("migrations", True, "all applied")


def audit_chain_check() -> RestoreCheck:
    checked, broken = chain.chain_verify()
    if broken:
        return RestoreCheck(
            "audit chain",
            False,
            f"broken at link {broken.seq} (event {broken.event_id}): {broken.problem}",
        )
    return RestoreCheck("audit chain", True, f"{checked} events verified")


def credentials_check() -> RestoreCheck:
    """Every stored credential decrypts with the configured key set: a backup
    restored without its keys (they are kept apart) fails here, not at the
    first poll."""
    failed, total = [], 0
    rows = Channel.objects.exclude(credentials_encrypted="").values_list(
        "pk", "credentials_encrypted"
    )
    for pk, token in rows.iterator():
        total += 1
        try:
            decrypt_json(token)
        except CredentialsError:
            failed.append(pk)
    if failed:
        shown = ", ".join(str(pk) for pk in failed[:10])
        return RestoreCheck(
            "credentials", False, f"{len(failed)} of {total} channels do not decrypt: {shown}"
        )
    return RestoreCheck("credentials", True, f"{total} channels decrypt")


def restore_checks_run() -> list[RestoreCheck]:
    # Migrations first: the other checks read tables a missing migration may lack.
    first = migrations_check()
    if not first.ok:
        return [first]
    return [first, audit_chain_check(), credentials_check()]
