from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from events.models import Event
from inbox.models import Message, Note
from records import services
from records.models import ContentRemoval, RecordsExport, RetentionPolicy
from tests.factories import ContactFactory, ConversationFactory, MessageFactory


def zip_of(export):
    from django.conf import settings

    path = settings.VAR_DIR / "exports" / export.file_name
    return zipfile.ZipFile(io.BytesIO(path.read_bytes()))


@pytest.fixture
def jo_and_sam(channel_a, channel_b, officer):
    jo, sam = (
        ContactFactory(handle="jo_res", display_name="Jo"),
        ContactFactory(handle="sam", display_name="Sam"),
    )
    jo_a = ConversationFactory(channel=channel_a, contact=jo)
    jo_b = ConversationFactory(
        channel=channel_b, contact=jo
    )  # a channel the manager does not cover
    sam_a = ConversationFactory(channel=channel_a, contact=sam)
    MessageFactory(conversation=jo_a, text="<b>Jo's bins</b>")
    MessageFactory(conversation=jo_b, text="Jo on highways")
    MessageFactory(conversation=sam_a, text="Sam's secret")
    Note.objects.create(conversation=jo_a, author=officer, text="Called Jo")
    Event.objects.create(type="note.added", at=timezone.now(), conversation=jo_a, actor=officer)
    Event.objects.create(type="note.added", at=timezone.now(), conversation=sam_a, actor=officer)
    return jo, sam, jo_a


@pytest.mark.django_db
def test_foi_export_holds_all_of_the_contact_and_nothing_of_anyone_else(
    manager, jo_and_sam, django_capture_on_commit_callbacks
):
    jo, _sam, jo_a = jo_and_sam
    with django_capture_on_commit_callbacks(execute=False) as queued:
        export = services.export_request(actor=manager, contact=jo)
    assert len(queued) == 1  # the build is handed to a worker after commit
    export = services.export_build(export_id=export.pk)
    assert (export.status, export.progress) == ("ready", 100)
    archive = zip_of(export)
    messages = json.loads(archive.read("messages.json"))
    events = json.loads(archive.read("events.json"))
    notes = json.loads(archive.read("notes.json"))
    assert [m["text"] for m in messages] == ["<b>Jo's bins</b>"]  # team A's channel only
    assert {e["conversation"] for e in events} == {jo_a.pk}
    assert [n["text"] for n in notes] == ["Called Jo"]
    transcript = archive.read("transcript.html").decode()
    assert "&lt;b&gt;Jo&#x27;s bins&lt;/b&gt;" in transcript and "Sam" not in transcript
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["counts"]["messages"] == 1
    assert Event.objects.filter(type="records.exported", actor=manager).count() == 1


@pytest.mark.django_db
def test_officers_cannot_export(officer, jo_and_sam):
    with pytest.raises(PermissionDenied):
        services.export_request(actor=officer, contact=jo_and_sam[0])


@pytest.mark.django_db
def test_only_the_requester_downloads(
    client, manager, admin_user, teammate, jo_and_sam, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        export = services.export_request(actor=manager, contact=jo_and_sam[0])
    services.export_build(export_id=export.pk)
    client.force_login(manager)
    response = client.get(reverse("records:download", args=[export.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    client.force_login(teammate)
    assert client.get(reverse("records:download", args=[export.pk])).status_code == 403
    assert client.get(reverse("records:exports")).status_code == 403


@pytest.mark.django_db
def test_export_page_builds_and_shows_progress(
    client, manager, jo_and_sam, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("records:exports"), {"handle": "@jo_res"})
    export = RecordsExport.objects.get()
    assert "Queued" in client.get(reverse("records:exports")).content.decode()
    services.export_build(export_id=export.pk)
    fragment = client.get(reverse("records:exports"), headers={"HX-Request": "true"})
    assert "Download export" in fragment.content.decode()
    missing = client.post(reverse("records:exports"), {"handle": "nobody"})
    assert "Nobody with the handle @nobody" in missing.content.decode()
    assert RecordsExport.objects.count() == 1


@pytest.mark.django_db
def test_retention_removes_old_content_except_under_legal_hold(channel_a, manager, officer):
    old = timezone.now() - timedelta(days=400)
    held_contact = ContactFactory(handle="held")
    free = ConversationFactory(channel=channel_a)
    held = ConversationFactory(channel=channel_a, contact=held_contact)
    old_free = MessageFactory(conversation=free, text="old and free", sent_at=old)
    new_free = MessageFactory(conversation=free, text="recent", sent_at=timezone.now())
    old_held = MessageFactory(conversation=held, text="old but held", sent_at=old)
    RetentionPolicy.objects.create(channel=channel_a, keep_days=365)
    services.legal_hold_place(actor=manager, contact=held_contact, reason="Court order 2026/114")

    assert services.retention_apply() == 1
    assert services.retention_apply() == 0  # idempotent
    texts = dict(Message.objects.values_list("pk", "text"))
    assert (
        texts[old_free.pk] == ""
        and texts[new_free.pk] == "recent"
        and texts[old_held.pk] == "old but held"
    )
    assert ContentRemoval.objects.filter(message=old_free).exists()
    removal = Event.objects.get(type="records.content_removed")
    assert removal.data["messages"] == [old_free.pk]
    assert Event.objects.filter(type="records.legal_hold_placed").count() == 1


@pytest.mark.django_db
def test_a_manager_exports_a_period_through_the_page_and_downloads_it(
    client, manager, channel_a, django_capture_on_commit_callbacks
):
    """Regression: the period's datetimes went into the event's JSON data
    and every export by date range answered 500."""
    from records.tasks import build_export

    inside = ConversationFactory(channel=channel_a, contact=ContactFactory(handle="in_period"))
    outside = ConversationFactory(channel=channel_a, contact=ContactFactory(handle="before"))
    MessageFactory(
        conversation=inside, text="Bins missed in May", sent_at=timezone.now() - timedelta(days=3)
    )
    MessageFactory(
        conversation=outside, text="Old pothole", sent_at=timezone.now() - timedelta(days=90)
    )
    start = timezone.localtime() - timedelta(days=10)
    end = timezone.localtime() + timedelta(days=1)
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(
            reverse("records:exports"),
            {"start": start.strftime("%Y-%m-%d %H:%M"), "end": end.strftime("%Y-%m-%d %H:%M")},
        )
    assert response.status_code == 302 and len(queued) == 1
    export = RecordsExport.objects.get()
    requested = Event.objects.get(type="records.export_requested")
    assert requested.data["start"].startswith(start.strftime("%Y-%m-%dT%H:%M"))
    assert requested.data["target"] == "period"

    build_export.apply(args=(export.pk,))
    download = client.get(reverse("records:download", args=[export.pk]))
    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    texts = [m["text"] for m in json.loads(archive.read("messages.json"))]
    assert texts == ["Bins missed in May"]
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["period"][0].startswith(start.replace(second=0, microsecond=0).isoformat()[:16])


@pytest.mark.django_db
def test_a_manager_cannot_export_or_learn_of_someone_who_wrote_only_to_another_team(
    client, manager, channel_b, django_capture_on_commit_callbacks
):
    ConversationFactory(channel=channel_b, contact=ContactFactory(handle="only_b"))
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=False):
        page = client.post(reverse("records:exports"), {"handle": "@only_b"})
    assert "Nobody with the handle @only_b" in page.content.decode()
    assert not RecordsExport.objects.exists()
