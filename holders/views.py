"""The holder portal: read-only, and only the holder's own notes."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView

from holders import selectors


class PortalHomeView(LoginRequiredMixin, TemplateView):
    template_name = "holders/portal_home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        holder = selectors.holder_for_user(self.request.user)
        ctx["holder"] = holder
        ctx["notes"] = selectors.holder_notes(holder)
        return ctx


class PortalNoteView(LoginRequiredMixin, TemplateView):
    template_name = "holders/portal_note.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        holder = selectors.holder_for_user(self.request.user)
        ctx["holder"] = holder
        # Another holder's note is a 404, not a 403: its existence is not disclosed.
        ctx["note"] = get_object_or_404(selectors.holder_notes(holder), pk=kwargs["pk"])
        return ctx
