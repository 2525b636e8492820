import pytest
from django.db import connection

from bench.faultkit import RedisServer, free_port


@pytest.fixture
def private_redis():
    """A redis-server of this test's own, on a free port, killed and removed afterwards."""
    server = RedisServer(free_port()).start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def test_database_url(transactional_db):
    """The URL of the test database, for a worker process to use."""
    settings = connection.settings_dict
    return (f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
            f"{settings['PORT'] or 5432}/{settings['NAME']}")
