from __future__ import annotations

from django import template

from console.sections import sections_for

register = template.Library()


@register.simple_tag(takes_context=True)
def settings_sections(context):
    """The sections this person may open: read on settings pages only, so the
    inbox pays nothing for the side navigation."""
    return sections_for(context["request"].user)
