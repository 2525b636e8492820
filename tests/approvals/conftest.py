import pytest

from tests.conftest import _user


@pytest.fixture
def four_eyes(settings):
    """Four eyes on, as in production."""
    settings.NOTEDESK_FOUR_EYES = True


@pytest.fixture
def second_finance_user(db):
    from core.permissions import FINANCE_GROUP

    return _user("frank", FINANCE_GROUP)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a service and then what its commit hands to Celery, as in production."""

    def _run(func, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return func(**kwargs)

    return _run
