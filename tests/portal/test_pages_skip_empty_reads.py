"""A note's pages read only the tables that hold something for the note, and show the same.

`core.related_rows`: the staff note page and the holder's note page ask once which
of the note's related tables hold rows, and skip the reads of the others. The
world here has notes with and without elections, a conversion, notices and an
event of default; every page must be the same, byte for byte but for its one-time
tokens, as the page that reads every table.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from core import related_rows
from core.related_rows import related_rows_load, related_rows_may_exist
from notes.models import DefaultEvent, Note, StopTransferInstruction, Transfer
from notices.models import Notice
from offerings.models import Conversion, Election

REGISTERED = (Transfer, StopTransferInstruction, DefaultEvent, Election, Conversion, Notice)
_TOKENS = re.compile(
    r'((?:name="[\w-]*(?:csrfmiddlewaretoken|idempotency_key)" value=|"X-CSRFToken": )")[^"]*"'
)


def _page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return _TOKENS.sub(r'\1"', response.content.decode())


def _every_table_read(monkeypatch):
    """The pages as they were: nothing loaded, so every reader reads its table."""
    monkeypatch.setattr("notes.views.related_rows_load", lambda record: None)
    monkeypatch.setattr("portal.selectors.related_rows_load", lambda record: None)


def test_the_load_says_which_tables_hold_rows_for_each_note(world):
    notes = [world.note_a, *world.notes_b]
    seen = {model: set() for model in REGISTERED}
    for note in notes:
        note = Note.objects.get(pk=note.pk)
        related_rows_load(note)
        for model in REGISTERED:
            exists = model.objects.filter(note=note).exists()
            assert related_rows_may_exist(note, model) is exists, (note.number, model)
            seen[model].add(exists)
    # The world has notes with and without each of these, so both answers were checked.
    for model in (DefaultEvent, Election, Conversion):
        assert seen[model] == {True, False}, model


def test_every_registered_relation_is_loaded_in_one_query(world, django_assert_num_queries):
    note = Note.objects.get(pk=world.note_a.pk)
    assert set(REGISTERED) <= {m for m, _ in related_rows._RELATIONS[Note]}
    with django_assert_num_queries(1):
        related_rows_load(note)


def test_a_record_not_loaded_is_read_as_before(world):
    note = Note.objects.get(pk=world.note_a.pk)
    assert all(related_rows_may_exist(note, model) for model in REGISTERED)


@pytest.mark.parametrize("page", ["note-detail", "note-timeline"])
@pytest.mark.parametrize("which", ["note_a", "b1", "b2"])
def test_the_staff_note_page_is_the_same_without_the_empty_reads(
    client, finance_user, world, monkeypatch, which, page
):
    note = {"note_a": world.note_a, "b1": world.notes_b[0], "b2": world.notes_b[1]}[which]
    client.force_login(finance_user)
    url = reverse(page, args=[note.pk])
    skipping = _page(client, url)
    _every_table_read(monkeypatch)
    assert skipping == _page(client, url)


@pytest.mark.parametrize("page", ["portal-note", "portal-note-timeline"])
@pytest.mark.parametrize("which", ["note_a", "b1", "b2"])
def test_the_holder_note_page_is_the_same_without_the_empty_reads(
    client, world, monkeypatch, which, page
):
    note, user = {
        "note_a": (world.note_a, world.user_a),
        "b1": (world.notes_b[0], world.user_b),
        "b2": (world.notes_b[1], world.user_b),
    }[which]
    client.force_login(user)
    url = reverse(page, args=[note.pk])
    skipping = _page(client, url)
    _every_table_read(monkeypatch)
    assert skipping == _page(client, url)


def test_fewer_queries_for_a_note_without_conversion_notices_or_events(
    client, world, monkeypatch, django_assert_max_num_queries
):
    """Not a timing: the reads skipped are the ones the load found empty."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.user_a)
    url = reverse("portal-note", args=[world.note_a.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as skipping:
        client.get(url)
    _every_table_read(monkeypatch)
    with CaptureQueriesContext(connection) as reading:
        client.get(url)
    tables = " ".join(q["sql"] for q in skipping.captured_queries)
    assert '"offerings_conversion"' in tables  # only inside the load's EXISTS test
    assert not any(
        q["sql"].lstrip().startswith("SELECT") and 'FROM "offerings_conversion"' in q["sql"]
        and "EXISTS" not in q["sql"]
        for q in skipping.captured_queries
    )
    assert len(skipping.captured_queries) < len(reading.captured_queries)
