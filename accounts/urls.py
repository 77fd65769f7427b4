from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from accounts import views
from accounts.sso import views as sso_views

urlpatterns = [
    path("security/", views.security, name="security"),
    path("waiting/", sso_views.access_pending, name="access_pending"),
    path("reauth/", views.reauth, name="reauth"),
    path("mfa/verify/", views.mfa_verify, name="mfa_verify"),
    path("mfa/setup/", views.mfa_setup, name="mfa_setup"),
    path("mfa/recovery-codes/", views.recovery_codes_reset, name="mfa_recovery_codes"),
    path("sessions/<int:pk>/end/", views.session_end, name="session_end"),
    path("tokens/new/", views.api_token_create, name="api_token_create"),
    path("tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("email/", views.email_change, name="email_change"),
    path("notifications/", views.notification_preferences, name="notification_preferences"),
    path("password/", views.password_change, name="password_change"),
    # A reset never signs anyone in (post_reset_login stays False), so the
    # second factor is still asked for at the next sign-in (ASVS 6.4.3).
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            template_name="security/password_reset.html",
            email_template_name="security/password_reset_email.txt",
            success_url=reverse_lazy("password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="security/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="security/password_reset_confirm.html",
            success_url=reverse_lazy("login"),
        ),
        name="password_reset_confirm",
    ),
]
