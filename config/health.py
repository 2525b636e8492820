"""Liveness and readiness probes for the load balancer and the orchestrator.

- `/healthz`: the process answers. No database, no broker: restarting a
  process because the database is down would not help it.
- `/readyz`: this instance can serve: the database answers, the broker
  answers, and every migration is applied. 200 with each check named, or 503
  naming the one that failed; a load balancer sends no traffic until it is 200.

Neither needs a login, and neither is cached.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


def _database() -> tuple[bool, str]:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        return False, f"database unreachable: {type(exc).__name__}"
    return True, "ok"


def _broker() -> tuple[bool, str]:
    url = settings.CELERY_BROKER_URL
    if settings.CELERY_TASK_ALWAYS_EAGER or url.startswith("memory://"):
        return True, "ok (tasks run in-process, no broker)"
    try:
        with Connection(url, connect_timeout=settings.READINESS_TIMEOUT_SECONDS) as conn:
            conn.ensure_connection(max_retries=1, timeout=settings.READINESS_TIMEOUT_SECONDS)
    except Exception as exc:  # noqa: BLE001
        return False, f"broker unreachable: {type(exc).__name__}"
    return True, "ok"


def unapplied_migrations() -> list[str]:
    """Migrations the code has and the database has not applied (`app.name`)."""
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    targets = executor.loader.graph.leaf_nodes()
    return [f"{m.app_label}.{m.name}" for m, _backwards in executor.migration_plan(targets)]


def _migrations() -> tuple[bool, str]:
    try:
        pending = unapplied_migrations()
    except Exception as exc:  # noqa: BLE001
        return False, f"could not read the migration state: {type(exc).__name__}"
    if pending:
        shown = ", ".join(pending[:5]) + (" …" if len(pending) > 5 else "")
        return False, f"{len(pending)} unapplied: {shown}"
    return True, "ok"


@never_cache
@require_GET
def readyz(request):
    checks = {}
    ready = True
    for name, check in (("database", _database), ("broker", _broker),
                        ("migrations", _migrations)):
        if name == "migrations" and not checks["database"]["ok"]:
            checks[name] = {"ok": False, "detail": "not checked: the database is unreachable"}
            ready = False
            continue
        ok, detail = check()
        checks[name] = {"ok": ok, "detail": detail}
        ready = ready and ok
    failing = [name for name, result in checks.items() if not result["ok"]]
    if failing:
        logger.warning("not ready: %s", ", ".join(failing), extra={"failing": failing})
    return JsonResponse(
        {"status": "ready" if ready else "not ready", "failing": failing, "checks": checks},
        status=200 if ready else 503,
    )
