"""`make run`: everything a laptop needs to use NoteDesk, started and stopped together.

Starts the embedded PostgreSQL unless DATABASE_URL is set, migrates, loads the
demo register and logins, starts a Celery worker and beat when REDIS_URL is
set (otherwise tasks run in-process), and serves http://127.0.0.1:$PORT
(default 8000). Ctrl-C, SIGTERM or SIGHUP stops everything it started, the
embedded PostgreSQL included. A port already in use is reported before
anything starts, with the command to use another one.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
DEFAULT_PORT = 8000
# What runs before the web server; a test replaces it to start in a second.
SETUP_COMMANDS: list[list[str]] = [["migrate", "--noinput"], ["demo_load"]]


class Stop(Exception):
    """A termination signal arrived: stop everything, then exit."""


def _raise_stop(signum, frame):
    raise Stop(signal.Signals(signum).name)


def port_from_env() -> int:
    raw = os.environ.get("PORT", "").strip() or str(DEFAULT_PORT)
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise SystemExit(f"PORT={raw!r} is not a port number; try PORT={DEFAULT_PORT} make run")
    return int(raw)


def port_in_use(port: int, host: str = HOST) -> bool:
    """Whether runserver would fail to bind `port` (it sets SO_REUSEADDR too)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def free_port_after(port: int) -> int:
    candidate = port + 1
    while candidate < min(port + 100, 65535) and port_in_use(candidate):
        candidate += 1
    return candidate


def _spawn(command: list[str]) -> subprocess.Popen:
    # Own process group: runserver's autoreloader and Celery's pool are stopped
    # with their parent instead of being left behind.
    return subprocess.Popen(command, start_new_session=True)


def _stop(children: list[subprocess.Popen]) -> None:
    for child in children:
        if child.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGINT)
    for child in children:
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    port = port_from_env()
    if port_in_use(port):
        print(
            f"Port {port} is in use; set PORT={free_port_after(port)} make run",
            file=sys.stderr,
        )
        return 2

    from config.localdb import database_url, embedded_server_release

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _raise_stop)
    children: list[subprocess.Popen] = []
    try:
        database_url()  # starts the embedded server when DATABASE_URL is unset
        python = sys.executable
        manage = [python, str(BASE_DIR / "manage.py")]
        for command in SETUP_COMMANDS:
            subprocess.run([*manage, *command], check=True)

        if os.environ.get("REDIS_URL"):
            celery = [python, "-m", "celery", "-A", "config"]
            children.append(_spawn([*celery, "worker", "-l", "info", "-c", "2"]))
            children.append(_spawn([*celery, "beat", "-l", "info"]))
            print("Celery worker and beat started (REDIS_URL is set).")
        else:
            print("REDIS_URL is not set: Celery tasks run in-process.")
        print(f"NoteDesk is at http://{HOST}:{port}/ — Ctrl-C stops everything.", flush=True)
        server = _spawn([*manage, "runserver", f"{HOST}:{port}"])
        children.append(server)
        return server.wait()
    except (KeyboardInterrupt, Stop):
        return 0
    finally:
        # A second Ctrl-C must not cut the cleanup short and orphan the database.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        print("Stopping NoteDesk…", flush=True)
        _stop(children)
        embedded_server_release()


if __name__ == "__main__":
    sys.exit(main())
