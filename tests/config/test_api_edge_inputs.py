"""Whatever a Finance user sends, the API answers 2xx or 4xx — never a server error.

The GET endpoints and their parameters are read from the OpenAPI schema the
API serves, so a new endpoint or filter is fed edge values without anyone
adding it here: dates at both ends of the calendar, ids that are not ids,
huge and negative integers, empty strings, unicode. The write endpoints get
the same treatment on their date fields.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from urllib.parse import quote

import pytest
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from offerings.services.elections import election_record
from offerings.services.recording import offering_record
from tests.factories import HolderFactory, NoteFactory, SeriesFactory

pytestmark = pytest.mark.django_db

EDGE_VALUES = [
    "0001-01-01", "9999-12-31", "9999-12-30", "9997-12-31", "9998-01-01", "2006-02-30",
    "", " ", "abc", "-1", "0", "1.5", "1e3", "0x10", "null", "true",
    "99999999999999999999", "9223372036854775808", "2147483648", "-99999999999999999999",
    "ü日本", "\u202e", "%00", "1; DROP TABLE notes_note", "2006-07-20T00:00", "--",
]

edge_text = st.one_of(
    st.sampled_from(EDGE_VALUES),
    st.dates(min_value=date.min, max_value=date.max).map(date.isoformat),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    # Query strings cannot carry NUL through a real client either; everything else may come.
    st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
            max_size=8),
)


def _get_operations() -> list[tuple[str, list[str], list[str]]]:
    """(path template, path parameters, query parameters) of every GET in the schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = []
    for path, methods in sorted(schema["paths"].items()):
        get = methods.get("get")
        if get is None:
            continue
        params = get.get("parameters", [])
        operations.append((
            path,
            [p["name"] for p in params if p["in"] == "path"],
            [p["name"] for p in params if p["in"] == "query"],
        ))
    return operations


OPERATIONS = _get_operations()


def test_the_schema_lists_the_filters_and_date_parameters():
    queries = {path: set(query) for path, _, query in OPERATIONS}
    assert {"note", "series", "status"} <= queries["/api/v1/conversions/"]
    assert "as_of" in queries["/api/v1/notes/{id}/position/"]
    assert len(OPERATIONS) >= 15


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a recording service and what its commit hands to Celery, as in production."""

    def _run(func, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return func(**kwargs)

    return _run


@pytest.fixture
def world(committed):
    """A note that converted on a $5M PIPE and one still outstanding, with their ids."""
    series = SeriesFactory()
    converted = NoteFactory(series=series, issue_date=date(2006, 7, 20))
    committed(
        offering_record, issuer=series.issuer, kind="pipe", closing_date=date(2007, 7, 20),
        gross_proceeds=D("5110000.00"),
        sales=[{"shares": 150000, "price_per_share": D("2.00")},
               {"shares": 200000, "price_per_share": D("2.50")},
               {"shares": 100000, "price_per_share": D("3.10")},
               {"shares": 1000000, "price_per_share": D("4.00")}],
    )
    # Issued late so that positions as of 9999 stay quick to compute.
    outstanding = NoteFactory(series=SeriesFactory(), issue_date=date(9997, 12, 1))
    return {"converted": converted, "outstanding": outstanding, "series": series}


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_no_get_endpoint_answers_a_server_error(finance_api, world, data):
    path, path_params, query_params = data.draw(st.sampled_from(OPERATIONS), label="endpoint")
    real_ids = [world["converted"].pk, world["outstanding"].pk, world["series"].pk]
    url = path
    for name in path_params:
        value = data.draw(st.sampled_from(real_ids).map(str) | edge_text, label=name)
        url = url.replace(f"{{{name}}}", quote(value, safe="") or "0")
    query = data.draw(
        st.dictionaries(st.sampled_from(query_params), edge_text, max_size=3)
        if query_params else st.just({}),
        label="query",
    )
    response = finance_api.get(url, query)
    assert response.status_code < 500, (url, query, response.content[:300])


EDGE_DATES = [
    "0001-01-01", "9999-12-31", "9999-12-30", "9997-12-31", "9998-01-01", "2006-02-30",
    "", "abc", None, 20060720, "99999999999999999999", "-2006-07-20",
]
edge_date = st.sampled_from(EDGE_DATES) | st.dates(
    min_value=date.min, max_value=date.max
).map(date.isoformat)


def _bodies(world) -> dict[str, tuple[str, str, dict]]:
    """A valid body for each write endpoint with a date field, and that field's name."""
    issuer = world["series"].issuer_id
    outstanding = world["outstanding"]
    return {
        "payments": ("/api/v1/payments/", "paid_on", {
            "note": outstanding.pk, "paid_on": "2007-01-15", "amount": "100.00",
            "applies_to": "interest", "method": "check",
        }),
        "notes": ("/api/v1/notes/", "issue_date", {
            "series": outstanding.series_id, "holder": outstanding.holder_id,
            "principal": "1000.00", "issue_date": "2006-07-20",
        }),
        "offerings": ("/api/v1/offerings/", "closing_date", {
            "issuer": outstanding.series.issuer_id, "kind": "pipe",
            "closing_date": "2007-07-20", "gross_proceeds": "1000.00",
            "sales": [{"shares": 500, "price_per_share": D("2.00")}],
        }),
        "corporate-events": ("/api/v1/corporate-events/", "effective_date", {
            "issuer": issuer, "kind": "voting_power_transfer", "effective_date": "2007-07-20",
            "voting_power_pct": "10.000",
        }),
        "elections": (f"/api/v1/notes/{world['elective'].pk}/elections/", "received_on", {
            "offering": world["elective_offering"].pk, "received_on": "2007-08-01",
            "certificate_names": "Margaret A. Keller", "address": "1 Main St",
            "tax_id": "512-44-6781",
        }),
        "servicing-runs": ("/api/v1/servicing/runs/", "as_of", {"as_of": "2007-01-01"}),
    }


