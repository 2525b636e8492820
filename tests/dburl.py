"""The URL of another database on the server the tests use, for a tool or a subprocess.

Built from ``DATABASE_URL`` (set by the environment, or by ``config.localdb`` for the
embedded server, whose URL names a socket directory), so it reaches the same server
either way.
"""

import os
from urllib.parse import urlsplit, urlunsplit


def database_url_for(name: str) -> str:
    return urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}"))
