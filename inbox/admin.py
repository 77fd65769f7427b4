from __future__ import annotations

from django import forms
from django.contrib import admin

from accounts.admin_site import AdminRoleMixin
from inbox.models import (
    AbuseTerm,
    CannedResponse,
    Channel,
    Label,
    Network,
    QuarantinedPayload,
    WebhookDelivery,
)
from inbox.networks.credentials import CREDENTIAL_FIELDS
from socialdesk.text import SingleLineField


class ChannelAdminForm(forms.ModelForm):
    """Credentials are write-only: fields render empty, blank keeps the stored value."""

    class Meta:
        model = Channel
        fields = [
            "network",
            "name",
            "handle",
            "external_account_id",
            "is_active",
            "is_sandbox",
            "teams",
            "poll_interval_seconds",
        ]
        field_classes = {
            "name": SingleLineField,
            "handle": SingleLineField,
            "external_account_id": SingleLineField,
        }

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        network = cleaned.get("network")
        given = {
            name: cleaned.get(f"cred_{name}")
            for name, _ in CREDENTIAL_FIELDS.get(network or "", [])
            if cleaned.get(f"cred_{name}")
        }
        if given and network:
            existing = self.instance.get_credentials() if self.instance.pk else {}
            missing = [
                label
                for name, label in CREDENTIAL_FIELDS[network]
                if name not in given and name not in existing
            ]
            if missing:
                raise forms.ValidationError(f"Also needed: {', '.join(missing)}.")
        self._new_credentials = given
        return cleaned

    def save(self, commit=True):
        channel = super().save(commit=False)
        if self._new_credentials:
            merged = channel.get_credentials() if channel.pk else {}
            merged.update(self._new_credentials)
            channel.set_credentials(merged)
        if commit:
            channel.save()
            self.save_m2m()
        return channel


def _all_credential_fields() -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for network in Network.values:
        for name, label in CREDENTIAL_FIELDS.get(network, []):
            seen.setdefault(name, label)
    return list(seen.items())


for _name, _label in _all_credential_fields():
    # Declared on the class (not in __init__) so the admin's form factory knows them.
    ChannelAdminForm.declared_fields[f"cred_{_name}"] = ChannelAdminForm.base_fields[
        f"cred_{_name}"
    ] = SingleLineField(
        label=_label,
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Write-only. Leave blank to keep what is stored.",
    )


@admin.register(Channel)
class ChannelAdmin(AdminRoleMixin, admin.ModelAdmin):
    form = ChannelAdminForm
    list_display = ["name", "network", "handle", "is_active", "needs_attention", "last_polled_at"]
    list_filter = ["network", "is_active", "needs_attention", "is_sandbox"]
    search_fields = ["name", "handle"]
    readonly_fields = ["credentials_status", "last_polled_at", "last_error", "rate_limited_until"]
    filter_horizontal = ["teams"]

    @admin.display(description="Credentials")
    def credentials_status(self, obj: Channel) -> str:
        return "Stored, encrypted" if obj.has_credentials else "None stored"

    def save_model(self, request, obj, form, change):
        from events.services import event_record

        super().save_model(request, obj, form, change)
        if getattr(form, "_new_credentials", None):
            # Which secrets changed, never their values.
            event_record(
                type="channel.credentials_changed",
                actor=request.user,
                channel=obj,
                data={"target": f"channel:{obj.pk}", "fields": sorted(form._new_credentials)},
            )

    def get_fieldsets(self, request, obj=None):
        cred = [f"cred_{name}" for name, _ in _all_credential_fields()]
        return [
            (None, {"fields": ChannelAdminForm.Meta.fields}),
            ("Credentials (write-only)", {"fields": ["credentials_status", *cred]}),
            ("Health", {"fields": ["last_polled_at", "last_error", "rate_limited_until"]}),
        ]


@admin.register(Label)
class LabelAdmin(AdminRoleMixin, admin.ModelAdmin):
    list_display = ["name", "colour"]
    search_fields = ["name"]


@admin.register(CannedResponse)
class CannedResponseAdmin(AdminRoleMixin, admin.ModelAdmin):
    list_display = ["title"]
    search_fields = ["title", "text"]
    filter_horizontal = ["teams"]


class _ReadOnlyLog(AdminRoleMixin, admin.ModelAdmin):
    """Evidence kept for people to inspect, never to edit."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(QuarantinedPayload)
class QuarantinedPayloadAdmin(_ReadOnlyLog):
    list_display = ["created_at", "channel", "source", "error"]
    list_filter = ["source"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(_ReadOnlyLog):
    list_display = [
        "received_at",
        "network",
        "channel",
        "processed_at",
        "stored",
        "attempts",
        "error",
    ]
    list_filter = ["network"]
    exclude = ["body"]


@admin.register(AbuseTerm)
class AbuseTermAdmin(AdminRoleMixin, admin.ModelAdmin):
    list_display = ["term", "created_by", "created_at"]
    search_fields = ["term"]
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