@pytest.fixture
def write_world(world, committed):
    """Adds a note of a series with a $3M PIPE (a voluntary window) to elect on."""
    series = SeriesFactory()
    elective = NoteFactory(series=series, holder=HolderFactory(), issue_date=date(2006, 7, 20))
    offering = committed(
        offering_record, issuer=series.issuer, kind="pipe", closing_date=date(2007, 7, 20),
        gross_proceeds=D("3000000.00"),
        sales=[{"shares": 1000000, "price_per_share": D("3.00")}],
    )
    return {**world, "elective": elective, "elective_offering": offering}


@pytest.mark.parametrize(
    "endpoint",
    ["payments", "notes", "offerings", "corporate-events", "elections", "servicing-runs"],
)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(day=edge_date)
def test_no_write_endpoint_answers_a_server_error_for_an_edge_date(
    finance_api, write_world, endpoint, day
):
    path, field, body = _bodies(write_world)[endpoint]
    response = finance_api.post(path, {**body, field: day}, format="json")
    assert response.status_code < 500, (path, field, day, response.content[:300])
    if day in ("9999-12-31", "abc", "") or (
        day == "0001-01-01" and endpoint not in ("notes", "servicing-runs")
    ):
        # Refused on its own field: no payment, offering, event or election is dated then.
        assert response.status_code == 400, (path, day, response.content[:300])
        assert field in response.json(), response.json()
    if response.status_code < 300 and day == "0001-01-01":
        assert "0001-01-01" in response.content.decode()  # four-digit years (API.md)


def test_the_election_fixture_is_valid(write_world):
    # The bodies above are refused only for their dates: the valid one converts.
    conversion = election_record(
        note=write_world["elective"], offering=write_world["elective_offering"],
        received_on=date(2007, 8, 1), certificate_names="M. Keller", address="1 Main St",
        tax_id="512-44-6781",
    )
    assert conversion.conversion_date == date(2007, 8, 1)
