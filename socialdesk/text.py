"""What text people may type into our forms and API, and one-line text for
headers.

Single-line values (names, titles, handles, search terms, tokens) end up in
e-mail subjects, CSV cells, log lines and the middle of sentences on a page:
a line break there splits a header, and a bidi override turns the rest of
the sentence around (a spoofed name). Multi-line values (notes, replies,
reasons) keep their line breaks, but a NUL or other control character is
never meant, and Postgres cannot store a NUL at all.
"""

from __future__ import annotations

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from rest_framework import serializers

# C0 and DEL and C1 controls, the Unicode line and paragraph separators, and
# the bidi embeddings, overrides and isolates (U+202A-202E, U+2066-2069).
_NOT_SINGLE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# Tab, line feed and carriage return are how a multi-line text is written.
_NOT_MULTI_LINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_WHITESPACE_RUN = re.compile(r"\s+")

_NAMED = {
    "\x00": "NUL (a null character)",
    "\t": "a tab",
    "\n": "a line break",
    "\r": "a line break",
    "\u2028": "a line break",
    "\u2029": "a line break",
}


def _describe(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = f"U+{ord(char):04X}"
    if "\u202a" <= char <= "\u202e" or "\u2066" <= char <= "\u2069":
        return f"a text-direction control ({code} {unicodedata.name(char)})"
    return f"a control character ({code})"


def validate_single_line(value: str) -> None:
    found = _NOT_SINGLE_LINE.search(value or "")
    if found:
        raise ValidationError(
            "Use one line of plain text: %(what)s is not allowed here.",
            code="control_characters",
            params={"what": _describe(found.group())},
        )


def validate_multi_line(value: str) -> None:
    found = _NOT_MULTI_LINE.search(value or "")
    if found:
        raise ValidationError(
            "NUL and other control characters are not allowed: remove %(what)s.",
            code="control_characters",
            params={"what": _describe(found.group())},
        )


def one_line(value: str) -> str:
    """The text on one line, for a header or a log line: every run of
    whitespace or controls becomes one space, direction controls go."""
    text = _NOT_SINGLE_LINE.sub(" ", value or "")
    return _WHITESPACE_RUN.sub(" ", text).strip()


def _without_default_nul_check(validators: list) -> list:
    # Ours covers NUL and says what to do; Django's would add a second message.
    return [v for v in validators if not isinstance(v, ProhibitNullCharactersValidator)]


class SingleLineField(forms.CharField):
    default_validators = [validate_single_line]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators = _without_default_nul_check(self.validators)


class MultiLineField(forms.CharField):
    default_validators = [validate_multi_line]
    widget = forms.Textarea

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators = _without_default_nul_check(self.validators)


class SingleLineCharField(serializers.CharField):
    default_validators = [validate_single_line]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators = _without_default_nul_check(self.validators)


class MultiLineCharField(serializers.CharField):
    default_validators = [validate_multi_line]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators = _without_default_nul_check(self.validators)


FSI, PDI = "\u2068", "\u2069"


def isolated(value) -> str:
    """The value between FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE, for
    a name where no <bdi> can go (<title>, <option>, plain-text e-mail)."""
    return f"{FSI}{value}{PDI}"


class IsolatedNameChoiceField(forms.ModelChoiceField):
    """A choice of people or contacts whose names are isolated in <option>."""

    def label_from_instance(self, obj) -> str:
        return isolated(obj)


class IsolatedNamesMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return isolated(obj)
