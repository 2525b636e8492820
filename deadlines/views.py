"""Staff pages of the deadline calendar and its iCalendar feed.

The page shows what falls due in the next 30 days and what was missed,
filterable by series and kind. The feed (`.ics`) is for calendar programs,
which cannot log in: its address carries a per-user secret that the user can
rotate from the page (the old address stops working at once).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views import View
from icalendar import Calendar, Event

from core.permissions import is_staff_reader
from core.views import StaffPageMixin
from deadlines.forms import DeadlineFilterForm
from deadlines.models import CalendarFeedToken
from deadlines.selectors import deadline_list

UPCOMING_DAYS = 30
MISSED_PER_PAGE = 50
FEED_FUTURE_DAYS = 366


class DeadlinesView(StaffPageMixin, View):
    """What falls due in the next 30 days, and what was missed."""

    def get(self, request):
        today = timezone.localdate()
        form = DeadlineFilterForm(request.GET or None)
        filters = {}
        if form.is_valid():
            if form.cleaned_data["series"]:
                filters["series_id"] = form.cleaned_data["series"].pk
            if form.cleaned_data["kind"]:
                filters["kinds"] = [form.cleaned_data["kind"]]
        # One reading of the records for both lists.
        every = deadline_list(
            as_of=today, due_before=today + timedelta(days=UPCOMING_DAYS),
            states=["open", "missed"], **filters,
        )
        upcoming = [d for d in every if d.state == "open" and d.due_on >= today]
        missed = [d for d in every if d.state == "missed"]
        missed.reverse()  # the latest first
        page = Paginator(missed, MISSED_PER_PAGE).get_page(request.GET.get("page"))
        return TemplateResponse(
            request,
            "deadlines/deadlines.html",
            {
                "today": today,
                "upcoming_days": UPCOMING_DAYS,
                "form": form,
                "upcoming": upcoming,
                "missed": page,
                "missed_count": len(missed),
                "feed_url": request.session.pop("calendar_feed_url", None),
                "has_feed": CalendarFeedToken.objects.filter(user=request.user).exists(),
            },
        )


class FeedRotateView(StaffPageMixin, View):
    """A new secret address for the user's calendar feed; shown once."""

    http_method_names = ["get", "post"]

    def get(self, request):
        return redirect("deadlines:list")

    def post(self, request):
        token = CalendarFeedToken.rotate(request.user)
        url = request.build_absolute_uri(reverse("deadlines:feed", args=[token]))
        # Shown on the next page only: the secret itself is not kept, only its digest.
        request.session["calendar_feed_url"] = url
        messages.success(
            request,
            "New calendar feed address made; any earlier address no longer works. Copy it now:"
            " it is shown only once.",
        )
        return redirect("deadlines:list")


class FeedView(View):
    """The user's deadlines as iCalendar, authenticated by the secret in the address."""

    def get(self, request, token: str):
        user = CalendarFeedToken.user_for(token)
        if user is None or not is_staff_reader(user):
            raise Http404("No such calendar.")
        today = timezone.localdate()
        # Everything still open in the coming year, and every deadline missed.
        deadlines = deadline_list(
            as_of=today,
            due_before=today + timedelta(days=FEED_FUTURE_DAYS),
            states=["open", "missed"],
        )
        calendar = Calendar()
        calendar.add("prodid", "-//NoteDesk//Deadline calendar//EN")
        calendar.add("version", "2.0")
        calendar.add("x-wr-calname", "NoteDesk deadlines")
        stamp = timezone.make_aware(datetime.combine(today, time.min))
        site = request.get_host().split(":")[0]
        for deadline in deadlines:
            event = Event()
            event.add("uid", f"{deadline.uid}@{site}")
            event.add("dtstamp", stamp)
            event.add("dtstart", deadline.due_on)
            event.add("dtend", deadline.due_on + timedelta(days=1))
            state = " — MISSED" if deadline.state == "missed" else ""
            event.add(
                "summary",
                f"{deadline.label}: note {deadline.note_number} ({deadline.holder}){state}",
            )
            event.add("description", f"{deadline.description}. {deadline.clause}.")
            calendar.add_component(event)
        response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="notedesk-deadlines.ics"'
        response["Cache-Control"] = "private, max-age=300"
        return response


