"""The remembered ``reverse`` answers as Django's would, under another
script prefix (a deployment below a path) or URLconf too."""

from __future__ import annotations

from django.urls import clear_script_prefix, reverse, set_script_prefix

from inbox.url_cache import reverse_cached


def test_same_answers_as_reverse():
    assert reverse_cached("inbox:list") == reverse("inbox:list")
    assert reverse_cached("inbox:conversation", 7) == reverse("inbox:conversation", args=[7])


def test_a_script_prefix_is_part_of_the_key():
    plain = reverse_cached("inbox:list")
    set_script_prefix("/socialdesk/")
    try:
        assert reverse_cached("inbox:list") == "/socialdesk" + plain
    finally:
        clear_script_prefix()
    assert reverse_cached("inbox:list") == plain


def test_another_urlconf_is_part_of_the_key(settings):
    plain = reverse_cached("inbox:list")
    settings.ROOT_URLCONF = "tests.inbox.urls_below_a_path"
    assert reverse_cached("inbox:list") == "/council" + plain
