"""docs/api.md is generated from the OpenAPI schema and kept in step with the code."""

import pytest
from django.core.management import CommandError, call_command

from core import api_reference
from core.api_reference import OUTPUT, api_schema, render


def test_the_committed_api_reference_matches_the_code():
    expected = render(api_schema())
    assert OUTPUT.read_text() == expected, (
        "docs/api.md is out of date with the API: run `make api-docs` and commit it."
    )


def test_rendering_is_deterministic():
    assert render(api_schema()) == render(api_schema())


def test_every_endpoint_and_object_is_documented():
    schema = api_schema()
    text = OUTPUT.read_text()
    for path, operations in schema["paths"].items():
        if path.endswith(("/schema/", "/docs/")):
            continue
        for method in operations:
            assert f"### `{method.upper()} {path}`" in text
    for name in schema["components"]["schemas"]:
        assert f"\n### {name}\n" in text
    # Links between objects land on a heading of the file.
    assert "[PaymentAllocation](#paymentallocation)" in text


def test_the_check_option_refuses_a_stale_file(tmp_path, monkeypatch):
    stale = tmp_path / "api.md"
    stale.write_text("# out of date\n")
    monkeypatch.setattr(api_reference, "OUTPUT", stale)
    monkeypatch.setattr("core.management.commands.api_reference.OUTPUT", stale)
    with pytest.raises(CommandError, match="out of date"):
        call_command("api_reference", "--check")
    call_command("api_reference")
    assert stale.read_text() == render(api_schema())
    call_command("api_reference", "--check")
