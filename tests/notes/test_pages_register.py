"""The notes list, a new note, and a batch of notes from a CSV file.

The list's filters are the dashboard's (`notes.selectors.note_list_filtered`)
and its footer is their `outstanding_principal_totals`; pages are keyset
pages, with the query count pinned. The forms record once per rendered form;
a batch is recorded whole or not at all.
"""

import html
import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signing import dumps
from django.urls import reverse
from django.utils import timezone

from notes import selectors
from notes.models import Note
from notes.services.defaults import default_event_record
from notes.services.payments import payment_record
from tests.factories import HolderFactory, NoteFactory, SeriesFactory

pytestmark = pytest.mark.django_db

D = Decimal


def _text(page) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.content.decode())).split())


def _summary(page) -> str:
    found = re.findall(r'<div class="form-errors" role="alert"[^>]*>(.*?)</div>',
                       page.content.decode(), re.S)
    assert found, "no error summary"
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", " ".join(found))).split())
    return text.replace(" :", ":")


def _key(page, name="idempotency_key") -> str:
    match = re.search(rf'name="{name}" value="([^"]+)"', page.content.decode())
    assert match, f"no {name} on the page"
    return match.group(1)


def _numbers(page) -> list[str]:
    return re.findall(r'href="/notes/\d+/">([^<]+)</a>', page.content.decode())


# --- The list ------------------------------------------------------------------------------


@pytest.fixture
def register(db):
    """Two series; notes of three holders; one past due, one in default, one converted-like."""
    alpha, beta = SeriesFactory(name="Alpha Notes"), SeriesFactory(name="Beta Notes")
    keller = HolderFactory(name="Margaret Keller")
    star = HolderFactory(name="Lone Star Capital LP")
    notes = {
        "A1": NoteFactory(series=alpha, holder=keller, number="A-001", principal=D("100000.00"),
                          issue_date=date(2006, 7, 20)),
        "A2": NoteFactory(series=alpha, holder=star, number="A-002", principal=D("300000.00"),
                          issue_date=date(2006, 8, 1)),
        "B1": NoteFactory(series=beta, holder=star, number="B-001", principal=D("200000.00"),
                          issue_date=date(2007, 1, 5)),
    }
    payment_record(note=notes["A2"], paid_on=date(2007, 1, 10), amount=D("50000.00"),
                   applies_to="principal", holder_consent_reference="Consent of 2007-01-05")
    return {"alpha": alpha, "beta": beta, "keller": keller, "star": star, **notes}


def test_the_list_shows_every_note_with_the_outstanding_total(
    client, auditor_user, register, django_assert_max_num_queries
):
    client.force_login(auditor_user)
    # The footer's totals ask the database snapshot first (one query; inside this test's
    # transaction, which has written, they are then computed afresh: two more).
    with django_assert_max_num_queries(8):
        page = client.get(reverse("notes-list"))
    assert page.status_code == 200
    assert _numbers(page) == ["A-001", "A-002", "B-001"]
    text = _text(page)
    assert "3 notes in USD — outstanding principal USD 550,000.00" in text
    assert "Record a note" not in text  # Auditors read


def test_the_query_count_does_not_grow_with_the_notes(
    client, auditor_user, django_assert_max_num_queries
):
    series = SeriesFactory()
    for _ in range(30):
        NoteFactory(series=series)
    client.force_login(auditor_user)
    for params in ({}, {"past_due": "1", "in_default": "1", "sort": "-holder"},
                   {"holder": Note.objects.first().holder_id}):
        with django_assert_max_num_queries(9):
            assert client.get(reverse("notes-list"), params).status_code == 200


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "a-00"}, ["A-001", "A-002"]),
        ({"q": "keller"}, ["A-001"]),
        ({"q": "beta"}, ["B-001"]),
        ({"series": "beta"}, ["B-001"]),
        ({"status": "outstanding"}, ["A-001", "A-002", "B-001"]),
        ({"status": "repaid"}, []),
        ({"status": "nonsense"}, ["A-001", "A-002", "B-001"]),  # ignored, not refused
    ],
)
def test_search_and_filters(client, auditor_user, register, params, expected):
    if params.get("series") == "beta":
        params = {"series": register["beta"].pk}
    client.force_login(auditor_user)
    assert _numbers(client.get(reverse("notes-list"), params)) == expected


