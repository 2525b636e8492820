"""The holder portal: read-only, and only the holder's own records.

Every page starts from the holder linked to the login (`selectors`), so another
holder's note, notice or window is a 404 — not a 403, which would disclose
that it exists. The portal records nothing: any method but GET and HEAD is
refused with 403 (changes reach the Company by written notice, §12), and its
pages are never cached by the browser or a proxy.
"""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from notes.selectors import (
    STATEMENTS_ON_NOTE_PAGE,
    STATEMENTS_PER_PAGE,
    TIMELINE_ON_NOTE_PAGE,
    statement_links,
    timeline_linked,
)
from portal import selectors
from portal.documents import exhibit_a_pdf

READ_ONLY = (
    "The holder portal is read-only. Changes to your notes or your address reach the "
    "Company by written notice (§12)."
)


@method_decorator(never_cache, name="dispatch")
class PortalPageMixin(LoginRequiredMixin):
    """A holder's login only (anonymous → the login page), GET only, never cached."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied(READ_ONLY)
        # A login with no holder (staff) gets 404: there is no portal to show it.
        self.holder = selectors.holder_for_user(request.user)
        self.today = timezone.localdate()
        return super().dispatch(request, *args, **kwargs)


class PortalHomeView(PortalPageMixin, TemplateView):
    """The holder's notes with today's figures, the address on record, the masked tax ID."""

    template_name = "portal/home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        holder = self.holder
        ctx.update(
            holder=holder,
            today=self.today,
            rows=selectors.holder_note_rows(holder, as_of=self.today),
            address=selectors.holder_address(holder, as_of=self.today),
            issuers=selectors.holder_issuers(holder),
        )
        return ctx


class PortalNoteView(PortalPageMixin, TemplateView):
    """The holder's own note: figures today, statements, payments, notices, conversion,
    default, the voluntary window and the timeline — nothing to change."""

    template_name = "portal/note.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        read = selectors.holder_note_read(self.holder, kwargs["note_pk"], as_of=self.today)
        note = read.note
        # The latest statements and timeline entries; the rest on pages of their own.
        statements = read.money.statements
        shown = statements[-STATEMENTS_ON_NOTE_PAGE:]
        links = statement_links(
            statements, shown=shown,
            statements_url=reverse("portal-note-statements", args=[note.pk]),
        )
        timeline = timeline_linked(read.timeline, links=links)
        ctx.update(
            holder=self.holder,
            today=self.today,
            read=read,
            note=note,
            money=read.money,
            statements=shown,
            statements_url=reverse("portal-note-statements", args=[note.pk]),
            timeline=timeline[-TIMELINE_ON_NOTE_PAGE:],
            timeline_count=len(timeline),
            timeline_url=reverse("portal-note-timeline", args=[note.pk]),
        )
        return ctx


class PortalNoteStatementsView(PortalPageMixin, TemplateView):
    """All the statements of the holder's note, a page at a time (`?page=`), oldest first:
    those its page shows, and the earlier ones."""

    template_name = "portal/note_statements.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        read = selectors.holder_note_read(self.holder, kwargs["note_pk"], as_of=self.today)
        statements = read.money.statements
        page = Paginator(statements, STATEMENTS_PER_PAGE).get_page(self.request.GET.get("page"))
        statement_links(
            statements, shown=list(page.object_list),
            statements_url=reverse("portal-note-statements", args=[read.note.pk]),
        )
        ctx.update(
            holder=self.holder, note=read.note, money=read.money,
            statements=page.object_list, page=page, query="",
        )
        return ctx


class PortalNoteTimelineView(PortalPageMixin, TemplateView):
    """The whole timeline of the holder's note, oldest first: what the holder may see."""

    template_name = "portal/note_timeline.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        read = selectors.holder_note_read(self.holder, kwargs["note_pk"], as_of=self.today)
        note = read.note
        timeline = timeline_linked(
            read.timeline,
            links=statement_links(
                read.money.statements, shown=[],
                statements_url=reverse("portal-note-statements", args=[note.pk]),
            ),
            note_url=reverse("portal-note", args=[note.pk]),
        )
        ctx.update(holder=self.holder, note=note, timeline=timeline,
                   timeline_count=len(timeline))
        return ctx


class PortalNoticeDocumentView(PortalPageMixin, View):
    """The PDF of one of the holder's notices, as it was stored when made."""

    def get(self, request, notice_pk: int):
        notice = selectors.holder_notice_get(self.holder, notice_pk)
        return FileResponse(
            notice.document.open("rb"),
            content_type="application/pdf",
            filename=f"notice-{notice.pk}-{notice.kind}.pdf",
        )


class PortalElectionFormView(PortalPageMixin, View):
    """Exhibit A, pre-filled, while the offering's voluntary window is open (§5.1, §6.1)."""

    def get(self, request, note_pk: int, offering_id: int):
        note, window = selectors.holder_window_get(
            self.holder, note_pk, offering_id, as_of=self.today
        )
        pdf = exhibit_a_pdf(holder=self.holder, note=note, window=window, today=self.today)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'inline; filename="notice-of-election-{note.number}.pdf"'
        )
        return response
