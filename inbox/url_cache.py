"""``reverse`` for the list poll, remembered.

Django's ``reverse`` walks the URL patterns and checks its answer against the
pattern on every call: about 0.1 ms each on these machines, twice per list
poll. The answer depends only on the name, the arguments, the URLconf and
the script prefix, and all four are the key, so a changed URLconf or prefix
(tests override both) is simply a new entry."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse


def reverse_cached(viewname: str, *args: int | str) -> str:
    return _reversed(viewname, args, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())


@lru_cache(maxsize=256)
def _reversed(viewname: str, args: tuple, urlconf: str, prefix: str) -> str:
    return reverse(viewname, args=args, urlconf=urlconf)
