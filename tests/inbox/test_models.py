from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from events.models import Event
from inbox.models import Channel
from tests.factories import ChannelFactory, ConversationFactory, MessageFactory


@pytest.mark.django_db
def test_external_id_is_unique_per_channel(conversation_a):
    MessageFactory(conversation=conversation_a, external_id="1790000000000000042")
    with pytest.raises(IntegrityError), transaction.atomic():
        MessageFactory(conversation=conversation_a, external_id="1790000000000000042")


@pytest.mark.django_db
def test_same_external_id_on_another_channel_is_allowed(conversation_a):
    MessageFactory(conversation=conversation_a, external_id="1790000000000000042")
    other = ConversationFactory(channel=ChannelFactory())
    MessageFactory(conversation=other, external_id="1790000000000000042")


@pytest.mark.django_db
def test_outbound_messages_without_external_id_can_coexist(conversation_a):
    MessageFactory(
        conversation=conversation_a, external_id=None, direction="out", idempotency_key="a"
    )
    MessageFactory(
        conversation=conversation_a, external_id=None, direction="out", idempotency_key="b"
    )


@pytest.mark.django_db
def test_credentials_are_encrypted_at_rest(channel_a):
    secret = {"access_token": "999-very-secret-token", "access_token_secret": "hush-hush"}
    channel_a.set_credentials(secret)
    channel_a.save()
    with connection.cursor() as cur:
        cur.execute("SELECT credentials_encrypted FROM inbox_channel WHERE id = %s", [channel_a.pk])
        [stored] = cur.fetchone()
    assert "very-secret" not in stored and "hush-hush" not in stored
    assert Channel.objects.get(pk=channel_a.pk).get_credentials() == secret


@pytest.mark.django_db
def test_events_cannot_be_updated_or_deleted_through_the_orm(officer, conversation_a):
    event = Event.objects.create(type="note.added", at=conversation_a.created_at, actor=officer)
    event.type = "tampered"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        Event.objects.filter(pk=event.pk).update(type="tampered")
    with pytest.raises(TypeError):
        Event.objects.filter(pk=event.pk).delete()


@pytest.mark.django_db
def test_nothing_an_event_refers_to_can_be_deleted_through_the_orm(officer, conversation_a):
    """Event references are not database foreign keys (see Event): the ORM's
    PROTECT is what keeps them pointing at something."""
    from django.db.models import ProtectedError

    message = MessageFactory(conversation=conversation_a)
    Event.objects.create(
        type="message.received",
        at=conversation_a.created_at,
        actor=officer,
        channel=conversation_a.channel,
        conversation=conversation_a,
        message=message,
    )
    for row in (message, conversation_a, conversation_a.channel, officer):
        with pytest.raises(ProtectedError), transaction.atomic():
            type(row).objects.filter(pk=row.pk).delete()


@pytest.mark.django_db
def test_postgres_refuses_raw_update_of_events(officer, conversation_a):
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger exists on Postgres only")
    event = Event.objects.create(type="note.added", at=conversation_a.created_at, actor=officer)
    with (
        pytest.raises(Exception, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute("UPDATE inbox_event SET type = 'x' WHERE id = %s", [event.pk])


@pytest.mark.django_db
def test_credentials_rotate_to_a_new_key_and_old_keys_can_then_be_dropped(channel_a, settings):
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    from socialdesk import crypto

    old_key = settings.CREDENTIAL_KEYS[0]
    channel_a.set_credentials({"access_token": "999-abc"})
    channel_a.save()
    new_key = Fernet.generate_key().decode()
    settings.CREDENTIAL_KEYS = [new_key, old_key]
    call_command("credentials_rotate")
    settings.CREDENTIAL_KEYS = [new_key]
    assert Channel.objects.get(pk=channel_a.pk).get_credentials() == {"access_token": "999-abc"}
    settings.CREDENTIAL_KEYS = [old_key]
    with pytest.raises(crypto.CredentialsError):
        Channel.objects.get(pk=channel_a.pk).get_credentials()


def test_secrets_can_be_read_from_files(tmp_path, monkeypatch):
    from socialdesk.env import env_str

    (tmp_path / "secret").write_text("from-a-file\n")
    monkeypatch.setenv("SOME_SECRET", "from-env")
    monkeypatch.setenv("SOME_SECRET_FILE", str(tmp_path / "secret"))
    assert env_str("SOME_SECRET") == "from-a-file"
