import pytest
from django.db import connection

from bench.faultkit import RedisServer, free_port
from tests.dburl import database_url_for


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
    return database_url_for(connection.settings_dict["NAME"])
