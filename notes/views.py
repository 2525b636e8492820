"""Staff pages: the register at a glance, a series, a note."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Sum
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import TemplateView

from notes import selectors
from notes.permissions import is_staff_reader


class StaffPageMixin(LoginRequiredMixin):
    """Finance and Auditors only; a holder's login goes to the portal."""

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not is_staff_reader(user):
            if hasattr(user, "holder"):
                return redirect("portal-home")
            raise PermissionDenied("NoteDesk staff pages are for Finance and Auditors.")
        return super().dispatch(request, *args, **kwargs)


class HomeView(StaffPageMixin, TemplateView):
    template_name = "notes/home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["series_list"] = selectors.series_list().annotate(
            note_count=Count("notes"), principal_total=Sum("notes__principal")
        )
        ctx["notes"] = selectors.note_list_annotated().order_by("series__agreement_date", "number")
        return ctx


class SeriesDetailView(StaffPageMixin, TemplateView):
    template_name = "notes/series_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        series = get_object_or_404(selectors.series_list(), pk=kwargs["pk"])
        ctx["series"] = series
        ctx["notes"] = selectors.note_list_annotated().filter(series=series).order_by("number")
        return ctx


class NoteDetailView(StaffPageMixin, TemplateView):
    template_name = "notes/note_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["note"] = get_object_or_404(selectors.note_list_annotated(), pk=kwargs["pk"])
        return ctx


