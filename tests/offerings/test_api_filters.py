"""Conversion filters (docs/api.md `?note=`/`?series=`): a bad value is a 400 on its field."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["abc", "-1", "99999999999999999999", "1.5", "ü"])
def test_a_series_that_is_not_an_id_is_a_400(finance_api, value):
    response = finance_api.get("/api/v1/conversions/", {"series": value})
    assert response.status_code == 400
    assert response.json()["series"] == [f"Not the id of a note series: {value}."]


def test_an_empty_series_filter_is_no_filter(finance_api):
    response = finance_api.get("/api/v1/conversions/", {"series": ""})
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_the_series_filter_is_in_the_schema(finance_api):
    schema = finance_api.get("/api/v1/schema/?format=json").json()
    params = schema["paths"]["/api/v1/conversions/"]["get"]["parameters"]
    series = next(p for p in params if p["name"] == "series")
    assert series["schema"]["type"] == "integer"
