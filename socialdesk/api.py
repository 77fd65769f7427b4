"""The browsable API, drawn by our own page.

DRF's own browsable pages use inline styles, which our Content Security Policy
refuses (and a government CSP would too). This renderer shows the same JSON in
a page built on our base template: no inline style or script, nothing from
another origin. Production leaves it out altogether (``API_BROWSABLE``).
"""

from __future__ import annotations

from django.template import loader
from rest_framework import renderers


class BrowsableApiRenderer(renderers.BaseRenderer):
    media_type = "text/html"
    format = "api"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        context = renderer_context or {}
        request, response, view = context["request"], context["response"], context["view"]
        body = renderers.JSONRenderer().render(
            data, "application/json; indent=2", {**context, "indent": 2}
        )
        page = {
            "name": view.get_view_name(),
            "description": view.get_view_description(),
            "method": request.method,
            "path": request.get_full_path(),
            "status": response.status_code,
            "allowed_methods": view.allowed_methods,
            "body": body.decode() if body else "",
        }
        return loader.get_template("api/browsable.html").render(page, request=request)
