"""Production settings pass Django's deployment checks; the API schema has no warnings."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args, **env_overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECURE_")}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def test_check_deploy_with_production_settings_reports_no_issues():
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(38)[:50].ljust(50, "k"),
        FIELD_ENCRYPTION_SALT=secrets.token_urlsafe(16),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_hsts_subdomains_and_preload_can_be_turned_off_from_the_environment():
    result = _manage(
        "check", "--deploy",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(38)[:50].ljust(50, "k"),
        FIELD_ENCRYPTION_SALT="salt",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="false",
        SECURE_HSTS_PRELOAD="false",
    )
    assert "security.W005" in result.stderr + result.stdout
    assert "security.W021" in result.stderr + result.stdout


def test_the_openapi_schema_validates_without_warnings(tmp_path):
    result = _manage(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"),
        DJANGO_SETTINGS_MODULE="config.settings.test",
    )
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr
    schema = (tmp_path / "schema.yml").read_text()
    # One component per shape: a payment's allocation and a unit allocation differ.
    assert "    PaymentAllocation:" in schema
    assert "    UnitAllocationRequest:" in schema
    assert "    AllocationRequest:" not in schema
