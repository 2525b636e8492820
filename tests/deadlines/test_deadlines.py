"""The deadline calendar: each clock's state follows from its records (§1, §2, §5.1, §7)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from deadlines.models import CalendarFeedToken
from deadlines.selectors import Kind, deadline_list
from notes.services.payments import payment_record
from notes.services.servicing import statements_generate
from offerings import services
from offerings.models import Conversion
from offerings.services.cash import cash_in_lieu_payment_record
from tests.factories import NoteFactory, SeriesFactory

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def note():
    # $250,000 issued 2006-07-20: July 821.92 due 2006-08-15, August 2,123.29 due 2006-09-15.
    note = NoteFactory(principal=D("250000.00"), issue_date=date(2006, 7, 20))
    statements_generate(id_from=note.pk, id_to=note.pk, as_of=date(2006, 10, 1), run_id=None)
    return note


def _interest(as_of, **kw):
    return {
        d.due_on: d.state
        for d in deadline_list(as_of=as_of, kinds=[Kind.INTEREST_DUE], **kw)
    }


def test_interest_due_is_met_by_a_payment_in_time_and_missed_without(note):
    assert _interest(date(2006, 8, 15)) == {
        date(2006, 8, 15): "open", date(2006, 9, 15): "open", date(2006, 10, 15): "open",
    }
    payment_record(note=note, paid_on=date(2006, 8, 15), amount=D("821.92"),
                   applies_to="interest")
    states = _interest(date(2006, 9, 16))
    assert states[date(2006, 8, 15)] == "met"
    assert states[date(2006, 9, 15)] == "missed"  # August unpaid by its due date
    # Paid late: the deadline stays missed — it was not met by the day.
    payment_record(note=note, paid_on=date(2006, 9, 20), amount=D("2123.29"),
                   applies_to="interest")
    assert _interest(date(2006, 9, 21))[date(2006, 9, 15)] == "missed"


def test_filters_by_due_date_state_and_series(note):
    other = NoteFactory(series=SeriesFactory(), principal=D("1000.00"),
                        issue_date=date(2006, 7, 1))
    statements_generate(id_from=other.pk, id_to=other.pk, as_of=date(2006, 8, 1), run_id=None)
    window = deadline_list(as_of=date(2006, 9, 1), kinds=[Kind.INTEREST_DUE],
                           due_after=date(2006, 9, 1), due_before=date(2006, 9, 30))
    assert [d.due_on for d in window] == [date(2006, 9, 15)]
    missed = deadline_list(as_of=date(2006, 9, 1), kinds=[Kind.INTEREST_DUE],
                           states=["missed"])
    assert {d.note_id for d in missed} == {note.pk, other.pk}
    only = deadline_list(as_of=date(2006, 9, 1), kinds=[Kind.INTEREST_DUE],
                         states=["missed"], series_id=other.series_id)
    assert {d.note_id for d in only} == {other.pk}


def test_maturity_is_met_by_conversion_or_repayment_and_missed_otherwise():
    today = timezone.localdate()
    matured = NoteFactory(principal=D("1000.00"), issue_date=date(2006, 7, 1))
    future = NoteFactory(principal=D("1000.00"), issue_date=today - timedelta(days=30))
    states = {d.note_id: d.state for d in deadline_list(as_of=today, kinds=[Kind.MATURITY])}
    assert states == {matured.pk: "missed", future.pk: "open"}
    payment_record(note=matured, paid_on=date(2008, 6, 30), amount=D("1000.00"),
                   applies_to="principal", holder_consent_reference="Consent")
    interest = matured.outstanding_principal  # 0.00 now; pay the interest through that day
    assert interest == D("0.00")
    from notes.selectors import note_position_get

    owed = note_position_get(note=matured, as_of=date(2008, 6, 30)).accrued_unpaid_interest
    payment_record(note=matured, paid_on=date(2008, 6, 30), amount=owed, applies_to="interest")
    states = {d.note_id: d.state for d in deadline_list(as_of=today, kinds=[Kind.MATURITY])}
    assert states[matured.pk] == "met"


EXAMPLE_SALES = [
    {"shares": 150_000, "price_per_share": D("2.00")},
    {"shares": 200_000, "price_per_share": D("2.50")},
    {"shares": 100_000, "price_per_share": D("3.10")},
    {"shares": 1_000_000, "price_per_share": D("4.00")},
]


def test_cash_in_lieu_is_met_when_paid_in_full_within_ten_days(django_capture_on_commit_callbacks):
    series = SeriesFactory()
    NoteFactory(series=series, principal=D("250000.00"), issue_date=date(2006, 7, 20))
    with django_capture_on_commit_callbacks(execute=True):
        services.offering_record(issuer=series.issuer, kind="pipe",
                                 closing_date=date(2007, 7, 20),
                                 gross_proceeds=D("5110000.00"), sales=EXAMPLE_SALES)
    conversion = Conversion.objects.get()

    def state(as_of):
        (deadline,) = deadline_list(as_of=as_of, kinds=[Kind.CASH_IN_LIEU])
        assert deadline.due_on == date(2007, 7, 30)
        return deadline.state

    assert state(date(2007, 7, 30)) == "open"
    assert state(date(2007, 7, 31)) == "missed"
    cash_in_lieu_payment_record(conversion=conversion, paid_on=date(2007, 7, 27),
                                amount=D("0.83"), method="check")
    assert state(date(2007, 7, 26)) == "open"
    assert state(date(2007, 7, 31)) == "met"


def test_the_page_shows_the_next_thirty_days_and_what_was_missed(client, auditor_user, note):
    client.force_login(auditor_user)
    page = client.get(reverse("deadlines:list"))
    assert page.status_code == 200
    content = page.content.decode()
    assert "Missed" in content and "Interest due (§2)" in content
    assert f'href="{reverse("note-detail", args=[note.pk])}"' in content
    filtered = client.get(reverse("deadlines:list"), {"kind": "maturity"}).content.decode()
    assert "Interest due (§2)</td>" not in filtered


def test_holders_and_anonymous_users_do_not_see_the_page(client, holder_user):
    assert client.get(reverse("deadlines:list")).status_code == 302  # to the login
    client.force_login(holder_user[0])
    assert client.get(reverse("deadlines:list")).url == reverse("portal-home")


def test_the_feed_is_authenticated_by_a_rotatable_secret(client, finance_user):
    today = timezone.localdate()
    # Issued two months ago: last month's interest falls due on the 15th (open or missed).
    note = NoteFactory(number="RLS-9", principal=D("100000.00"),
                       issue_date=today.replace(day=1) - timedelta(days=40))
    statements_generate(id_from=note.pk, id_to=note.pk, as_of=today, run_id=None)
    client.force_login(finance_user)
    page = client.post(reverse("deadlines:feed-rotate"), follow=True).content.decode()
    url = page.split('readonly value="', 1)[1].split('"', 1)[0]
    path = url.split("testserver", 1)[1]
    client.logout()
    feed = client.get(path)
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(feed.content).walk("VEVENT")
    expected = {
        d.uid for d in deadline_list(as_of=today, states=["open", "missed"],
                                     due_before=today + timedelta(days=366))
    }
    assert expected and {str(e["UID"]).split("@")[0] for e in events} == expected
    assert any("Interest due (§2): note RLS-9" in str(e["SUMMARY"]) for e in events)
    # Only the digest is kept; rotating makes the old address stop working.
    token = path.rsplit("/", 1)[1].removesuffix(".ics")
    assert not CalendarFeedToken.objects.filter(token_sha256=token).exists()
    client.force_login(finance_user)
    client.post(reverse("deadlines:feed-rotate"))
    client.logout()
    assert client.get(path).status_code == 404
    assert client.get(reverse("deadlines:feed", args=["not-a-token"])).status_code == 404


def test_the_api_lists_filters_and_refuses_bad_filters(finance_api, note):
    body = finance_api.get("/api/v1/deadlines/?kind=interest_due&state=missed").json()
    assert body["count"] == 3  # July–September 2006, none paid
    first = body["results"][0]
    assert (first["kind"], first["clause"], first["due_on"], first["state"], first["note"]) == (
        "interest_due", "§2", "2006-08-15", "missed", note.pk
    )
    assert first["source"] == "statement"
    before = finance_api.get("/api/v1/deadlines/?kind=interest_due&due_before=2006-08-31")
    assert before.json()["count"] == 1
    for bad in ("state=late", "kind=nope", "due_before=31/08/2006", "series=abc"):
        response = finance_api.get(f"/api/v1/deadlines/?{bad}")
        assert response.status_code == 400, bad


def test_the_cure_period_is_missed_when_not_cured_and_met_when_paid_in_time(note):
    from notes.services.defaults import default_event_record

    # July and August (2,945.21) were past due when the notice was delivered on 20 September.
    default_event_record(note=note, kind="payment_default_notice", date=date(2006, 9, 20),
                         delivery_method="personal")

    def cure(as_of):
        (deadline,) = deadline_list(as_of=as_of, kinds=[Kind.CURE_PERIOD])
        assert (deadline.due_on, deadline.clause) == (date(2006, 9, 30), "§3(i)")
        return deadline.state

    assert cure(date(2006, 9, 30)) == "open"
    assert cure(date(2006, 10, 1)) == "missed"
    payment_record(note=note, paid_on=date(2006, 9, 29), amount=D("2945.21"),
                   applies_to="interest")
    assert cure(date(2006, 10, 1)) == "met"


def test_a_proceeding_not_dismissed_within_sixty_days_is_missed():
    from notes.services.defaults import default_event_record

    note = NoteFactory(principal=D("100000.00"), issue_date=date(2006, 1, 2))
    proceeding = default_event_record(note=note, kind="involuntary_proceeding",
                                      date=date(2006, 3, 1))

    def window(as_of):
        (deadline,) = deadline_list(as_of=as_of, kinds=[Kind.DISMISSAL_WINDOW])
        assert deadline.due_on == date(2006, 4, 30)  # day 60; an Event of Default from day 61
        return deadline.state

    assert window(date(2006, 4, 30)) == "open"
    assert window(date(2006, 5, 1)) == "missed"
    default_event_record(note=note, kind="resolved", date=date(2006, 4, 20),
                         resolves=proceeding)
    assert window(date(2006, 5, 1)) == "met"


def test_a_cure_paid_within_the_period_is_met_at_once_and_acceleration_is_due_at_once(note):
    from notes.services.defaults import default_event_record

    default_event_record(note=note, kind="payment_default_notice", date=date(2006, 9, 20),
                         delivery_method="personal")
    payment_record(note=note, paid_on=date(2006, 9, 25), amount=D("2945.21"),
                   applies_to="interest")
    (cure,) = deadline_list(as_of=date(2006, 9, 26), kinds=[Kind.CURE_PERIOD])
    assert cure.state == "met"  # cured on the 25th, before the period ends on the 30th

    other = NoteFactory(principal=D("100000.00"), issue_date=date(2006, 7, 20))
    default_event_record(note=other, kind="payment_default_notice", date=date(2006, 9, 20),
                         delivery_method="personal")
    default_event_record(note=other, kind="acceleration", date=date(2006, 10, 6),
                         delivery_method="mail")
    # Mailed Friday 6 October 2006: Columbus Day on Monday, so deemed delivered Thursday 12th.
    (accelerated,) = deadline_list(as_of=date(2006, 10, 12), kinds=[Kind.ACCELERATED])
    assert (accelerated.note_id, accelerated.due_on, accelerated.clause) == (
        other.pk, date(2006, 10, 12), "§3"
    )
    assert accelerated.state == "open"
    (accelerated,) = deadline_list(as_of=date(2006, 10, 13), kinds=[Kind.ACCELERATED])
    assert accelerated.state == "missed"


def test_each_voluntary_window_is_its_own_deadline(django_capture_on_commit_callbacks):
    series = SeriesFactory()
    for n in range(3):
        NoteFactory(series=series, principal=D("100000.00") + n, issue_date=date(2006, 7, 20))
    with django_capture_on_commit_callbacks(execute=True):
        services.offering_record(issuer=series.issuer, kind="pipe",
                                 closing_date=date(2007, 1, 10),
                                 gross_proceeds=D("3000000.00"),
                                 sales=[{"shares": 1_000_000, "price_per_share": D("3.00")}])
    windows = deadline_list(as_of=date(2007, 2, 1), kinds=[Kind.VOLUNTARY_WINDOW])
    assert len(windows) == 3 and len({w.uid for w in windows}) == 3
    assert {w.due_on for w in windows} == {date(2007, 7, 10)}
    notices = deadline_list(as_of=date(2007, 2, 1), kinds=[Kind.QUALIFIED_OFFERING_NOTICE])
    assert {n.state for n in notices} == {"missed"}
    assert all("no letter sent yet" in n.description for n in notices)
