"""A picture attached to a reply: checked and re-encoded before it is queued.

The officer's file is untrusted like any upload (it may carry the GPS
position of where it was taken, or be something else named .jpg): it is
re-encoded exactly as the media proxy does (inbox.services.images), so what
the network receives is a plain picture with no metadata. The alt text is
required: a council's post must be readable with a screen reader.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from inbox.models import Conversation, ConversationKind
from inbox.networks import client_class, reply_media_kinds
from inbox.networks.base import OutboundImage
from inbox.services.images import FULL_SIDE, NotAnImage, reencode

# X takes images up to 5 MB; the re-encode (2,048 px JPEG) comes well under.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# X's limit for alt text, the shortest of the networks'.
MAX_ALT_TEXT = 1000
# Longer sides tried in turn for a network with a smaller limit than our
# re-encode (Bluesky: 1,000,000 bytes), as its own app shrinks pictures. Below
# 1,024 px a photographed notice stops being legible: still too big is refused.
SHRINK_SIDES = (1600, 1280, 1024)


def reply_image_allowed(*, conversation: Conversation, private: bool = False) -> bool:
    """Whether a reply here may carry a picture (by network and thread kind)."""
    if private and conversation.kind == ConversationKind.COMMENT:
        # A private reply to a comment (Facebook, Instagram) is one message,
        # once per comment: its text only.
        return False
    kind = "private" if private else conversation.kind
    return kind in reply_media_kinds(conversation.channel.network)


def reply_image_prepare(
    *, conversation: Conversation, data: bytes, alt_text: str, private: bool = False
) -> OutboundImage:
    """The picture to send with a reply, or ValidationError saying what to fix."""
    if not reply_image_allowed(conversation=conversation, private=private):
        network = conversation.channel.get_network_display()
        if private and conversation.kind == ConversationKind.COMMENT:
            raise ValidationError(
                f"A private reply to a comment on {network} cannot carry a picture: send "
                "the text, and the picture in the conversation once they answer."
            )
        raise ValidationError(f"Replies here cannot carry a picture on {network}.")
    alt_text = " ".join(alt_text.split())
    if not alt_text:
        raise ValidationError("Describe the picture (alt text) for people who cannot see it.")
    if len(alt_text) > MAX_ALT_TEXT:
        raise ValidationError(
            f"The picture's description can be at most {MAX_ALT_TEXT} characters."
        )
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError("The picture is larger than 5 MB. Choose a smaller one.")
    limit = client_class(conversation.channel.network).reply_image_max_bytes
    try:
        for side in (FULL_SIDE, *SHRINK_SIDES):
            encoded = reencode(data, max_side=side)
            if limit is None or len(encoded.body) <= limit:
                break
        else:
            network = conversation.channel.get_network_display()
            raise ValidationError(
                f"This picture is too large for {network} ({(limit or 0) / 1_000_000:g} MB at most), "
                "even made smaller. Send a simpler picture, or a crop of the part that matters."
            )
    except NotAnImage as exc:
        raise ValidationError(f"That file cannot be sent as a picture: {exc}.") from exc
    return OutboundImage(body=encoded.body, content_type=encoded.content_type, alt_text=alt_text)
