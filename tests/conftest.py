import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.permissions import AUDITOR_GROUP, FINANCE_GROUP, roles_ensure
from tests.factories import HolderFactory


def _user(username: str, group: str | None = None, **extra):
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user(username=username, password="pw", **extra)
    if group:
        roles_ensure()
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def finance_user(db):
    return _user("fiona", FINANCE_GROUP)


@pytest.fixture
def auditor_user(db):
    return _user("arthur", AUDITOR_GROUP)


@pytest.fixture
def holder_user(db):
    user = _user("margaret")
    holder = HolderFactory(name="Margaret A. Keller", user=user)
    return user, holder


@pytest.fixture
def admin_user(db):
    return get_user_model().objects.create_superuser("ada", "ada@example.com", "pw")


def _api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api():
    return _api


@pytest.fixture
def finance_api(finance_user):
    return _api(finance_user)


@pytest.fixture
def auditor_api(auditor_user):
    return _api(auditor_user)


@pytest.fixture(autouse=True)
def _celery_join_flag():
    """Tasks run in-process from several threads can leave Celery's "inside a task"
    flag set for the thread that ran them; reset it so a later `.get()` is allowed."""
    from celery import _state

    _state._set_task_join_will_block(False)
    yield


@pytest.fixture
def redis_worker(transactional_db, settings):
    """A Celery worker thread consuming from the test broker (``TEST_REDIS_URL``): tasks
    are sent through Redis, not run in-process. The app's connection pools are made
    afresh for it and closed after (`bench.faultkit.broker`), so a worker an earlier
    test stopped leaves nothing closed behind."""
    from celery.contrib.testing.worker import start_worker

    from bench.faultkit import broker

    with broker(settings.TEST_REDIS_URL) as app:
        app.connection_for_write().ensure_connection(max_retries=3)
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