def test_the_holder_filter_names_the_holder_and_totals_agree_with_the_selector(
    client, auditor_user, register
):
    client.force_login(auditor_user)
    page = client.get(reverse("notes-list"), {"holder": register["star"].pk})
    assert _numbers(page) == ["A-002", "B-001"]
    text = _text(page)
    assert "Holder: Lone Star Capital LP" in text
    totals = selectors.outstanding_principal_totals(
        selectors.note_list_filtered(
            selectors.NoteFilter(holder=register["star"].pk), as_of=timezone.localdate()
        )
    )
    assert [(t.currency, t.notes, t.outstanding_principal) for t in totals] == [
        ("USD", 2, D("450000.00"))
    ]
    assert "2 notes in USD matching — outstanding principal USD 450,000.00" in text


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("number", ["A-001", "A-002", "B-001"]),
        ("-number", ["B-001", "A-002", "A-001"]),
        ("holder", ["A-002", "B-001", "A-001"]),
        ("-principal", ["A-002", "B-001", "A-001"]),
        ("issue_date", ["A-001", "A-002", "B-001"]),
        ("-maturity_date", ["B-001", "A-002", "A-001"]),
        ("status", ["A-001", "A-002", "B-001"]),
    ],
)
def test_each_column_sorts(client, auditor_user, register, sort, expected):
    client.force_login(auditor_user)
    assert _numbers(client.get(reverse("notes-list"), {"sort": sort})) == expected


def test_keyset_pages_walk_forward_and_back_keeping_the_filters(
    client, auditor_user, monkeypatch
):
    from notes import views

    monkeypatch.setattr(views, "NOTES_LIST_PAGE_SIZE", 2)
    series = SeriesFactory(name="Gamma")
    for amount in ("500", "100", "300", "400", "200"):
        NoteFactory(series=series, principal=D(amount))
    client.force_login(auditor_user)
    first = client.get(reverse("notes-list"), {"sort": "principal", "q": "gamma"})
    amounts = lambda page: re.findall(r"USD ([\d,.]+)</td>\s*<td>", page.content.decode())  # noqa: E731
    assert amounts(first) == ["100.00", "200.00"]
    next_url = re.search(r'href="([^"]+)" rel="next"', first.content.decode()).group(1)
    next_url = reverse("notes-list") + html.unescape(next_url)
    second = client.get(next_url)
    assert amounts(second) == ["300.00", "400.00"]
    assert "q=gamma" in next_url and "sort=principal" in next_url
    prev_url = re.search(r'href="([^"]+)" rel="prev"', second.content.decode()).group(1)
    prev_url = reverse("notes-list") + html.unescape(prev_url)
    assert amounts(client.get(prev_url)) == ["100.00", "200.00"]
    last = client.get(reverse("notes-list"), {"sort": "principal", "page": "last"})
    assert amounts(last) == ["400.00", "500.00"]
    assert 'rel="next"' not in last.content.decode()
    garbled = client.get(reverse("notes-list"), {"sort": "principal", "after": "%%%"})
    assert amounts(garbled) == ["100.00", "200.00"]


