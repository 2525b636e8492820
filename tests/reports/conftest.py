import pytest
from django.db import transaction
from django.test import TestCase


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(scope="module")
def _demo_module(django_db_setup, django_db_blocker):
    """The demo register (no letters), loaded once per test module inside a transaction
    that is rolled back at the end of the module (Django's setUpTestData pattern): each
    test runs in a savepoint on top of it."""
    from django.core.management import call_command

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with TestCase.captureOnCommitCallbacks(execute=True):
                call_command("demo_load", "--no-letters")
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo(_demo_module, db):
    """The demo register, as loaded by `manage.py demo_load --no-letters`."""
