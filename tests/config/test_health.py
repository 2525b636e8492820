"""/healthz answers without the database; /readyz names each check and the one that fails."""

from unittest import mock

import pytest
from django.db import connections

from config import health

pytestmark = pytest.mark.django_db

UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_healthz_answers_without_login_or_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_answers_when_the_database_is_down(client):
    with mock.patch.object(
        connections["default"], "cursor", side_effect=AssertionError("no database here")
    ):
        assert client.get("/healthz").status_code == 200


def test_readyz_is_200_naming_each_check_when_all_pass(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = settings.TEST_REDIS_URL
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ready"
    assert body["failing"] == []
    assert set(body["checks"]) == {"database", "broker", "migrations"}
    assert all(check["ok"] for check in body["checks"].values())


def test_readyz_is_not_a_login_redirect_even_with_a_holder_session(client, holder_user):
    client.force_login(holder_user[0])
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


def test_readyz_is_503_naming_the_broker_when_it_is_unreachable(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = UNREACHABLE_BROKER
    settings.READINESS_TIMEOUT_SECONDS = 0.5
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503
    assert body["failing"] == ["broker"]
    assert body["checks"]["broker"]["ok"] is False
    assert "broker unreachable" in body["checks"]["broker"]["detail"]
    assert body["checks"]["database"]["ok"] is True


def test_readyz_is_503_naming_the_database_when_it_is_unreachable(client):
    with mock.patch.object(connections["default"], "cursor", side_effect=OSError("refused")):
        response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503
    assert "database" in body["failing"]
    assert body["checks"]["database"]["detail"] == "database unreachable: OSError"
    # The migrations cannot be read without it; said so rather than guessed.
    assert body["checks"]["migrations"]["ok"] is False


def test_readyz_is_503_naming_migrations_when_one_is_unapplied(client):
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections["default"])
    leaf = executor.loader.graph.leaf_nodes()[0]
    migration = executor.loader.graph.nodes[leaf]
    # The executor's plan says one migration is still to apply.
    with mock.patch.object(
        MigrationExecutor, "migration_plan", return_value=[(migration, False)]
    ):
        response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503
    assert body["failing"] == ["migrations"]
    assert body["checks"]["migrations"]["detail"] == f"1 unapplied: {leaf[0]}.{leaf[1]}"


def test_the_test_database_has_no_unapplied_migration():
    assert health.unapplied_migrations() == []