def test_past_due_nets_the_period_as_the_statement_list_does(
    client, auditor_user, django_capture_on_commit_callbacks
):
    from notes.services import servicing

    series = SeriesFactory()
    behind = NoteFactory(series=series, number="P-001", issue_date=date(2006, 7, 20))
    paid = NoteFactory(series=series, number="P-002", issue_date=date(2006, 7, 20))
    NoteFactory(series=series, number="P-003", issue_date=date(2026, 11, 20))  # nothing due
    with django_capture_on_commit_callbacks(execute=True):
        servicing.servicing_run_start(as_of=date(2006, 9, 1))
    for statement in paid.statements.all():
        payment_record(note=paid, paid_on=statement.due_date, amount=statement.amount.amount,
                       applies_to="interest")
    client.force_login(auditor_user)
    assert _numbers(client.get(reverse("notes-list"), {"past_due": "1"})) == ["P-001"]
    # The note page's own reading agrees.
    today = timezone.localdate()
    for note, expected in ((behind, True), (paid, False)):
        statuses = {s.status for s in selectors.statement_list_with_status(note=note, as_of=today)}
        assert ("past_due" in statuses) is expected


def test_in_default_reads_the_events_of_default(client, auditor_user, register):
    a1, a2, b1 = register["A1"], register["A2"], register["B1"]
    default_event_record(note=a1, kind="voluntary_bankruptcy", date=date(2008, 1, 2))
    # A proceeding dismissed within its 60 days is no Event of Default ...
    proceeding = default_event_record(note=a2, kind="involuntary_proceeding",
                                      date=date(2008, 1, 2))
    default_event_record(note=a2, kind="resolved", date=date(2008, 2, 1), resolves=proceeding)
    # ... one left standing is, from day 61.
    default_event_record(note=b1, kind="receiver_appointment", date=date(2008, 1, 2))
    client.force_login(auditor_user)
    assert _numbers(client.get(reverse("notes-list"), {"in_default": "1"})) == ["A-001", "B-001"]
    today = timezone.localdate()
    for note in (a1, a2, b1):
        expected = note.pk != a2.pk
        assert selectors.note_default_read(note=note, as_of=today).state.in_default is expected


def test_an_uncured_payment_default_notice_on_a_note_still_behind_is_a_default(
    client, auditor_user
):
    note = NoteFactory(number="D-001", issue_date=date(2006, 7, 20))  # matured 2008
    default_event_record(note=note, kind="payment_default_notice", date=date(2008, 9, 1),
                         delivery_method="personal")
    client.force_login(auditor_user)
    assert _numbers(client.get(reverse("notes-list"), {"in_default": "1"})) == ["D-001"]
    assert selectors.note_default_read(note=note, as_of=timezone.localdate()).state.in_default


# --- A new note ----------------------------------------------------------------------------


def test_finance_records_a_note_once_with_the_next_number(client, finance_user, register):
    client.force_login(finance_user)
    key = _key(client.get(reverse("note-create")))
    data = {"series": register["alpha"].pk, "holder": register["keller"].pk,
            "principal": "75000.00", "issue_date": "2008-03-03", "idempotency_key": key}
    first = client.post(reverse("note-create"), data)
    note = Note.objects.get(principal=D("75000.00"))
    assert first.status_code == 302 and first.url == reverse("note-detail", args=[note.pk])
    assert note.number == "AN-003" and note.maturity_date == date(2010, 3, 3)
    again = client.post(reverse("note-create"), data, follow=True)
    assert Note.objects.filter(principal=D("75000.00")).count() == 1
    assert "already recorded" in _text(again)


def test_a_refused_note_keeps_the_input_under_a_summary(client, finance_user, register):
    client.force_login(finance_user)
    key = _key(client.get(reverse("note-create")))
    page = client.post(reverse("note-create"), {
        "series": register["alpha"].pk, "holder": "", "principal": "-5",
        "issue_date": "9999-01-01", "idempotency_key": key})
    assert page.status_code == 200
    summary = _summary(page)
    assert "Holder: This field is required." in summary
    assert "Principal: Ensure this value is greater than or equal to 0.01." in summary
    content = page.content.decode()
    assert 'value="-5"' in content and 'value="9999-01-01"' in content
    fixed = client.post(reverse("note-create"), {
        "series": register["alpha"].pk, "holder": register["keller"].pk, "principal": "5",
        "issue_date": "9999-01-01", "idempotency_key": key})
    assert "would mature" in _summary(fixed)  # the service's refusal, on the form
    assert Note.objects.count() == 3


