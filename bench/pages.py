"""Pages under load: the notes list, a staff note page and a portal note page, served by gunicorn.

Run on demand, never by the test suite::

    make bench-pages                     # or:
    .venv/bin/python bench/pages.py [--duration 20] [--connections 32] [--repeat 3]
    .venv/bin/python bench/pages.py --against DIR   # interleave another checkout's server
    .venv/bin/python bench/pages.py --profile       # per-page CPU, queries, cProfile (no load)
    .venv/bin/python bench/pages.py --think 0       # the closed loop only

The register is built once in a scratch database (``notedesk_bench_pages``, or
``--database NAME``; kept with ``--keep``, reused with ``--reuse``), with the
helpers of ``bench/month_end.py``:

- 2,000 notes issued on the days of June 2024, stated every month since (one
  servicing run for the first month, 90% of it paid, principal prepaid on 2% of
  the notes, then one run up to this month): each note page shows 2½ years;
- 98,000 notes issued on the first of this month, so the list holds 100,000;
- a Finance login and a holder login (the holder of ten of the old notes).

The product is served by gunicorn (``--workers``, default 3, sync) under
``config.settings.bench`` — production settings (DEBUG off, static files by
whitenoise, persistent connections) over loopback HTTP, plus ``/bench/bare/``,
a view that does nothing. Each page — the bare view, the notes list, a staff
note page (a random old note per request), the holder's portal note page (a
random one of theirs) — is measured twice a round, for ``--duration`` seconds
each, ``--repeat`` rounds, interleaved, so every page sees the same machine
load as the bare view it is compared with:

1. **closed loop** — ``wrk`` (Debian's; ``make bench-pages`` installs it) with
   ``--connections`` connections, each sending its next request as soon as the
   last is answered: the most the server does, in requests/s, and that as a
   share of the bare view's (``÷ bare``). Its latencies are queueing, not the
   page: by Little's law latency = connections ÷ throughput, so even the bare
   view's p95 is 100–200 ms at 32 connections.
2. **users** — ``--connections`` users, each waiting ``--think`` ms (default
   500–1500, at random) between an answer and their next request: about 32
   requests/s offered. Its p50/p95/p99 are what a person waits at that load.
   Each request opens its own connection, as the proxy in front of gunicorn
   does in production; wrk's ``delay()`` is not used, because wrk reconnects at
   once and keeps the connection idle through the think time, and a sync
   worker that accepted it waits on it.

After each measurement the bench waits until the server has served what the
run left queued. It prints requests/s, p50/p95/p99 (medians over the repeats)
for both, and with ``--against`` the ratios of this checkout's to the other's.
Every page is fetched once first and must answer 200 with the note's own
figures on it.

``--profile`` renders each page in-process instead (Django's test client, one
request at a time, ``--rounds`` times): wall and CPU ms, queries and their time,
the share spent rendering templates, the size of the page, the product's own
functions by cumulative time and every function by own time; each page's
cProfile is written to ``--profile-dir`` (``pages-this/``, ``pages-against/``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import json
import math
import os
import pstats
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve()
ROOT = HERE.parent.parent
DEFAULT_DATABASE = "notedesk_bench_pages"
HISTORY_NOTES = 2_000
SECRET = "bench-pages-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
SALT = "bench-pages-salt"

LUA = r"""
local paths = {%(paths)s}
local cookie = "%(cookie)s"
local counter = 0
request = function()
  counter = counter + 1
  local path = paths[(counter %% #paths) + 1]
  return wrk.format("GET", path, {["Cookie"] = cookie})
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "JSON {\"requests\": %%d, \"duration_us\": %%d, \"errors\": %%d, \"non2xx\": %%d,"
    .. " \"p50\": %%d, \"p95\": %%d, \"p99\": %%d, \"max\": %%d}\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def _server() -> str:
    from bench.month_end import DEFAULT_SERVER

    return os.environ.get("DATABASE_URL") or DEFAULT_SERVER


def _database_url(name: str) -> str:
    from bench.month_end import _with_database

    return _with_database(_server(), name)


def _drop(name: str) -> None:
    import psycopg

    from bench.month_end import _with_database

    with psycopg.connect(_with_database(_server(), "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _exists(name: str) -> bool:
    import psycopg

    from bench.month_end import _with_database

    with psycopg.connect(_with_database(_server(), "postgres"), autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return row is not None


def _env(database: str) -> dict:
    return dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings.bench",
        DATABASE_URL=_database_url(database),
        SECRET_KEY=SECRET,
        FIELD_ENCRYPTION_SALT=SALT,
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        CONN_MAX_AGE="60",
        LOG_LEVEL="WARNING",
        NOTICES_AFTER_SERVICING="false",
        REDIS_URL="",
    )


# --- the register ---------------------------------------------------------------------------


def stage_prepare(database: str, seed: int) -> dict:
    """Build the register in a fresh scratch database (this process's settings: local)."""
    from datetime import date
    from decimal import Decimal

    from bench.month_end import (
        django_setup,
        notes_copy,
        payments_add,
        register_base,
        scratch_database_create,
        servicing_run,
    )

    os.environ["NOTICES_AFTER_SERVICING"] = "false"
    url = scratch_database_create(_server(), database)
    django_setup(url)
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    today = timezone.localdate()
    this_month = today.replace(day=1)
    series, holders = register_base("ACT/365F", Decimal("0.10"))
    notes_copy(series, holders, HISTORY_NOTES, date(2024, 6, 1), seed, "PH")
    first_run, _ = servicing_run(date(2024, 7, 1), "bench-first-month")
    payments_add(interest_paid_on=date(2024, 7, 15), principal_month=date(2024, 9, 1))
    notes_copy(series, holders, 100_000 - HISTORY_NOTES, this_month, seed + 1, "PN")
    history_run, _ = servicing_run(this_month, "bench-history")
    connections.close_all()
    return {"statements": first_run.statements_created + history_run.statements_created}


def stage_sessions(database: str) -> dict:
    """Logins and their session cookies, and the pages to drive (bench settings)."""
    os.environ.update(_env(database))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from core.permissions import FINANCE_GROUP, roles_ensure
    from holders.models import Holder, HolderLogin
    from notes.models import Note

    roles_ensure()
    from django.contrib.auth.models import Group

    users = get_user_model().objects
    finance, _ = users.get_or_create(username="bench-finance")
    finance.groups.add(Group.objects.get(name=FINANCE_GROUP))
    holder = Holder.objects.order_by("pk").first()
    holder_user, _ = users.get_or_create(username="bench-holder")
    HolderLogin.objects.update_or_create(user=holder_user, defaults={"holder": holder})
    old = list(
        Note.objects.filter(number__startswith="PH").order_by("pk").values_list("pk", "holder_id")
    )
    # Staff sign in with a second factor: the finance session carries a confirmed device.
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(
        user=finance, name="bench", defaults={"confirmed": True}
    )
    cookies = {}
    for name, user in (("finance", finance), ("holder", holder_user)):
        client = Client()
        client.force_login(user)
        if user == finance:
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
        cookies[name] = f"sessionid={client.cookies['sessionid'].value}"
    return {
        "cookies": cookies,
        "staff_notes": [pk for pk, _ in old],
        "portal_notes": [pk for pk, holder_id in old if holder_id == holder.pk],
    }


def _cumulative_ms(stats: pstats.Stats, file_end: str, function: str) -> float:
    """The cumulative time of one function (all its calls), in ms."""
    return sum(
        ct for (file, _, name), (_, _, _, ct, _) in stats.stats.items()  # type: ignore[attr-defined]
        if file.endswith(file_end) and name == function
    ) * 1000


def stage_profile(database: str, rounds: int, out_dir: str) -> dict:
    """Each page rendered in-process, `rounds` times: wall and CPU ms (medians), queries and
    their time, the template rendering's share, and the top of cProfile (the product's own
    functions by cumulative time, every function by own time). Each page's profile is
    written to `out_dir` for pstats or snakeviz."""
    os.environ.update(_env(database))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    info = stage_sessions(database)
    out = {}
    for label, paths, cookie in _scenarios(info):
        client = Client()
        name, value = cookie.split("=", 1)
        client.cookies[name] = value
        client.get(paths[0])  # warm
        wall, cpu, queries, db = [], [], [], []
        profiler = cProfile.Profile()
        size = 0
        for i in range(rounds):
            path = paths[i % len(paths)]
            with CaptureQueriesContext(connection) as captured:
                start, start_cpu = time.perf_counter(), time.process_time()
                response = client.get(path)
                cpu.append((time.process_time() - start_cpu) * 1000)
                wall.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (path, response.status_code)
            size = max(size, len(response.content))
            queries.append(len(captured.captured_queries))
            db.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
        # The profile separately: cProfile slows what it watches, so not in the timings.
        for i in range(rounds):
            profiler.enable()
            client.get(paths[i % len(paths)])
            profiler.disable()
        stats = pstats.Stats(profiler)
        path = Path(out_dir) / (label.split(" (")[0].replace(" ", "-") + ".prof")
        stats.dump_stats(path)
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream)
        total = _cumulative_ms(stats, "django/core/handlers/base.py", "get_response")
        render = _cumulative_ms(stats, "django/template/response.py", "rendered_content")
        stats.sort_stats("cumulative").print_stats(r"/(notes|portal|core|holders|accounts)/", 20)
        stats.sort_stats("tottime").print_stats(15)
        out[label] = {
            "wall_ms": statistics.median(wall),
            "cpu_ms": statistics.median(cpu),
            "db_ms": statistics.median(db),
            "queries": max(queries),
            "bytes": size,
            "render_share": render / total if total else 0.0,
            "profile_file": str(path),
            "profile": "\n".join(
                line for line in stream.getvalue().splitlines()
                if line.strip() and "function calls" not in line
            ),
        }
    return out


def _scenarios(info: dict) -> list[tuple[str, list[str], str]]:
    return [
        ("bare view", ["/bench/bare/"], info["cookies"]["finance"]),
        ("notes list (100,000)", ["/notes/"], info["cookies"]["finance"]),
        ("staff note page", [f"/notes/{pk}/" for pk in info["staff_notes"]],
         info["cookies"]["finance"]),
        ("portal note page", [f"/portal/notes/{pk}/" for pk in info["portal_notes"]],
         info["cookies"]["holder"]),
    ]


# --- the driver -----------------------------------------------------------------------------


def _stage(root: Path, stage: str, *args: str) -> dict:
    env = dict(os.environ, PAGES_BENCH_ROOT=str(root))
    out = subprocess.run(
        [sys.executable, str(HERE), "--stage", stage, *args],
        env=env, cwd=root, capture_output=True, text=True,
    )
    if out.returncode:
        sys.exit(f"stage {stage} failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


class Server:
    """gunicorn serving a checkout of the product on a loopback port."""

    def __init__(self, root: Path, port: int, database: str, workers: int):
        self.root, self.port = root, port
        # The server's log (one line a request) goes to a file: a pipe nobody reads fills
        # up and stalls the workers.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application",
             "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
             "--access-logfile", "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null",
             "--error-logfile", "-", "--log-level", "warning"],
            cwd=root, env=_env(database), stdout=subprocess.DEVNULL, stderr=self.log,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/bare/", timeout=5)
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    self.log.seek(0)
                    sys.exit(f"gunicorn on port {port} did not start:\n"
                             + self.log.read().decode()[-3000:])
                time.sleep(0.5)

    def get(self, path: str, cookie: str) -> str:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", headers={"Cookie": cookie}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            if response.status != 200 or response.url != request.full_url:
                sys.exit(f"{path}: {response.status} at {response.url}")
            return response.read().decode()

    def settle(self, limit: float = 60) -> None:
        """Wait until the requests a closed loop left queued are served: until the bare
        view answers within 50 ms (or `limit` seconds pass)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            start = time.perf_counter()
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/bench/bare/", timeout=30)
            if time.perf_counter() - start < 0.05:
                return
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()


def wrk(port: int, paths: list[str], cookie: str, duration: int, connections: int,
        threads: int) -> dict:
    """The closed loop: `connections` connections, each sending its next request as soon as
    the answer to the last one is in."""
    paths = paths[:]
    random.Random(len(paths)).shuffle(paths)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % {"paths": ", ".join(json.dumps(p) for p in paths), "cookie": cookie})
    try:
        out = subprocess.run(
            ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s",
             "--timeout", "30s", "-s", script.name, f"http://127.0.0.1:{port}"],
            capture_output=True, text=True, check=True,
        )
    finally:
        os.unlink(script.name)
    line = next(x for x in out.stdout.splitlines() if x.startswith("JSON "))
    result = json.loads(line[5:])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def _percentile(ordered: list[float], q: float) -> float:
    """Nearest rank."""
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)] if ordered else 0.0


def users(port: int, paths: list[str], cookie: str, duration: int, count: int,
          think: tuple[int, int], seed: int) -> dict:
    """`count` users, each waiting `think` ms (uniformly at random) between an answer and
    its next request: a load offered at about count / mean think requests a second, so the
    latency is the page's own plus what queueing that load really causes.

    Each request opens its own connection, as a buffering proxy in front of gunicorn
    does, and the latency runs from the connect to the last byte of the answer. (wrk's
    ``delay()`` cannot do this: wrk reconnects at once and holds the connection idle
    through the think time, and a sync worker that accepted it waits on it — the
    figures would measure workers held by idle clients, not the pages.)
    """
    rng = random.Random(seed)
    latencies: list[float] = []
    failures = {"errors": 0, "non2xx": 0}

    async def user(offset: int) -> None:
        order = paths[:]
        rng.shuffle(order)
        index = offset
        await asyncio.sleep(rng.uniform(0, think[1]) / 1000)  # the users start spread out
        while time.monotonic() < deadline:
            path = order[index % len(order)]
            index += 1
            start = time.perf_counter()
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(
                    f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\n"
                    f"Connection: close\r\n\r\n".encode()
                )
                await writer.drain()
                answer = await asyncio.wait_for(reader.read(), timeout=30)
                writer.close()
            except (TimeoutError, OSError):
                failures["errors"] += 1
            else:
                latencies.append((time.perf_counter() - start) * 1e6)
                if answer[9:12] != b"200":
                    failures["non2xx"] += 1
            await asyncio.sleep(rng.uniform(think[0], think[1]) / 1000)

    async def run() -> float:
        began = time.monotonic()
        await asyncio.gather(*(user(i) for i in range(count)))
        return time.monotonic() - began

    deadline = time.monotonic() + duration
    elapsed = asyncio.run(run())
    ordered = sorted(latencies)
    return {
        "requests": len(ordered), "rps": len(ordered) / elapsed, **failures,
        **{f"p{q}": _percentile(ordered, q) for q in (50, 95, 99)},
        "max": ordered[-1] if ordered else 0.0,
    }


def _think(value: str) -> tuple[int, int]:
    low, _, high = value.partition("-")
    think = (int(low), int(high or low))
    if think[0] < 0 or think[1] < think[0]:
        raise argparse.ArgumentTypeError(f"not MIN-MAX milliseconds: {value!r}")
    return think


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--duration", type=int, default=20, help="seconds per page and round")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--repeat", type=int, default=3, help="rounds over the pages")
    parser.add_argument("--think", type=_think, default=(500, 1500), metavar="MIN-MAX",
                        help="the users' think time in ms for the second measurement"
                             " (default 500-1500; 0 leaves it out)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 8141)))
    parser.add_argument("--against", metavar="DIR", help="another checkout, served beside this")
    parser.add_argument("--profile", action="store_true",
                        help="render each page in-process: CPU, queries, cProfile; no load")
    parser.add_argument("--reuse", action="store_true", help="reuse the scratch database")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--stage", help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, default=30,
                        help="with --profile: requests per page (default 30)")
    parser.add_argument("--profile-dir", default=tempfile.gettempdir(),
                        help="with --profile: where each page's .prof file goes")
    args = parser.parse_args(argv)

    root = Path(os.environ.get("PAGES_BENCH_ROOT", ROOT)).resolve()
    sys.path.insert(0, str(root))
    if args.stage == "prepare":
        print(json.dumps(stage_prepare(args.database, args.seed)))
        return 0
    if args.stage == "sessions":
        print(json.dumps(stage_sessions(args.database)))
        return 0
    if args.stage == "profile":
        print(json.dumps(stage_profile(args.database, args.rounds, args.profile_dir)))
        return 0
    if "bench" not in args.database:
        sys.exit(f"refusing: the scratch database name must contain 'bench': {args.database!r}")
    if not args.profile and not shutil.which("wrk"):
        sys.exit("wrk is needed: `make bench-pages` installs it (apt-get install wrk)")

    checkouts = [("this", ROOT)]
    if args.against:
        checkouts.insert(0, ("against", Path(args.against).resolve()))
    servers: list[tuple[str, Server]] = []
    try:
        if not (args.reuse and _exists(args.database)):
            built = _stage(ROOT, "prepare", "--database", args.database, "--seed", str(args.seed))
            print(f"register: 100,000 notes ({HISTORY_NOTES:,} with statements since June 2024;"
                  f" {built['statements']:,} statements)")
        info = _stage(ROOT, "sessions", "--database", args.database)
        print(f"NoteDesk pages bench — {os.cpu_count()} CPUs; gunicorn {args.workers} sync"
              f" workers; wrk {args.threads} threads, {args.connections} connections,"
              f" {args.duration} s per page and round, {args.repeat} rounds (interleaved)")
        if args.profile:
            summary = []
            for label, path in checkouts:
                out_dir = Path(args.profile_dir) / f"pages-{label}"
                out_dir.mkdir(parents=True, exist_ok=True)
                profiled = _stage(path, "profile", "--database", args.database,
                                  "--rounds", str(args.rounds), "--profile-dir", str(out_dir))
                for page, f in profiled.items():
                    print(f"\n== {label}: {page} — {f['profile_file']}")
                    print(f["profile"])
                    summary.append((label, page, f))
            print(f"\nin-process, one request at a time, medians of {args.rounds}:")
            print(f"{'code':8} {'page':22} {'wall ms':>8} {'CPU ms':>8} {'queries':>8}"
                  f" {'SQL ms':>8} {'render':>7} {'KB':>6}")
            for label, page, f in summary:
                print(f"{label:8} {page:22} {f['wall_ms']:8.1f} {f['cpu_ms']:8.1f}"
                      f" {f['queries']:8d} {f['db_ms']:8.1f} {f['render_share']:7.0%}"
                      f" {f['bytes'] / 1024:6.0f}")
            return 0
        for index, (label, path) in enumerate(checkouts):
            servers.append((label, Server(path, args.port + index, args.database, args.workers)))
        scenarios = _scenarios(info)
        # Each page once, checked: 200, and the note's own figures on it.
        for label, server in servers:
            for page, paths, cookie in scenarios:
                body = server.get(paths[0], cookie)
                if page.endswith("note page") and "Accrued" not in body and "accrued" not in body:
                    sys.exit(f"{label} {page}: {paths[0]} shows no accrued interest")
        modes = [("closed loop", (0, 0))]
        if args.think[1]:
            modes.append((f"users thinking {args.think[0]}-{args.think[1]} ms", args.think))
        results: dict[tuple[str, str, str], list[dict]] = {}
        for round_ in range(args.repeat):
            for mode, think in modes:
                for page, paths, cookie in scenarios:
                    for label, server in servers:
                        r = (
                            users(server.port, paths, cookie, args.duration, args.connections,
                                  think, seed=args.seed + round_)
                            if think[1]
                            else wrk(server.port, paths, cookie, args.duration,
                                     args.connections, args.threads)
                        )
                        server.settle()
                        results.setdefault((mode, label, page), []).append(r)
                        print(f"  round {round_ + 1} {mode[:11]:11} {label:7} {page:22}"
                              f" {r['rps']:8.1f} req/s  p50 {r['p50'] / 1000:7.1f} ms"
                              f"  p95 {r['p95'] / 1000:7.1f} ms  p99 {r['p99'] / 1000:7.1f} ms"
                              + (f"  ERRORS {r['errors']} non-2xx {r['non2xx']}"
                                 if r["errors"] or r["non2xx"] else ""), flush=True)
        failed = False
        for mode, _ in modes:
            who = "users" if mode.startswith("users") else "connections"
            print(f"\n{mode}, {args.connections} {who} (medians of {args.repeat}):")
            print(f"{'code':8} {'page':22} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8}"
                  f" {'p99 ms':>8}" + (f" {'÷ bare':>7}" if who == "connections" else ""))
            for label, _ in servers:
                bare = statistics.median(r["rps"] for r in results[(mode, label, "bare view")])
                for page, _, _ in scenarios:
                    rs = results[(mode, label, page)]
                    rps = statistics.median(r["rps"] for r in rs)
                    p = {k: statistics.median(r[k] for r in rs) / 1000
                         for k in ("p50", "p95", "p99")}
                    failed |= any(r["errors"] or r["non2xx"] for r in rs)
                    print(f"{label:8} {page:22} {rps:8.1f} {p['p50']:8.1f} {p['p95']:8.1f}"
                          f" {p['p99']:8.1f} {rps / bare:7.2f}" if who == "connections" else
                          f"{label:8} {page:22} {rps:8.1f} {p['p50']:8.1f} {p['p95']:8.1f}"
                          f" {p['p99']:8.1f}")
        if len(servers) == 2:
            print("\nthis ÷ against, per page (medians): closed-loop req/s; p95 of the users")
            for page, _, _ in scenarios:
                ratio = [
                    statistics.median(r["rps"] for r in results[(modes[0][0], "this", page)])
                    / statistics.median(r["rps"] for r in results[(modes[0][0], "against", page)])
                ]
                if len(modes) > 1:
                    ratio.append(
                        statistics.median(r["p95"] for r in results[(modes[1][0], "this", page)])
                        / statistics.median(
                            r["p95"] for r in results[(modes[1][0], "against", page)])
                    )
                print(f"  {page:22} " + "  ".join(f"{x:6.2f}" for x in ratio))
        if failed:
            sys.exit("some requests failed (errors or non-2xx answers)")
    finally:
        for _, server in servers:
            server.stop()
        if not args.keep:
            _drop(args.database)
    return 0


if __name__ == "__main__":
    sys.exit(main())
