"""`money` and `ymd` give exactly what the built-in filters they replace in tables give.

`{{ x|money }}` stands for `{{ x|floatformat:2|intcomma }}` and `{{ d|ymd }}` for
`{{ d|date:"Y-m-d" }}`; both are checked through the template engine (autoescape,
localtime and all), on generated values and on the awkward ones by name.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import engines
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

BUILT_IN = engines["django"].from_string(
    "{% load humanize %}[{{ x|floatformat:2|intcomma }}][{{ d|date:'Y-m-d' }}]"
)
OURS = engines["django"].from_string("{% load notedesk %}[{{ x|money }}][{{ d|ymd }}]")


def same(x=None, d=None) -> None:
    context = {"x": x, "d": d}
    assert OURS.render(context) == BUILT_IN.render(context), (x, d)


decimals = st.decimals(allow_nan=False, allow_infinity=False, places=None,
                       min_value=Decimal("-1e15"), max_value=Decimal("1e15"))


@given(decimals)
def test_money_equals_floatformat_intcomma_on_any_decimal(value):
    same(x=value)


@given(st.decimals(allow_nan=False, allow_infinity=False, places=2,
                   min_value=Decimal("-1e14"), max_value=Decimal("1e14")))
def test_money_equals_floatformat_intcomma_on_cents(value):
    same(x=value)


@pytest.mark.parametrize("value", [
    Decimal("0"), Decimal("0.00"), Decimal("-0.00"), Decimal("-0.004"), Decimal("-0.005"),
    Decimal("0.005"), Decimal("0.015"), Decimal("2.675"), Decimal("999.995"),
    Decimal("-999999.995"), Decimal("1E+3"), Decimal("1.2E+7"), Decimal("123456789012.34"),
    Decimal("1E+25"), Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity"), 0, 12345,
    -7, 1234.5, "1234.5", "", None, "abc", True,
])
def test_money_equals_floatformat_intcomma_on_awkward_values(value):
    same(x=value)


@override_settings(USE_THOUSAND_SEPARATOR=True)
@given(decimals)
def test_money_follows_the_thousand_separator_setting(value):
    same(x=value)


@given(st.dates(min_value=dt.date(1, 1, 1)))
def test_ymd_equals_date_filter_on_days(value):
    same(d=value)


@given(st.datetimes(timezones=st.sampled_from([dt.UTC, ZoneInfo("Asia/Tokyo"),
                                               ZoneInfo("America/Los_Angeles")])))
def test_ymd_equals_date_filter_on_aware_moments_in_local_time(value):
    same(d=value)


@pytest.mark.parametrize("value", [None, "", "2025-07-01", dt.datetime(2025, 7, 1, 23, 30)])
def test_ymd_equals_date_filter_on_awkward_values(value):
    same(d=value)


# --- record_url: `{% url name pk %}` reversed once per route ---------------------------------

RECORD_ROUTES = ["note-detail", "holders:detail", "portal-note", "note-statements"]


@pytest.mark.parametrize("name", RECORD_ROUTES)
@settings(deadline=None)  # the first call loads the URL configuration
@given(st.integers(min_value=1, max_value=2**63 - 1))
def test_record_url_equals_reverse(name, pk):
    from django.urls import reverse

    from core.templatetags.notedesk import record_url

    assert record_url(pk, name) == reverse(name, args=[pk])


def test_record_url_under_a_script_prefix():
    from django.urls import reverse, set_script_prefix

    from core.templatetags.notedesk import record_url

    try:
        set_script_prefix("/desk/")
        assert record_url(7, "note-detail") == reverse("note-detail", args=[7])
        assert record_url(7, "note-detail").startswith("/desk/")
    finally:
        set_script_prefix("/")
    assert record_url(7, "note-detail") == reverse("note-detail", args=[7])


def test_record_url_refuses_a_route_without_one_key():
    from django.urls import NoReverseMatch

    from core.templatetags.notedesk import record_url

    with pytest.raises(NoReverseMatch):
        record_url(7, "notes-list")


def test_record_url_in_a_template():
    from django.urls import reverse

    page = engines["django"].from_string(
        "{% load notedesk %}<a href=\"{{ pk|record_url:'note-detail' }}\">"
    )
    assert page.render({"pk": 12}) == f'<a href="{reverse("note-detail", args=[12])}">'
