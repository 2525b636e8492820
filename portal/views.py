"""The holder portal: read-only, and only the holder's own notes."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.generic import TemplateView

from notes.selectors import note_facts_read, note_money_read
from portal import selectors


class PortalHomeView(LoginRequiredMixin, TemplateView):
    template_name = "portal/home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        holder = selectors.holder_for_user(self.request.user)
        ctx["holder"] = holder
        ctx["notes"] = selectors.holder_notes(holder)
        return ctx


class PortalNoteView(LoginRequiredMixin, TemplateView):
    """The holder's own note: its position today and its statements, nothing to change."""

    template_name = "portal/note.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        holder = selectors.holder_for_user(self.request.user)
        ctx["holder"] = holder
        # Another holder's note is a 404, not a 403: its existence is not disclosed.
        note = get_object_or_404(selectors.holder_notes(holder), pk=kwargs["pk"])
        ctx["note"] = note
        ctx["money"] = note_money_read(
            note=note, as_of=timezone.localdate(), facts=note_facts_read(note=note)
        )
        return ctx
