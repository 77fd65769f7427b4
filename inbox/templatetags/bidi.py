"""Direction isolation for names where markup cannot go.

In page text a name goes in ``<bdi>``; inside ``<title>``, ``<option>`` and
plain-text e-mail there is no element to use, so the name is wrapped in the
Unicode isolate characters instead (FIRST STRONG ISOLATE ... POP DIRECTIONAL
ISOLATE): a right-to-left override in someone's name then cannot reorder the
words around it."""

from __future__ import annotations

from django import template

from socialdesk.text import isolated

register = template.Library()


@register.filter(is_safe=True)
def isolate(value) -> str:
    # is_safe: the isolates add nothing HTML-special, so escaping still applies
    # to the value as it would without the filter.
    return isolated(value)
