"""Forms drawn as GOV.UK Frontend fields, through Django's own form renderer.

Every form renders its fields with the design system's classes and markup
(label, hint, error message, the input with its error modifier), so templates
write ``{{ form.field.as_field_group }}`` or ``{{ form }}`` and nothing else.
"""

from __future__ import annotations

from django import forms
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting
from django.forms.widgets import Input

# The input class for each widget, and its error modifier where it has one.
_CLASSES: list[tuple[type[forms.Widget], str, str]] = [
    (forms.CheckboxSelectMultiple, "govuk-checkboxes__input", ""),
    (forms.RadioSelect, "govuk-radios__input", ""),
    (forms.CheckboxInput, "govuk-checkboxes__input", ""),
    (forms.Textarea, "govuk-textarea", "govuk-textarea--error"),
    (forms.SelectMultiple, "govuk-select app-select-multiple", "govuk-select--error"),
    (forms.Select, "govuk-select", "govuk-select--error"),
    (forms.FileInput, "govuk-file-upload", "govuk-file-upload--error"),
    (Input, "govuk-input", "govuk-input--error"),
]

# Django's widget templates replaced by the design system's markup.
_TEMPLATES = {
    "django/forms/field.html": "design/field.html",
    "django/forms/widgets/multiple_input.html": "design/widgets/options.html",
    "django/forms/widgets/checkbox_select.html": "design/widgets/options.html",
    "django/forms/widgets/radio.html": "design/widgets/options.html",
}


def design_class(widget: forms.Widget, *, has_errors: bool) -> str:
    for widget_type, css, error_css in _CLASSES:
        if isinstance(widget, widget_type):
            return f"{css} {error_css}".strip() if has_errors and error_css else css
    return ""


class DesignBoundField(BoundField):
    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        css = design_class(widget, has_errors=bool(self.errors))
        if css:
            own = widget.attrs.get("class", "")
            attrs["class"] = f"{css} {own}".strip()
        return attrs


class DesignFormRenderer(TemplatesSetting):
    bound_field_class = DesignBoundField
    field_template_name = "design/field.html"
    form_template_name = "design/form.html"

    def get_template(self, template_name):
        return super().get_template(_TEMPLATES.get(template_name, template_name))
