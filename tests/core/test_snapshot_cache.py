"""`core.snapshot_cache`: a figure is reused only while the database is unchanged.

The database is shared by whatever else runs on the server, and any commit
anywhere changes the snapshot; the tests that need a still database retry until
they get one (no commit between their first and last look).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import transaction

from core.snapshot_cache import database_snapshot, snapshot_cached

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _while_still(attempt):
    """Run `attempt()` until the database did not change while it ran; its result."""
    for _ in range(100):
        before = database_snapshot()
        result = attempt()
        if database_snapshot() == before:
            return result
    pytest.fail("the database never stood still for the test")


def test_under_one_snapshot_the_figure_is_computed_once():
    def attempt():
        cache.clear()
        calls = []

        def compute():
            calls.append(1)
            return len(calls)

        return [snapshot_cached("t", 1, (), compute) for _ in range(3)], calls

    results, calls = _while_still(attempt)
    assert results == [1, 1, 1]
    assert calls == [1]


def test_name_version_and_arguments_each_have_their_own_entry():
    def attempt():
        cache.clear()
        return [
            snapshot_cached(name, version, args, lambda v=(name, version, args): v)
            for name, version, args in [
                ("a", 1, ()), ("b", 1, ()), ("a", 2, ()), ("a", 1, ("x",)), ("a", 1, ())
            ]
        ]

    assert _while_still(attempt) == [
        ("a", 1, ()), ("b", 1, ()), ("a", 2, ()), ("a", 1, ("x",)), ("a", 1, ()),
    ]


def _groups() -> int:
    return snapshot_cached("groups", 1, (), Group.objects.count)


def test_a_committed_write_anywhere_is_seen_at_once():
    start = Group.objects.count()
    assert _groups() == _groups() == start
    Group.objects.create(name="one")  # committed (no transaction around the test)
    assert _groups() == start + 1
    Group.objects.filter(name="one").update(name="two")
    Group.objects.filter(name="two").delete()
    assert _groups() == start


def test_a_transaction_that_has_written_neither_reads_nor_fills_the_cache():
    start = Group.objects.count()
    with transaction.atomic():
        assert database_snapshot() is not None  # nothing written yet in this transaction
        Group.objects.create(name="one")
        assert database_snapshot() is None
        assert _groups() == start + 1
        Group.objects.filter(name="one").delete()
        assert _groups() == start  # its own uncommitted changes, every time
        Group.objects.create(name="two")
    assert _groups() == start + 1
