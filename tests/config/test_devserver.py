"""`make run` (config/devserver.py), driven as a real process.

Each test uses its own embedded PostgreSQL data directory (`LOCAL_PGDATA`) and
skips the migrate/demo setup, so a full start and stop takes a few seconds.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]
# The devserver with no migrate/demo_load: the lifecycle is what is under test.
DRIVER = (
    "import sys; from config import devserver; "
    "devserver.SETUP_COMMANDS = []; sys.exit(devserver.main())"
)


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "PORT"}
    }
    env.update(extra)
    return env


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _accepting(port: int) -> bool:
    with socket.socket() as client:
        client.settimeout(0.5)
        return client.connect_ex(("127.0.0.1", port)) == 0


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_a_port_in_use_is_named_with_the_command_that_avoids_it(tmp_path):
    pgdata = tmp_path / "pgdata"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "config.devserver"],
            cwd=ROOT, env=_env(PORT=str(port), LOCAL_PGDATA=str(pgdata)),
            capture_output=True, text=True, timeout=30,
        )
    assert result.returncode != 0
    assert f"Port {port} is in use; set PORT=" in result.stderr
    assert result.stderr.strip().endswith("make run")
    assert "Traceback" not in result.stderr
    assert time.monotonic() - started < 5
    assert not pgdata.exists()  # refused before anything started


def test_a_port_that_is_not_a_number_is_refused_plainly(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "config.devserver"],
        cwd=ROOT, env=_env(PORT="eighty", LOCAL_PGDATA=str(tmp_path / "pgdata")),
        capture_output=True, text=True, timeout=30,
    )
    assert result.returncode != 0
    assert "PORT='eighty' is not a port number" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("signum", "to_group"),
    [(signal.SIGTERM, False), (signal.SIGINT, True)],
    ids=["sigterm", "ctrl-c"],
)
def test_stopping_make_run_stops_the_web_server_and_the_embedded_postgres(
    tmp_path, signum, to_group
):
    port = _free_port()
    pgdata = tmp_path / "pgdata"
    log = (tmp_path / "devserver.log").open("w")
    # Its own process group, like a terminal's foreground job: Ctrl-C goes to the group.
    proc = subprocess.Popen(
        [sys.executable, "-c", DRIVER],
        cwd=ROOT, env=_env(PORT=str(port), LOCAL_PGDATA=str(pgdata)),
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not _accepting(port):
            assert proc.poll() is None, (tmp_path / "devserver.log").read_text()
            assert time.monotonic() < deadline, "runserver never listened"
            time.sleep(0.2)
        postmaster = int((pgdata / "postmaster.pid").read_text().split()[0])
        assert _alive(postmaster)

        if to_group:
            os.killpg(proc.pid, signum)
        else:
            proc.send_signal(signum)
        assert proc.wait(timeout=30) == 0, (tmp_path / "devserver.log").read_text()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()

    assert not _alive(postmaster), "the embedded PostgreSQL was left running"
    assert not _accepting(port), "runserver (or its autoreloader child) was left running"
