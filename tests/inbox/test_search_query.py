"""The search box's language: what the officer typed, as text and operators.
It reads outside input, so the properties matter more than the examples."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from inbox.search_query import (
    OPERATORS,
    SearchQuery,
    SearchQueryError,
    search_query_format,
    search_query_parse,
)


def test_it_splits_text_from_operators():
    q = search_query_parse('from:@jo_res label:"needs review" is:unread bins "Elm Road" -car')
    assert q == SearchQuery(
        text='bins "Elm Road" -car',
        from_handles=("jo_res",),
        labels=("needs review",),
        unread=True,
    )
    assert q.terms() == [("bins", False), ("Elm Road", False), ("car", True)]


def test_operators_are_case_insensitive_and_repeats_are_kept_once():
    q = search_query_parse("IS:Mine channel:Riverside Channel:riverside from:a from:b")
    assert q.mine and q.channels == ("Riverside",) and q.from_handles == ("a", "b")
    assert q.text == ""


@pytest.mark.parametrize("raw", ["https://example.org/bins", "at 10:30 today", "Re: bins", "a:"])
def test_links_times_and_lone_colons_are_text(raw):
    assert search_query_parse(raw) == SearchQuery(text=raw)


@pytest.mark.parametrize(
    ("raw", "said"),
    [
        ("stauts:open", "“stauts:” is not a search operator"),
        ("bins to:council", "“to:” is not a search operator"),
        ("is:new", "“is:new” is not something search knows"),
        ("-label:bins", "cannot leave things out"),
    ],
)
def test_unknown_operators_are_refused_with_a_sentence(raw, said):
    with pytest.raises(SearchQueryError) as caught:
        search_query_parse(raw)
    assert said in str(caught.value)


def test_an_unclosed_quote_runs_to_the_end():
    assert search_query_parse('"parking perm').text == '"parking perm"'
    assert search_query_parse('label:"needs rev').labels == ("needs rev",)


# --- properties --------------------------------------------------------------------------

_ALPHABET = st.characters(blacklist_categories=("Cs",))


@given(st.text(_ALPHABET, max_size=150))
@example('from:@"a b"')
@example('x:" -"')
@example('from:"//a"')
@example("\x1c-\x1fis:mine")
def test_any_input_parses_or_is_refused_and_formats_back_to_the_same(raw):
    try:
        parsed = search_query_parse(raw)
    except SearchQueryError as exc:
        assert str(exc)
        return
    assert search_query_parse(search_query_format(parsed)) == parsed
    # What reaches the engines is bounded and single-spaced.
    assert len(parsed.text) <= 200 and "  " not in parsed.text
    assert all(term and not term.startswith(" ") for term, _ in parsed.terms())


_value = (
    st.text(st.characters(whitelist_categories=("L", "N"), whitelist_characters="_-. "), min_size=1)
    .map(lambda v: " ".join(v.split()))
    .filter(bool)
)
_word = st.text(st.characters(whitelist_categories=("L", "N")), min_size=1, max_size=12)


@given(
    words=st.lists(_word, max_size=4),
    handles=st.lists(_value, max_size=2, unique_by=str.lower),
    channels=st.lists(_value, max_size=2, unique_by=str.lower),
    labels=st.lists(_value, max_size=2, unique_by=str.lower),
    unread=st.booleans(),
    mine=st.booleans(),
)
def test_what_is_written_with_operators_is_read_back(
    words, handles, channels, labels, unread, mine
):
    handles = [h for h in handles if h.lstrip("@")]
    wanted = SearchQuery(
        text=" ".join(words),
        from_handles=tuple(h.lstrip("@") for h in handles),
        channels=tuple(channels),
        labels=tuple(labels),
        unread=unread,
        mine=mine,
    )
    typed = search_query_format(wanted)
    if len(typed) > 200:
        return  # the box holds 200 characters; longer is cut, as the form would
    assert search_query_parse(typed) == wanted


@given(
    name=st.from_regex(r"[A-Za-z]{1,10}", fullmatch=True).filter(
        lambda n: n.lower() not in OPERATORS
    ),
    value=_word,
)
def test_every_unknown_operator_is_named_in_the_refusal(name, value):
    with pytest.raises(SearchQueryError) as caught:
        search_query_parse(f"bins {name}:{value}")
    assert f"“{name}:”" in str(caught.value)
