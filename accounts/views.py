"""Sign-in pages: invitations, the second factor, and the holder page's people.

Finance invites and removes the people who sign in for a holder; Auditors see
who has access and get 403 if they POST. Everyone manages their own second
factor on /account/; staff must have one when `TWO_FACTOR_REQUIRED_FOR_STAFF`
is on (accounts/middleware.py sends them to set it up).
"""

from __future__ import annotations

import base64
import io

import django_otp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, resolve_url
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.forms import CodeForm, InviteForm, RecoveryCodeForm
from accounts.middleware import two_factor_required, two_factor_step_store
from core.form_writes import already_recorded_redirect, form_record_once, key_spent_on_form
from core.idempotency import IdempotencyConflict
from core.permissions import is_staff_reader
from core.views import StaffPageMixin, finance_required, service_errors_to_form
from holders.models import Holder, HolderLogin


def _next_url(request, default: str) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return resolve_url(default)


def _no_store(response):
    # Codes and QR secrets are never kept by a browser's or proxy's cache.
    response["Cache-Control"] = "no-store"
    return response


# Holders' people (staff) ------------------------------------------------------------


class HolderPersonInviteView(StaffPageMixin, View):
    template_name = "accounts/invite.html"

    def render(self, request, holder, form, status=200):
        context = {
            "holder": holder,
            "form": form,
            "valid_days": settings.HOLDER_INVITATION_VALID_DAYS,
        }
        return TemplateResponse(request, self.template_name, context, status=status)

    def get(self, request, pk: int):
        finance_required(request)
        return self.render(request, get_object_or_404(Holder, pk=pk), InviteForm())

    def post(self, request, pk: int):
        finance_required(request)
        holder = get_object_or_404(Holder, pk=pk)
        form = InviteForm(request.POST)
        if not form.is_valid():
            return self.render(request, holder, form)
        data = form.cleaned_data
        people_url = f"{reverse('holders:detail', args=[holder.pk])}#people"

        def write():
            return services.holder_person_invite(
                holder=holder,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                invited_by=request.user,
                link_for=lambda token: request.build_absolute_uri(
                    reverse("accounts:invitation", args=[token])
                ),
            ).invitation

        try:
            outcome = form_record_once(
                request, form=form, write=write, location=lambda invitation: people_url
            )
        except ValidationError as exc:
            service_errors_to_form(form, exc)
            return self.render(request, holder, form)
        except IdempotencyConflict:
            key_spent_on_form(form, what="invitation")
            return self.render(request, holder, form)
        if outcome.replayed:
            return already_recorded_redirect(request, outcome, what="invitation")
        invitation = outcome.value
        messages.success(
            request,
            f"Sent an invitation to {invitation.email}. The link works once, until "
            f"{timezone.localtime(invitation.expires_at):%Y-%m-%d %H:%M}.",
        )
        return redirect(people_url)


class HolderPersonReinviteView(StaffPageMixin, View):
    """Send a pending (or expired) invitation again: the earlier link stops working."""

    http_method_names = ["post"]

    def post(self, request, pk: int, login_pk: int):
        finance_required(request)
        person = get_object_or_404(HolderLogin.objects.select_related("user"), pk=login_pk,
                                   holder_id=pk)
        holder_url = f"{reverse('holders:detail', args=[pk])}#people"
        try:
            sent = services.holder_person_invite(
                holder=person.holder,
                email=person.user.email,
                invited_by=request.user,
                link_for=lambda token: request.build_absolute_uri(
                    reverse("accounts:invitation", args=[token])
                ),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(holder_url)
        messages.success(
            request,
            f"Sent a new invitation to {sent.invitation.email}; the earlier link no longer "
            "works.",
        )
        return redirect(holder_url)


class HolderPersonRemoveView(StaffPageMixin, View):
    """Confirm, then end a person's access and every session they have open."""

    template_name = "accounts/remove.html"

    def _person(self, pk, login_pk):
        return get_object_or_404(
            HolderLogin.objects.select_related("user", "holder"), pk=login_pk, holder_id=pk
        )

    def get(self, request, pk: int, login_pk: int):
        finance_required(request)
        return TemplateResponse(request, self.template_name, {"person": self._person(pk, login_pk)})

    def post(self, request, pk: int, login_pk: int):
        finance_required(request)
        person = self._person(pk, login_pk)
        services.holder_person_remove(login=person, removed_by=request.user)
        name = person.user.get_full_name() or person.user.get_username()
        messages.success(
            request,
            f"Removed {name}'s access to {person.holder.name}'s notes; they were signed out "
            "everywhere.",
        )
        return redirect(f"{reverse('holders:detail', args=[pk])}#people")


# Failed sign-ins -------------------------------------------------------------------


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout page: the same words whatever the username, existing or not."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    response = TemplateResponse(
        request, "registration/locked_out.html", {"cooloff_minutes": minutes},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    return response.render()


# Accepting an invitation -----------------------------------------------------------


@method_decorator([never_cache, sensitive_post_parameters()], name="dispatch")
class InvitationAcceptView(View):
    template_name = "accounts/invitation.html"

    def refused(self, request, exc: services.InvitationRefused):
        return TemplateResponse(
            request, "accounts/invitation_refused.html", {"message": exc.message},
            status=exc.status,
        )

    def get(self, request, token: str):
        try:
            invitation = services.invitation_for_token(token)
        except services.InvitationRefused as exc:
            return self.refused(request, exc)
        form = SetPasswordForm(invitation.user)
        return TemplateResponse(request, self.template_name,
                                {"invitation": invitation, "form": form})

    def post(self, request, token: str):
        try:
            invitation = services.invitation_for_token(token)
        except services.InvitationRefused as exc:
            return self.refused(request, exc)
        form = SetPasswordForm(invitation.user, request.POST)
        if not form.is_valid():
            return TemplateResponse(request, self.template_name,
                                    {"invitation": invitation, "form": form})
        try:
            user = services.invitation_accept(
                token=token, password=form.cleaned_data["new_password1"]
            )
        except services.InvitationRefused as exc:
            return self.refused(request, exc)
        # Signed in at once (a new session key, as at any sign-in).
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request,
            f"Your password is set. You are signed in as {user.get_username()}; use it with "
            "your password next time.",
        )
        return redirect("portal-home")


