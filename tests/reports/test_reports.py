"""Reports over the demo register: exact figures, balanced journals, permissions, exports."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from notes.domain.position import LineKind
from notes.models import InterestStatement, Note, NoteStatus
from notes.selectors import note_facts_get, note_position_get
from reports import selectors
from reports.domain.journal import journal_totals
from reports.models import ReportExport, TaxIdDisclosure

pytestmark = pytest.mark.django_db

ZERO = Decimal("0.00")
OCF_DIR = Path(__file__).parent / "ocf"


def _months(first: date, last: date):
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _ended_months_of_the_demo():
    today = timezone.localdate()
    last_ended = today.replace(day=1) - timezone.timedelta(days=1)
    first = Note.objects.order_by("issue_date").first().issue_date
    return list(_months(first, last_ended))


# --- Exact figures --------------------------------------------------------------------------


def test_every_month_of_the_demo_journal_balances_and_its_expense_is_the_months_statements(demo):
    months = _ended_months_of_the_demo()
    assert len(months) > 24
    seen_entries = set()
    today = timezone.localdate()
    final_lines = [
        line
        for note in Note.objects.filter(ended_on__isnull=False)
        for line in note_facts_get(note=note).interest_lines(today)
        if line.kind == LineKind.FINAL
    ] + [
        line  # a principal repaid in full before the interest: its final period too
        for note in Note.objects.filter(ended_on__isnull=True)
        for line in note_facts_get(note=note).interest_lines(today)
        if line.kind == LineKind.FINAL
    ]
    for year, month in months:
        lines = list(selectors.month_journal_lines(year=year, month=month))
        totals = journal_totals(lines)
        assert totals.debit == totals.credit, (year, month)
        seen_entries |= {line.entry for line in lines}
        expense = sum((x.debit for x in lines if x.entry == "accrual"), ZERO)
        first, last = selectors.month_bounds(year, month)
        stated = InterestStatement.objects.filter(
            period_start__gte=first, period_start__lte=last
        ).aggregate(total=Sum("amount"))["total"] or ZERO
        final = sum((x.amount for x in final_lines if first <= x.start <= last), ZERO)
        assert expense == stated + final, (year, month, expense, stated, final)
    # The demo has every kind of entry somewhere.
    assert {"accrual", "interest_paid", "conversion", "principal_repaid"} <= seen_entries


def test_a_conversion_month_credits_equity_at_par_and_paid_in_capital(demo):
    from offerings.models import Conversion

    conversion = Conversion.objects.filter(status="done").order_by("conversion_date").first()
    day = conversion.conversion_date
    lines = [
        x for x in selectors.month_journal_lines(year=day.year, month=day.month)
        if x.entry == "conversion" and x.note_id == conversion.note_id
    ]
    credit = {x.account.code: x.credit for x in lines if x.credit}
    debit = {x.account.code: x.debit for x in lines if x.debit}
    par = (Decimal(conversion.shares) * Decimal("0.001")).quantize(Decimal("0.01"))
    assert debit == {"2100": conversion.principal_converted, "2110": conversion.interest_converted}
    assert credit["3000"] == par
    assert credit["3100"] == conversion.note_amount - conversion.cash_in_lieu - par
    assert credit.get("2120", ZERO) == conversion.cash_in_lieu
    assert sum(debit.values()) == sum(credit.values()) == conversion.note_amount


def test_each_outstanding_row_is_the_notes_own_position(demo):
    as_of = date(2008, 3, 31)
    report = selectors.notes_outstanding_report(as_of=as_of)
    assert report.rows
    for row in report.rows:
        position = note_position_get(note=Note.objects.get(pk=row.note_id), as_of=as_of)
        assert row.outstanding_principal == position.outstanding_principal
        assert row.accrued_unpaid_interest == position.accrued_unpaid_interest
        assert row.past_due_interest == position.past_due_interest
    assert report.totals.outstanding_principal == sum(r.outstanding_principal for r in report.rows)
    assert report.totals.notes == len(report.rows)


def test_a_converted_note_leaves_the_outstanding_list_on_its_conversion_day(demo):
    from offerings.models import Conversion

    conversion = Conversion.objects.order_by("conversion_date").first()
    before = {r.note_id for r in selectors.notes_outstanding_rows(
        as_of=conversion.conversion_date - timezone.timedelta(days=1))}
    on = {r.note_id for r in selectors.notes_outstanding_rows(as_of=conversion.conversion_date)}
    assert conversion.note_id in before and conversion.note_id not in on


def test_interest_paid_counts_cash_only_and_nets_reversals(demo):
    from notes.models import Payment, PaymentMethod

    year = 2007
    rows = selectors.interest_paid_by_holder(year=year)
    cash = Payment.objects.filter(
        applies_to="interest", paid_on__year=year,
    ).exclude(method=PaymentMethod.CONVERSION).aggregate(t=Sum("amount"))["t"]
    assert sum(r.interest_paid for r in rows) == cash
    assert all(r.tax_id.startswith("*") for r in rows)


# --- The API --------------------------------------------------------------------------------

ENDPOINTS = [
    "/api/v1/reports/notes-outstanding/?as_of=2008-03-31",
    "/api/v1/reports/accrual-journal/?month=2008-03",
    "/api/v1/reports/interest-paid/?year=2007",
]


@pytest.mark.parametrize("url", ENDPOINTS + ["/api/v1/exports/ocf/?series={series}"])
def test_auditors_read_holders_and_anonymous_callers_do_not(url, demo, api, auditor_user,
                                                            holder_user):
    series = Note.objects.first().series_id
    url = url.format(series=series)
    assert api(auditor_user).get(url).status_code == 200
    assert api(holder_user[0]).get(url).status_code == 403
    assert api().get(url).status_code == 401


@pytest.mark.parametrize(
    "url, field",
    [
        ("/api/v1/reports/notes-outstanding/", "as_of"),
        ("/api/v1/reports/notes-outstanding/?as_of=2008-02-30", "as_of"),
        ("/api/v1/reports/notes-outstanding/?as_of=2008-03-31&series=99999", "series"),
        ("/api/v1/reports/notes-outstanding/?as_of=2008-03-31&format=pdf", "format"),
        ("/api/v1/reports/notes-outstanding/?as_of=2008-03-31&currency=usd", "currency"),
        ("/api/v1/reports/accrual-journal/?month=2008-13", "month"),
        ("/api/v1/reports/accrual-journal/?month=March", "month"),
        ("/api/v1/reports/accrual-journal/?month=9998-01", "month"),
        ("/api/v1/reports/interest-paid/?year=abc", "year"),
        ("/api/v1/reports/interest-paid/?year=2007&page=99", "page"),
        ("/api/v1/exports/ocf/", "series"),
        ("/api/v1/exports/ocf/?series=abc", "series"),
    ],
)
def test_bad_parameters_are_400_with_a_message_on_the_field(url, field, finance_api):
    response = finance_api.get(url)
    assert response.status_code == 400
    assert field in response.json() and response.json()[field]


def test_the_accrual_journal_api_totals_balance_and_equal_the_months_accrual(demo, finance_api):
    body = finance_api.get(
        "/api/v1/reports/accrual-journal/?month=2008-01&page_size=1000"
    ).json()
    assert body["totals"]["debit"] == body["totals"]["credit"]
    assert body["count"] == len(body["results"])
    assert set(body["results"][0]) >= {"date", "account", "debit", "credit", "note", "memo"}
    accrual = sum(
        (r.amount for r in selectors.month_accrual_rows(year=2008, month=1)), ZERO
    )
    assert Decimal(body["totals"]["interest_expense"]) == accrual


def test_notes_outstanding_api_pages_and_files_agree(demo, finance_api):
    url = "/api/v1/reports/notes-outstanding/?as_of=2008-03-31"
    body = finance_api.get(url + "&page_size=2").json()
    assert body["next"] and len(body["results"]) == 2
    assert set(body["results"][0]) >= {
        "outstanding_principal", "accrued_unpaid_interest", "past_due_interest", "status"}
    response = finance_api.get(url + "&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == body["count"] + 1  # the totals row
    assert rows[-1]["outstanding_principal"] == body["totals"]["outstanding_principal"]
    xlsx = finance_api.get(url + "&format=xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == body["count"] + 3  # title, headers, rows, totals


def test_full_tax_ids_are_finance_only_and_recorded(demo, finance_api, auditor_api):
    url = "/api/v1/reports/interest-paid/?year=2007&tax_id=full"
    assert auditor_api.get(url).status_code == 403
    assert not TaxIdDisclosure.objects.exists()
    body = finance_api.get(url).json()
    assert "tax_id" in body["results"][0] and "*" not in body["results"][0]["tax_id"]
    disclosure = TaxIdDisclosure.objects.get()
    assert disclosure.channel == "api" and disclosure.user.username == "fiona"
    assert sorted(r["holder"] for r in body["results"]) == disclosure.holder_ids
    masked = finance_api.get("/api/v1/reports/interest-paid/?year=2007").json()
    assert "tax_id" not in masked["results"][0]
    assert masked["results"][0]["tax_id_masked"].startswith("*")
    assert TaxIdDisclosure.objects.count() == 1


def _ocf_registry():
    from referencing import Registry, Resource

    resources = []
    for path in (OCF_DIR / "schema").rglob("*.schema.json"):
        contents = json.loads(path.read_text())
        resources.append((contents["$id"], Resource.from_contents(contents)))
    return Registry().with_resources(resources)


def test_the_ocf_export_is_valid_against_the_vendored_schemas(demo, finance_api):
    from jsonschema import Draft7Validator

    from notes.models import NoteSeries

    assert (OCF_DIR / "LICENSE.md").exists()
    registry = _ocf_registry()
    base = "https://raw.githubusercontent.com/Open-Cap-Table-Coalition/Open-Cap-Format-OCF/main/schema/files/"
    for series in NoteSeries.objects.all():
        body = finance_api.get(f"/api/v1/exports/ocf/?series={series.pk}").json()
        for key, schema_file in [
            ("stakeholders_file", "StakeholdersFile.schema.json"),
            ("stock_classes_file", "StockClassesFile.schema.json"),
            ("transactions_file", "TransactionsFile.schema.json"),
        ]:
            schema = registry.contents(base + schema_file)
            errors = list(Draft7Validator(schema, registry=registry).iter_errors(body[key]))
            assert not errors, [e.message[:300] for e in errors[:3]]
        kinds = [t["object_type"] for t in body["transactions_file"]["items"]]
        assert kinds.count("TX_CONVERTIBLE_ISSUANCE") == series.notes.count()
        converted = series.notes.filter(conversion__status="done").count()
        assert kinds.count("TX_CONVERTIBLE_CONVERSION") == converted
        assert kinds.count("TX_STOCK_ISSUANCE") == converted
    # An invalid object is refused by the same validation: the test can fail.
    bad = {
        "file_type": "OCF_TRANSACTIONS_FILE",
        "items": [{"object_type": "TX_CONVERTIBLE_ISSUANCE"}],
    }
    schema = registry.contents(base + "TransactionsFile.schema.json")
    assert list(Draft7Validator(schema, registry=registry).iter_errors(bad))


def test_api_reference_lists_the_report_endpoints():
    text = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
    for path in ["reports/notes-outstanding/", "reports/accrual-journal/",
                 "reports/interest-paid/", "exports/ocf/"]:
        assert path in text


# --- Pages ----------------------------------------------------------------------------------

PAGES = ["home", "reports:reports", "reports:notes"]


@pytest.mark.parametrize("name", PAGES)
def test_pages_for_staff_only(name, demo, client, auditor_user, holder_user, django_user_model):
    url = reverse(name)
    assert client.get(url).url.startswith("/login/")
    client.force_login(holder_user[0])
    assert client.get(url).url == reverse("portal-home")
    client.force_login(django_user_model.objects.create_user("nobody", password="pw"))
    assert client.get(url).status_code == 403
    client.force_login(auditor_user)
    page = client.get(url)
    assert page.status_code == 200
    assert b"<label" in page.content or name == "home"


def _money(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def test_every_dashboard_total_is_the_sum_of_the_notes_it_links_to(demo, client, auditor_user):
    import re

    client.force_login(auditor_user)
    as_of = "2008-03-20"
    page = client.get(reverse("home"), {"as_of": as_of})
    totals = page.context["totals"]
    assert totals.notes > 0 and totals.past_due_interest >= 0
    figures = [
        (page.context["links"], totals),
        *[(s["links"], s["totals"]) for s in page.context["by_series"]],
    ]
    html = page.content.decode()
    for links, t in figures:
        assert links["all"].replace("&", "&amp;") in html
        listed = client.get(links["all"])
        report = listed.context["report"]
        assert sum(r.outstanding_principal for r in report.rows) == t.outstanding_principal
        assert sum(r.accrued_unpaid_interest for r in report.rows) == t.accrued_unpaid_interest
        past_due = client.get(links["past_due"]).context["report"]
        assert sum(r.past_due_interest for r in past_due.rows) == t.past_due_interest
        assert all(r.past_due_interest for r in past_due.rows)
        due = client.get(links["due_this_month"]).context["report"]
        assert sum(r.interest_due_this_month for r in due.rows) == t.interest_due_this_month
        shown = re.search(r'id="total-principal">([\d,.]+)<', listed.content.decode())[1]
        assert _money(shown) == t.outstanding_principal


def test_todays_outstanding_principal_is_the_notes_lists_total(demo, client, auditor_user):
    from notes.selectors import NoteFilter, note_list_filtered, outstanding_principal_totals

    client.force_login(auditor_user)
    page = client.get(reverse("home"))
    today = timezone.localdate()
    for s in page.context["by_series"]:
        theirs = outstanding_principal_totals(
            note_list_filtered(NoteFilter(series=s["id"]), as_of=today)
        )
        assert sum(t.outstanding_principal for t in theirs) == s["totals"].outstanding_principal


def test_the_dashboard_shows_runs_deadlines_and_pending_actions(demo, client, finance_user):
    client.force_login(finance_user)
    html = client.get(reverse("home"), {"as_of": "2008-01-20"}).content.decode()
    for text in ["Pending actions", "Open conversion windows", "Last servicing runs",
                 "Last notice runs", "Deadlines: the next 30 days", 'type="date"']:
        assert text in html
    bad = client.get(reverse("home"), {"as_of": "not-a-day"})
    assert bad.status_code == 200 and b'role="alert"' in bad.content


def test_the_reports_page_shows_each_report_with_totals(demo, client, finance_user):
    client.force_login(finance_user)
    page = client.get(reverse("reports:reports"), {
        "month": "2008-01", "as_of": "2008-01-31", "year": "2007",
        "date_from": "2008-01-01", "date_to": "2008-01-31"})
    ctx = page.context
    assert ctx["journal"]["debit"] == ctx["journal"]["credit"]
    assert ctx["accrual_total"] > 0
    assert ctx["interest_paid_total"] == sum(r.interest_paid for r in ctx["interest_paid"])
    html = page.content.decode()
    assert "balanced" in html and "Download CSV" in html and "Download XLSX" in html
    assert "***" in html  # masked
    # A GET never shows them in full, and records nothing.
    asked = client.get(reverse("reports:reports"), {"year": "2007", "tax_id": "full"})
    assert "***-**-" in asked.content.decode()
    assert not TaxIdDisclosure.objects.exists()
    full = client.post(
        reverse("reports:reports") + "?year=2007", {"tax_id": "full"}
    )
    html = full.content.decode()
    assert "***-**-" not in html and "shown in full" in html
    disclosure = TaxIdDisclosure.objects.get(channel="page")
    assert disclosure.holder_ids == sorted(r.holder_id for r in full.context["interest_paid"])
    assert disclosure.holder_ids  # the demo paid interest in 2007


def test_an_auditor_cannot_ask_for_full_tax_ids_on_the_page(demo, client, auditor_user):
    client.force_login(auditor_user)
    assert client.post(reverse("reports:reports"), {"tax_id": "full"}).status_code == 403
    assert not TaxIdDisclosure.objects.exists()
    assert "show them in full" not in client.get(reverse("reports:reports")).content.decode()


def test_query_counts_are_pinned_on_the_list_pages(client, auditor_user,
                                                  django_assert_max_num_queries):
    from tests.factories import NoteFactory, SeriesFactory

    series = SeriesFactory()
    for _ in range(3):
        NoteFactory(series=series)
    client.force_login(auditor_user)
    params = {"as_of": "2007-06-30"}
    with django_assert_max_num_queries(13) as few:
        client.get(reverse("reports:notes"), params)
    for _ in range(20):
        NoteFactory(series=series)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("reports:notes"), params)
    with django_assert_max_num_queries(30) as page:
        client.get(reverse("reports:reports"), {"month": "2007-06", "as_of": "2007-06-30"})
    for _ in range(20):
        NoteFactory(series=series)
    with django_assert_max_num_queries(len(page.captured_queries)):
        client.get(reverse("reports:reports"), {"month": "2007-06", "as_of": "2007-06-30"})


# --- Exports (background jobs) ---------------------------------------------------------------


def _export(client, django_capture_on_commit_callbacks, **data):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:export-start"), data)
    assert response.status_code == 302, response
    return ReportExport.objects.latest("id"), response


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_page_download_is_written_by_a_job_and_served_when_done(
    file_format, demo, client, auditor_user, django_capture_on_commit_callbacks
):
    client.force_login(auditor_user)
    export, response = _export(
        client, django_capture_on_commit_callbacks, kind="accrual_journal", month="2008-01",
        currency="USD", file_format=file_format,
    )
    assert response.url == reverse("reports:export", args=[export.pk])
    export.refresh_from_db()
    assert export.status == "done" and export.progress_done == export.progress_total > 0
    page = client.get(response.url)
    assert b"Download the file" in page.content and b"hx-get" not in page.content
    download = client.get(reverse("reports:export-download", args=[export.pk]))
    content = b"".join(download.streaming_content)
    if file_format == "csv":
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        assert rows[-1][3] == rows[-1][4]  # total debit = total credit
        assert len(rows) == export.rows + 2
    else:
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(content)).active
        assert sheet.max_row == export.rows + 3


def test_a_running_export_polls_and_a_holder_cannot_see_one(
    demo, client, finance_user, holder_user
):
    export = ReportExport.objects.create(
        kind="notes_outstanding", file_format="csv", params={"as_of": "2008-01-31"},
        requested_by=finance_user,
    )
    client.force_login(finance_user)
    page = client.get(reverse("reports:export", args=[export.pk]))
    assert b'hx-trigger="every 2s"' in page.content and b"<progress" in page.content
    fragment = client.get(reverse("reports:export", args=[export.pk]), HTTP_HX_REQUEST="true")
    assert b"<html" not in fragment.content and b"export-progress" in fragment.content
    assert client.get(reverse("reports:export-download", args=[export.pk])).status_code == 404
    client.force_login(holder_user[0])
    assert client.get(reverse("reports:export", args=[export.pk])).status_code == 302


def test_an_export_whose_worker_was_lost_says_so_and_stops_polling(demo, client, finance_user):
    started = timezone.now() - timezone.timedelta(seconds=ReportExport.ABANDONED_AFTER_SECONDS)
    running = ReportExport.objects.create(
        kind="notes_outstanding", file_format="csv", params={"as_of": "2008-01-31"},
        requested_by=finance_user, status="running", started_at=timezone.now(),
    )
    lost = ReportExport.objects.create(
        kind="notes_outstanding", file_format="csv", params={"as_of": "2008-01-31"},
        requested_by=finance_user, status="running", started_at=started - timezone.timedelta(1),
    )
    client.force_login(finance_user)
    assert b"every 2s" in client.get(reverse("reports:export", args=[running.pk])).content
    page = client.get(reverse("reports:export", args=[lost.pk])).content.decode()
    assert "every 2s" not in page and "worker writing it was lost" in page


def test_full_tax_id_exports_are_finance_only_recorded_and_private(
    demo, client, finance_user, auditor_user, django_capture_on_commit_callbacks
):
    client.force_login(auditor_user)
    refused = client.post(reverse("reports:export-start"), {
        "kind": "interest_paid", "year": "2007", "file_format": "csv", "full_tax_ids": "on"})
    assert refused.status_code == 403 and not ReportExport.objects.exists()
    client.force_login(finance_user)
    export, _ = _export(
        client, django_capture_on_commit_callbacks, kind="interest_paid", year="2007",
        file_format="csv", full_tax_ids="on",
    )
    export.refresh_from_db()
    assert export.full_tax_ids and export.status == "done"
    assert TaxIdDisclosure.objects.filter(channel="export", user=finance_user).count() == 1
    content = b"".join(
        client.get(reverse("reports:export-download", args=[export.pk])).streaming_content
    ).decode("utf-8-sig")
    assert "***" not in content
    # The disclosure names exactly the holders whose rows the file holds.
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(content)))
    in_file = sorted(int(r["holder_id"]) for r in rows if r["holder_id"])
    disclosure = TaxIdDisclosure.objects.get(channel="export")
    assert in_file and disclosure.holder_ids == in_file
    client.force_login(auditor_user)
    assert client.get(reverse("reports:export-download", args=[export.pk])).status_code == 404


def test_an_export_with_bad_parameters_is_not_started(demo, client, finance_user):
    client.force_login(finance_user)
    response = client.post(reverse("reports:export-start"), {
        "kind": "accrual_journal", "month": "2008-13", "file_format": "csv"}, follow=True)
    assert not ReportExport.objects.exists()
    assert b"not started" in response.content


def test_outstanding_status_filter(demo):
    rows = list(selectors.notes_outstanding_rows(as_of=date(2008, 3, 31),
                                                 status=NoteStatus.ACCELERATED))
    assert all(r.status == NoteStatus.ACCELERATED for r in rows)
