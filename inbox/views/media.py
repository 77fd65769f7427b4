"""The media proxy's one view: a message's picture, to those who may see it.

The path carries our media id, never a URL (no open proxy). The access rule
applies as for the conversation (404 for another team's media); a shielded
message's pictures come only blurred until the officer reveals the message.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from accounts.http import AuthedRequest
from inbox.media_selectors import media_get_for_user, media_shielded_for
from inbox.services.media import VARIANTS, MediaNotShown, media_image
from inbox.services.shield import shield_load

EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png"}
# The browser may keep a picture for an hour, for this user only (never a
# shared cache: the access rule decides who sees it).
BROWSER_CACHE = "private, max-age=3600"


@login_required
@require_GET
def message_media(request: AuthedRequest, pk: int, variant: str = "full") -> HttpResponse:
    if variant not in VARIANTS:
        raise Http404("No such picture size")
    media = media_get_for_user(user=request.user, pk=pk)
    if variant != "blurred" and media_shielded_for(
        user=request.user, media=media, shield=shield_load()
    ):
        return _refusal(403, "Reveal the message to see this picture.")
    try:
        image = media_image(media=media, variant=variant)
    except MediaNotShown as exc:
        response = _refusal(502, f"The picture cannot be shown: {exc}")
        if exc.transient:
            response["Retry-After"] = "60"
        return response
    response = HttpResponse(image.body, content_type=image.content_type)
    name = f"picture-{media.pk}-{variant}.{EXTENSIONS.get(image.content_type, 'img')}"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["Cache-Control"] = BROWSER_CACHE
    response["X-Content-Type-Options"] = "nosniff"
    # Opened on its own, the picture can run nothing and load nothing.
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def _refusal(status: int, reason: str) -> HttpResponse:
    response = HttpResponse(reason, status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
