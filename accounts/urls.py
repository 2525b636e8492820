"""Sign-in pages (/account/…) and the holder page's people (/holders/<pk>/people/…)."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from accounts import forms, views

app_name = "accounts"

urlpatterns = [
    path("account/", views.SecurityView.as_view(), name="security"),
    path("account/verify/", views.VerifyView.as_view(), name="verify"),
    path(
        "account/verify/recovery/",
        views.VerifyView.as_view(recovery=True),
        name="verify-recovery",
    ),
    path("account/two-step/set-up/", views.TotpEnrolView.as_view(), name="totp-enrol"),
    path(
        "account/two-step/recovery-codes/",
        views.RecoveryCodesView.as_view(),
        name="recovery-codes",
    ),
    path("account/two-step/turn-off/", views.TwoFactorRemoveView.as_view(), name="two-step-off"),
    path("account/invitation/<str:token>/", views.InvitationAcceptView.as_view(),
         name="invitation"),
    path(
        "account/password/",
        auth_views.PasswordChangeView.as_view(
            template_name="accounts/password_change.html",
            success_url=reverse_lazy("accounts:password-changed"),
        ),
        name="password-change",
    ),
    path(
        "account/password/changed/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="accounts/password_changed.html"
        ),
        name="password-changed",
    ),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            form_class=forms.PasswordResetByNameOrEmailForm,
            template_name="accounts/password_reset.html",
            email_template_name="accounts/email/password_reset.txt",
            subject_template_name="accounts/email/password_reset_subject.txt",
            success_url=reverse_lazy("accounts:password-reset-sent"),
        ),
        name="password-reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_sent.html"),
        name="password-reset-sent",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html",
            success_url=reverse_lazy("accounts:password-reset-done"),
        ),
        name="password-reset-confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_done.html"
        ),
        name="password-reset-done",
    ),
    path("holders/<int:pk>/people/invite/", views.HolderPersonInviteView.as_view(),
         name="invite"),
    path(
        "holders/<int:pk>/people/<int:login_pk>/invite-again/",
        views.HolderPersonReinviteView.as_view(),
        name="reinvite",
    ),
    path(
        "holders/<int:pk>/people/<int:login_pk>/remove/",
        views.HolderPersonRemoveView.as_view(),
        name="remove",
    ),
]