# The second factor -----------------------------------------------------------------


@method_decorator(never_cache, name="dispatch")
class VerifyView(View):
    """The second step of signing in: a code from the app, or a recovery code."""

    recovery = False

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect("login")
        if request.user.is_verified():
            return redirect(_next_url(request, settings.LOGIN_REDIRECT_URL))
        if not user_has_device(request.user):
            return redirect(_next_url(request, settings.LOGIN_REDIRECT_URL))
        return super().dispatch(request, *args, **kwargs)

    def render(self, request, form, status=200):
        return TemplateResponse(
            request,
            "accounts/verify.html",
            {
                "form": form,
                "recovery": self.recovery,
                "next": _next_url(request, settings.LOGIN_REDIRECT_URL),
            },
            status=status,
        )

    def get(self, request):
        return self.render(request, RecoveryCodeForm() if self.recovery else CodeForm())

    def post(self, request):
        form = (RecoveryCodeForm if self.recovery else CodeForm)(request.POST)
        if not form.is_valid():
            return self.render(request, form)
        device = services.second_factor_check(
            user=request.user, code=form.cleaned_data["code"], recovery=self.recovery
        )
        if device is None:
            form.add_error(
                "code",
                "That recovery code does not match, or it was used already."
                if self.recovery
                else "That code does not match. Type the six digits the app shows now; "
                "after several wrong codes, wait a little before trying again.",
            )
            return self.render(request, form)
        django_otp.login(request, device)
        request.session.cycle_key()
        if self.recovery:
            left = StaticDevice.objects.get(pk=device.pk).token_set.count()
            messages.warning(
                request,
                f"You signed in with a recovery code; {left} left. Make new ones on the "
                "Account page if you are running low.",
            )
        return redirect(_next_url(request, settings.LOGIN_REDIRECT_URL))


class SecurityView(LoginRequiredMixin, View):
    def get(self, request):
        user = request.user
        app = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        recovery = StaticDevice.objects.filter(user=user).first()
        context = {
            "app": app,
            "recovery_left": recovery.token_set.count() if recovery else 0,
            "required": two_factor_required(user),
            "staff": is_staff_reader(user),
        }
        return TemplateResponse(request, "accounts/security.html", context)


def _codes_page(request, codes: list[str]):
    return _no_store(
        TemplateResponse(request, "accounts/recovery_codes.html", {"codes": codes})
    )


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    out = io.BytesIO()
    image.save(out)
    svg = out.getvalue().decode()
    # The XML declaration is not wanted inline in HTML.
    return svg[svg.index("<svg"):]


@method_decorator(never_cache, name="dispatch")
class TotpEnrolView(LoginRequiredMixin, View):
    """Set up an authenticator app: scan the QR code (or type the key), then give a code."""

    template_name = "accounts/totp_enrol.html"

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        # Replacing an app needs this session to have given the second factor already.
        if user.is_authenticated and user_has_device(user) and not user.is_verified():
            return redirect(f"{reverse('accounts:verify')}?next={request.path}")
        return super().dispatch(request, *args, **kwargs)

    def render(self, request, form):
        device = services.totp_device_pending(request.user)
        secret = base64.b32encode(device.bin_key).decode().rstrip("=")
        context = {
            "form": form,
            "qr": mark_safe(_qr_svg(device.config_url)),  # noqa: S308 - made here, not input
            "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
            "required": two_factor_required(request.user),
        }
        return _no_store(TemplateResponse(request, self.template_name, context))

    def get(self, request):
        return self.render(request, CodeForm())

    def post(self, request):
        form = CodeForm(request.POST)
        if not form.is_valid():
            return self.render(request, form)
        device = services.totp_device_pending(request.user)
        try:
            codes = services.totp_enrol_confirm(
                user=request.user, device=device, code=form.cleaned_data["code"]
            )
        except ValidationError as exc:
            service_errors_to_form(form, exc)
            return self.render(request, form)
        django_otp.login(request, TOTPDevice.objects.get(pk=device.pk))
        two_factor_step_store(request.session, request.user)
        messages.success(request, "Two-step sign-in is on: you will be asked for a code "
                                  "from the app each time you log in.")
        return _codes_page(request, codes)


class RecoveryCodesView(LoginRequiredMixin, View):
    """New recovery codes (the old ones stop working), shown once."""

    http_method_names = ["post"]

    def post(self, request):
        if not TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
            return redirect("accounts:security")
        return _codes_page(request, services.recovery_codes_renew(user=request.user))


class TwoFactorRemoveView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        try:
            services.two_factor_remove(user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("accounts:security")
        two_factor_step_store(request.session, request.user)
        messages.success(request, "Two-step sign-in is off: your password alone signs you in.")
        return redirect("accounts:security")
