"""Login, logout, passwords, organisation settings, invitations, health check."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from core import views

app_name = "core"
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/change/",
        auth_views.PasswordChangeView.as_view(success_url=reverse_lazy("core:password_change_done")),
        name="password_change",
    ),
    path(
        "accounts/password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "accounts/password/reset/",
        auth_views.PasswordResetView.as_view(
            email_template_name="registration/password_reset_email.txt",
            subject_template_name="registration/password_reset_subject.txt",
            success_url=reverse_lazy("core:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(success_url=reverse_lazy("core:password_reset_complete")),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("settings/organisation/", views.organisation_settings_home, name="organisation-settings-home"),
    path("settings/organisation/switch/", views.organisation_switch_view, name="organisation-switch"),
    path(
        "settings/organisation/<slug:slug>/", views.organisation_settings_page, name="organisation-settings"
    ),
    path("settings/organisation/<slug:slug>/audit/", views.audit_log_view, name="audit-log"),
    path(
        "settings/organisation/<slug:slug>/invitations/",
        views.invitation_create_view,
        name="invitation-create",
    ),
    path(
        "settings/organisation/<slug:slug>/invitations/<int:pk>/revoke/",
        views.invitation_revoke_view,
        name="invitation-revoke",
    ),
    path(
        "settings/organisation/<slug:slug>/members/<int:pk>/role/",
        views.member_role_view,
        name="member-role",
    ),
    path(
        "settings/organisation/<slug:slug>/members/<int:pk>/remove/",
        views.member_remove_view,
        name="member-remove",
    ),
    path("settings/organisation/<slug:slug>/agencies/", views.agency_link_add_view, name="agency-link-add"),
    path(
        "settings/organisation/<slug:slug>/agencies/<int:pk>/remove/",
        views.agency_link_remove_view,
        name="agency-link-remove",
    ),
    path("invitations/<str:token>/", views.invitation_accept_view, name="invitation-accept"),
]
