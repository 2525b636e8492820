"""`make run`: everything a laptop needs to use NoteDesk, started and stopped together.

Starts the embedded PostgreSQL unless DATABASE_URL is set, migrates, loads the
demo register and logins, starts a Celery worker and beat when REDIS_URL is
set (otherwise tasks run in-process), and serves http://127.0.0.1:8000.
Ctrl-C stops everything it started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    from config.localdb import database_url

    database_url()  # starts the embedded server when DATABASE_URL is unset
    python = sys.executable
    manage = [python, str(BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput"], check=True)
    subprocess.run([*manage, "demo_load"], check=True)

    children: list[subprocess.Popen] = []
    if os.environ.get("REDIS_URL"):
        celery = [python, "-m", "celery", "-A", "config"]
        children.append(subprocess.Popen([*celery, "worker", "-l", "info", "-c", "2"]))
        children.append(subprocess.Popen([*celery, "beat", "-l", "info"]))
        print("Celery worker and beat started (REDIS_URL is set).")
    else:
        print("REDIS_URL is not set: Celery tasks run in-process.")
    print("NoteDesk is at http://127.0.0.1:8000/ — Ctrl-C stops everything.")
    server = subprocess.Popen([*manage, "runserver", "127.0.0.1:8000"])
    children.append(server)
    try:
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()


if __name__ == "__main__":
    sys.exit(main())
