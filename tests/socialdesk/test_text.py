"""The text rules every form and API input uses: one line means one line of
plain text; multi-line text keeps its line breaks but no control characters."""

from __future__ import annotations

import pytest
from django import forms
from django.core.exceptions import ValidationError
from rest_framework import serializers

from socialdesk.text import (
    MultiLineCharField,
    MultiLineField,
    SingleLineCharField,
    SingleLineField,
    one_line,
    validate_multi_line,
    validate_single_line,
)

# What an attacker would try in a name or a title: header splitting, a NUL
# for Postgres, a terminal escape, C1's NEXT LINE, and every bidi control.
REFUSED_ON_ONE_LINE = [
    "\x00",
    "\n",
    "\r",
    "\r\n",
    "\t",
    "\x1b",
    "\x7f",
    "\x85",
    "\x9b",
    "\u2028",
    *[chr(c) for c in range(0x202A, 0x202F)],
    *[chr(c) for c in range(0x2066, 0x206A)],
]
PLAIN = ["Flooding on Riverside", "O'Sullivan", "محمد العلي", "שלום", "Zoë 🙂 (Noël)", "a\u200fb"]


@pytest.mark.parametrize(
    "bad", REFUSED_ON_ONE_LINE, ids=[f"U+{ord(c[0]):04X}" for c in REFUSED_ON_ONE_LINE]
)
def test_single_line_refuses_controls_and_direction_overrides(bad):
    with pytest.raises(ValidationError) as refused:
        validate_single_line(f"Jo{bad}Bloggs")
    assert refused.value.messages[0].startswith("Use one line of plain text:")


@pytest.mark.parametrize("text", PLAIN)
def test_plain_text_in_any_script_is_accepted(text):
    validate_single_line(text)
    validate_multi_line(text)


def test_the_message_names_what_was_found():
    with pytest.raises(ValidationError, match="a line break is not allowed"):
        validate_single_line("Flood\r\nBcc: everyone@example.org")
    with pytest.raises(
        ValidationError, match=r"text-direction control \(U\+202E RIGHT-TO-LEFT OVERRIDE\)"
    ):
        validate_single_line("\u202egnp.exe")
    with pytest.raises(ValidationError, match=r"NUL \(a null character\)"):
        validate_single_line("a\x00b")


def test_multi_line_keeps_line_breaks_and_tabs_but_refuses_nul():
    validate_multi_line("Called Jo.\r\nWill ring back\tat 3pm.\n")
    with pytest.raises(ValidationError) as refused:
        validate_multi_line("Called\x00Jo")
    assert refused.value.messages == [
        "NUL and other control characters are not allowed: remove NUL (a null character)."
    ]
    with pytest.raises(ValidationError, match=r"U\+001B"):
        validate_multi_line("\x1b[2Jcleared")


def test_one_line_folds_breaks_and_drops_direction_controls():
    assert one_line("Flood\r\nBcc: x@example.org\t \u202eend") == "Flood Bcc: x@example.org end"
    assert one_line("") == ""


def test_the_fields_give_one_message_for_a_nul_not_two():
    form_field, api_field = SingleLineField(), SingleLineCharField()
    with pytest.raises(ValidationError) as refused:
        form_field.clean("a\x00b")
    assert len(refused.value.messages) == 1
    with pytest.raises(serializers.ValidationError) as api_refused:
        api_field.run_validation("a\x00b")
    assert len(api_refused.value.detail) == 1
    assert MultiLineField().clean("two\nlines") == "two\nlines"
    assert MultiLineCharField().run_validation("two\nlines") == "two\nlines"


# --- every form and input serializer uses them ------------------------------------------------


def _our_forms():
    from accounts import forms as account_forms
    from audit import forms as audit_forms
    from channels import forms as channel_forms
    from escalation import forms as escalation_forms
    from inbox import admin as inbox_admin
    from inbox import forms as inbox_forms
    from kpis import forms as kpi_forms
    from records import forms as records_forms

    modules = [
        account_forms,
        audit_forms,
        escalation_forms,
        inbox_admin,
        channel_forms,
        inbox_forms,
        kpi_forms,
        records_forms,
    ]
    for module in modules:
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, forms.BaseForm)
                and value.__module__ == module.__name__
            ):
                yield value


def _text_fields(form_class):
    for name, field in form_class.base_fields.items():
        if type(field) is forms.CharField or isinstance(field, SingleLineField | MultiLineField):
            yield name, field


def test_every_text_field_of_our_forms_follows_a_text_rule():
    checked, loose = 0, []
    for form_class in _our_forms():
        for name, field in _text_fields(form_class):
            checked += 1
            if isinstance(field.widget, forms.PasswordInput) and name == "password":
                continue  # a password is a secret: any character it holds is the owner's
            multi = isinstance(field.widget, forms.Textarea)
            wanted = MultiLineField if multi else SingleLineField
            if not isinstance(field, wanted):
                loose.append(f"{form_class.__name__}.{name}")
    assert checked > 20 and not loose


def test_every_text_input_of_the_api_follows_a_text_rule():
    from inbox.api import serializers as inbox_api

    loose, checked = [], 0
    for name, value in vars(inbox_api).items():
        if not (isinstance(value, type) and name.endswith("In")):
            continue
        for field_name, field in value._declared_fields.items():
            if isinstance(field, serializers.CharField) and not isinstance(
                field, serializers.ChoiceField
            ):
                checked += 1
                if not isinstance(field, SingleLineCharField | MultiLineCharField):
                    loose.append(f"{name}.{field_name}")
    assert checked >= 8 and not loose
