"""Four eyes is on in production unless turned off, and off in the local settings."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _four_eyes(settings_module: str, **env_overrides) -> str:
    env = {k: v for k, v in os.environ.items() if k != "NOTEDESK_FOUR_EYES"}
    env.update(
        DJANGO_SETTINGS_MODULE=settings_module,
        SECRET_KEY=secrets.token_urlsafe(38)[:50].ljust(50, "k"),
        FIELD_ENCRYPTION_SALT="salt",
        **env_overrides,
    )
    result = subprocess.run(
        [sys.executable, "-c",
         "import django; django.setup(); from django.conf import settings; "
         "print(settings.NOTEDESK_FOUR_EYES)"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_on_in_production_off_locally_and_switchable():
    assert _four_eyes("config.settings.production") == "True"
    assert _four_eyes("config.settings.production", NOTEDESK_FOUR_EYES="false") == "False"
    assert _four_eyes("config.settings.local") == "False"
    assert _four_eyes("config.settings.local", NOTEDESK_FOUR_EYES="true") == "True"
