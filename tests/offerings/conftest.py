import pytest


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a recording service and then what its commit hands to Celery, as in production."""

    def _run(func, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return func(**kwargs)

    return _run
