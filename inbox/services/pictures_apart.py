"""A private reply's picture on networks that send it as a message of its own.

Messenger and Instagram Direct carry text or one attachment per message,
never both, so a reply with a picture is two network writes: the picture
first, then the text (which carries the reply's network id). Each picture's
network id is kept on its row the moment it is known, so a retry sends only
what has not gone; after an unknown outcome the thread is read back for the
picture before it is sent again, as ``find_sent`` does for the text.
"""

from __future__ import annotations

from datetime import datetime

from inbox.models import Direction, MessageMedia
from inbox.networks.base import NetworkClient, OutboundImage


def pictures_send_apart(
    client: NetworkClient,
    *,
    message_id: int,
    channel_id: int,
    recipient: str,
    reconcile: bool,
    since: datetime,
) -> None:
    """Send the pictures of queued message ``message_id`` that have not gone yet."""
    waiting = MessageMedia.objects.filter(
        message_id=message_id, upload__isnull=False, key=""
    ).order_by("position")
    for media in waiting:
        found = None
        if reconcile:
            found = client.find_sent_picture(
                recipient_id=recipient, since=since, known=_known(channel_id, since)
            )
        key = found or client.send_private_picture(
            recipient_id=recipient,
            image=OutboundImage(
                body=bytes(media.upload or b""),
                content_type=media.content_type,
                alt_text=media.alt_text,
            ),
        )
        MessageMedia.objects.filter(pk=media.pk).update(key=key)


def _known(channel_id: int, since: datetime) -> set[str]:
    """Pictures already sent apart for this channel's replies: another
    message's picture is not this one's."""
    return set(
        MessageMedia.objects.filter(
            message__channel_id=channel_id,
            message__direction=Direction.OUT,
            message__received_at__gte=since,
        )
        .exclude(content_type="")
        .exclude(key="")
        .values_list("key", flat=True)
    )


def sent_apart_ids(channel_id: int, external_ids: list[str]) -> set[str]:
    """Which of our messages seen on the network are pictures sent apart for
    a reply SocialDesk already shows (so ingest does not add them twice)."""
    if not external_ids:
        return set()
    return set(
        MessageMedia.objects.filter(message__channel_id=channel_id, key__in=external_ids)
        .exclude(content_type="")
        .values_list("key", flat=True)
    )