# --- A batch from a CSV file ----------------------------------------------------------------


def _csv(text: str, name: str = "notes.csv", encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def _preview(client, text, **kwargs):
    return client.post(reverse("note-import"), {"file": _csv(text, **kwargs)})


def test_a_clean_file_previews_then_records_every_row_once(client, finance_user, register):
    client.force_login(finance_user)
    alpha = register["alpha"]
    text = (
        "series,holder,principal,issue_date,number\n"
        f"Alpha Notes,Margaret Keller,\"250,000.00\",2008-01-15,\n"
        f"{alpha.pk},{register['star'].email},125000,2008-01-16,ALPHA-X\n"
    )
    preview = _preview(client, text)
    assert preview.status_code == 200
    page = _text(preview)
    assert "Preview: 2 rows" in page and "with errors" not in page
    assert "assigned when recorded" in page and "2010-01-15" in page
    assert Note.objects.count() == 3  # nothing recorded by a preview
    data = {"rows": re.search(r'name="rows" value="([^"]+)"', preview.content.decode()).group(1),
            "idempotency_key": _key(preview)}
    done = client.post(reverse("note-import-confirm"), data, follow=True)
    assert "Recorded 2 notes in one batch: AN-003, ALPHA-X." in _text(done)
    assert Note.objects.get(number="AN-003").principal.amount == D("250000.00")
    again = client.post(reverse("note-import-confirm"), data, follow=True)
    assert "already recorded" in _text(again)
    assert Note.objects.count() == 5


def test_every_bad_row_is_named_and_nothing_can_be_confirmed(client, finance_user, register):
    client.force_login(finance_user)
    text = (
        "Series,Holder,Principal,Issue date,Number\n"
        "Nope Notes,Margaret Keller,100.00,2008-01-15,\n"        # 2 unknown series
        "Alpha Notes,Nobody,100.00,2008-01-15,\n"                # 3 unknown holder
        "Alpha Notes,Margaret Keller,ten,2008-01-15,\n"          # 4 bad amount
        "Alpha Notes,Margaret Keller,1.005,2008-01-15,\n"        # 5 three decimals
        "Alpha Notes,Margaret Keller,100.00,15/01/2008,\n"       # 6 bad date
        "Alpha Notes,Margaret Keller,100.00,2008-02-30,\n"       # 7 no such day
        "Alpha Notes,Margaret Keller,900.00,2008-01-15,\n"       # 8 fine
        "Alpha Notes,Margaret Keller,900.00,2008-01-15,\n"       # 9 same as line 8
        "Alpha Notes,Margaret Keller,100000.00,2006-07-20,\n"    # 10 A-001 in the register
        "Alpha Notes,Lone Star Capital LP,5.00,2008-01-15,A-002\n"  # 11 number taken
        "Beta Notes,Lone Star Capital LP,5.00,2008-01-15,X-1\n"  # 12 fine
        "Beta Notes,Lone Star Capital LP,6.00,2008-01-15,X-1\n"  # 13 number twice in the file
    )
    preview = _preview(client, text)
    assert preview.status_code == 200
    summary = _summary(preview)
    for expected in [
        "Line 2: Unknown series “Nope Notes”",
        "Line 3: Unknown holder “Nobody”",
        "Line 4: Principal “ten” is not an amount",
        "Line 5: Principal “1.005” has more than two decimals.",
        "Line 6: Issue date “15/01/2008” is not a date written YYYY-MM-DD.",
        "Line 7: Issue date “2008-02-30” is not a date in the calendar.",
        "Line 9: Duplicate: line 8 has the same series, holder, principal and issue date.",
        "Line 10: Duplicate: note A-001 in the register",
        "Line 11: Duplicate: note A-002 is already in the register",
        "Line 13: Duplicate: line 12 already has number X-1.",
    ]:
        assert expected in summary
    assert "Line 8" not in summary and "Line 12" not in summary
    assert "Preview: 12 rows, 10 with errors" in _text(preview)
    assert 'action="/notes/import/confirm/"' not in preview.content.decode()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (_csv("series,holder,principal,issue_date\nAlpha,Ké,1,2008-01-01\n",
              encoding="latin-1"), "not UTF-8 text"),
        (_csv("series,holder,amount\nAlpha,K,1\n"), "missing principal, issue_date; unknown"),
        (_csv("series,holder,principal,issue_date\n"), "header row but no notes"),
        (_csv(""), "file is empty"),
        (_csv("a;b", name="notes.xlsx"), "is not a .csv file"),
    ],
)
def test_a_bad_file_is_refused_with_a_clear_error(client, finance_user, upload, message):
    client.force_login(finance_user)
    page = client.post(reverse("note-import"), {"file": upload})
    assert page.status_code == 200
    assert message in _summary(page)


