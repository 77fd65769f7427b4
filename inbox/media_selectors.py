"""Reads for the media proxy, through the access rule."""

from __future__ import annotations

from django.http import Http404

from accounts import access
from accounts.models import User
from events.models import Event
from inbox.models import MessageMedia
from inbox.services.shield import Shield, message_shield_matches


def media_get_for_user(*, user: User, pk: int) -> MessageMedia:
    """A message's media if the user may see its conversation; 404 otherwise
    (not 403: the ids of other teams' media leak nothing)."""
    try:
        return (
            MessageMedia.objects.filter(
                message__conversation__in=access.conversations_visible_to(user).values("pk")
            )
            .select_related("message")
            .defer("upload")
            .get(pk=pk)
        )
    except MessageMedia.DoesNotExist as exc:
        raise Http404("No such media") from exc


def media_shielded_for(*, user: User, media: MessageMedia, shield: Shield) -> bool:
    """Whether the abuse shield still covers this media's message for this
    user: an inbound message matching the word list that they have not revealed."""
    if not message_shield_matches(shield, media.message):
        return False
    return not Event.objects.filter(
        type="message.revealed", actor_id=user.pk, message_id=media.message_id
    ).exists()
