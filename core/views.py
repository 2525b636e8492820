"""Page machinery every staff page uses: who may see and write, htmx fragments, refusals."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.cache import patch_vary_headers

from core.permissions import is_finance, is_staff_reader


class StaffPageMixin(LoginRequiredMixin):
    """Finance and Auditors only; a holder's login goes to the portal."""

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not is_staff_reader(user):
            if hasattr(user, "holder_login"):
                return redirect("portal-home")
            raise PermissionDenied("NoteDesk staff pages are for Finance and Auditors.")
        return super().dispatch(request, *args, **kwargs)


def finance_required(request) -> None:
    """Writes are Finance's: Auditors (and anyone else) get 403."""
    if not is_finance(request.user):
        raise PermissionDenied("Only Finance staff may change records; Auditors may read them.")


def htmx_fragment_wanted(request) -> bool:
    """An htmx swap asks for the fragment; a history restore needs the whole page."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def render_page_or_fragment(request, template: str, fragment: str, context: dict, **kwargs):
    """The whole page, or `template#fragment` for an htmx request; cached apart by header."""
    name = f"{template}#{fragment}" if htmx_fragment_wanted(request) else template
    response = TemplateResponse(request, name, context, **kwargs)
    patch_vary_headers(response, ("HX-Request",))
    return response


def service_errors_to_form(form, exc: ValidationError) -> None:
    """Show a service's refusal on the form: on its field when the form has it."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        form.add_error(None, exc)
