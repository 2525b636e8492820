import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _import_production(env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "FIELD_ENCRYPTION_SALT"}}
    env.update(env_overrides)
    env["DATABASE_URL"] = env.get("DATABASE_URL") or "postgres://u@127.0.0.1:5432/x"
    return subprocess.run(
        [sys.executable, "-c", "import config.settings.production"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )


@pytest.mark.parametrize("secret", ["", "short", "dev-" + "x" * 40])
def test_production_refuses_to_start_without_a_real_secret_key(secret):
    result = _import_production({"SECRET_KEY": secret, "FIELD_ENCRYPTION_SALT": "salt"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_starts_with_real_secrets():
    result = _import_production({"SECRET_KEY": "k" * 50, "FIELD_ENCRYPTION_SALT": "salt"})
    assert result.returncode == 0, result.stderr


def test_make_run_writes_e_mails_to_files_not_the_terminal():
    env = {k: v for k, v in os.environ.items() if k not in {"EMAIL_BACKEND", "EMAIL_FILE_PATH"}}
    env["DATABASE_URL"] = env.get("DATABASE_URL") or "postgres://u@127.0.0.1:5432/x"
    result = subprocess.run(
        [sys.executable, "-c",
         "import config.settings.local as s; print(s.EMAIL_BACKEND); print(s.EMAIL_FILE_PATH)"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    backend, path = result.stdout.split()
    assert backend == "django.core.mail.backends.filebased.EmailBackend"
    assert path == str(ROOT / ".local" / "mail")