def test_a_file_too_large_is_refused(client, finance_user, settings):
    from notes import forms

    client.force_login(finance_user)
    big = "series,holder,principal,issue_date\n" + "x" * (forms.IMPORT_MAX_BYTES + 1)
    assert "at most 256 KB" in _summary(_preview(client, big))


def test_the_batch_is_all_or_nothing_when_the_register_changed_since_the_preview(
    client, finance_user, register
):
    client.force_login(finance_user)
    preview = _preview(client, (
        "series,holder,principal,issue_date,number\n"
        "Alpha Notes,Margaret Keller,1000.00,2008-01-15,\n"
        "Alpha Notes,Margaret Keller,2000.00,2008-01-15,A-LATE\n"
    ))
    NoteFactory(series=register["alpha"], number="A-LATE")  # another clerk, meanwhile
    data = {"rows": re.search(r'name="rows" value="([^"]+)"', preview.content.decode()).group(1),
            "idempotency_key": _key(preview)}
    refused = client.post(reverse("note-import-confirm"), data)
    assert refused.status_code == 200
    assert "Line 3: Duplicate: note A-LATE is already in the register" in _summary(refused)
    assert not Note.objects.filter(principal=D("1000.00")).exists()


def test_rows_changed_on_the_way_back_are_refused(client, finance_user, register):
    client.force_login(finance_user)
    forged = dumps([{"line": 2, "series": "Alpha Notes", "holder": "Margaret Keller",
                     "principal": "1.00", "issue_date": "2008-01-01"}], salt="other")
    page = client.post(reverse("note-import-confirm"),
                       {"rows": forged, "idempotency_key": "k-1"})
    assert page.status_code == 200
    assert "came back changed" in _summary(page)
    assert Note.objects.count() == 3


# --- Who may do what -----------------------------------------------------------------------


def test_auditors_read_the_list_but_get_403_on_the_forms(client, auditor_user, register):
    client.force_login(auditor_user)
    assert client.get(reverse("notes-list")).status_code == 200
    for name in ("note-create", "note-import"):
        assert client.get(reverse(name)).status_code == 403
        assert client.post(reverse(name), {}).status_code == 403
    assert client.post(reverse("note-import-confirm"), {}).status_code == 403
    assert Note.objects.count() == 3


def test_holders_go_to_the_portal_and_anonymous_visitors_to_login(client, holder_user):
    names = ("notes-list", "note-create", "note-import", "note-import-confirm")
    for name in names:
        assert client.get(reverse(name)).url.startswith("/login/")
    client.force_login(holder_user[0])
    for name in names:
        assert client.get(reverse(name)).url == reverse("portal-home")
    assert client.post(reverse("note-import-confirm"), {}).url == reverse("portal-home")
