"""Forms of the accounts pages: input parsing only; the rules are the services'."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.db.models import Q

from core.forms import OneTimeKeyMixin


class InviteForm(OneTimeKeyMixin, forms.Form):
    """Once per rendered form: a double click sends one e-mail, not two links of which
    only the last works."""

    email = forms.EmailField(
        label="E-mail address",
        max_length=150,
        help_text="The invitation goes here, and this address is the person's login.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    first_name = forms.CharField(label="First name", max_length=150, required=False)
    last_name = forms.CharField(label="Last name", max_length=150, required=False)


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Six-digit code from your authenticator app",
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class RecoveryCodeForm(forms.Form):
    code = forms.CharField(
        label="Recovery code",
        max_length=40,
        help_text="One of the codes you saved when you set up two-step sign-in. Each works once.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )


class PasswordResetByNameOrEmailForm(PasswordResetForm):
    """Django's reset form, also taking a username: the e-mail goes to the address on file.

    The page after it reads the same whether or not anyone matched (the view always
    redirects to the same "check your e-mail" page), so it tells nobody which
    addresses or usernames exist.
    """

    email = forms.CharField(
        label="E-mail address or username",
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )

    def get_users(self, email):
        given = (email or "").strip()
        if not given:
            return iter(())
        User = get_user_model()
        users = User._default_manager.filter(
            Q(email__iexact=given) | Q(username__iexact=given), is_active=True
        ).exclude(email="")
        return (u for u in users if u.has_usable_password())
