"""The servicing cycle: statements once per note and period, whatever happens."""

import threading
from datetime import date
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection, connections, transaction

from notes.models import InterestStatement, RunStatus, ServicingChunk, ServicingRun
from notes.services import servicing
from notes.services.payments import payment_record
from tests.factories import NoteFactory, SeriesFactory

D = Decimal


@pytest.fixture
def start(django_capture_on_commit_callbacks):
    """Start a run and dispatch its chunks once the run is committed, as in production."""

    def _start(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            run = servicing.servicing_run_start(**kwargs)
        run.refresh_from_db()
        return run

    return _start


def _amounts(note):
    return list(
        InterestStatement.objects.filter(note=note)
        .order_by("period_start")
        .values_list("period_start", "period_end", "days", "amount", "due_date")
    )


@pytest.mark.django_db
def test_the_contract_example_statements(start):
    note = NoteFactory(principal=D("250000.00"), issue_date=date(2006, 7, 20))
    run = start(as_of=date(2006, 10, 16))
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    assert _amounts(note) == [
        (date(2006, 7, 20), date(2006, 7, 31), 12, D("821.92"), date(2006, 8, 15)),
        (date(2006, 8, 1), date(2006, 8, 31), 31, D("2123.29"), date(2006, 9, 15)),
        (date(2006, 9, 1), date(2006, 9, 30), 30, D("2054.79"), date(2006, 10, 15)),
    ]
    assert (run.statements_created, run.past_due_statements, run.notes_count) == (3, 3, 1)
    first = InterestStatement.objects.filter(note=note).first()
    assert "250,000.00 × 0.1 × 12/365" in first.calculation
    assert "rounded half-up once to 821.92" in first.calculation


@pytest.mark.django_db
def test_a_month_gets_its_statement_only_once_it_has_ended(start):
    note = NoteFactory(issue_date=date(2006, 7, 20))
    start(as_of=date(2006, 7, 31))
    assert _amounts(note) == []
    start(as_of=date(2006, 8, 1))
    assert len(_amounts(note)) == 1


@pytest.mark.django_db
def test_catch_up_from_2006_gives_every_month_once(start):
    note = NoteFactory(issue_date=date(2006, 7, 20))
    start(as_of=date(2026, 11, 25))
    months = (2026 - 2006) * 12 + (10 - 7) + 1  # July 2006 … October 2026
    assert InterestStatement.objects.filter(note=note).count() == months
    again = start(as_of=date(2026, 11, 25))
    again.refresh_from_db()
    assert again.statements_created == 0
    assert InterestStatement.objects.filter(note=note).count() == months


@pytest.mark.django_db
def test_repaid_note_gets_no_statement_for_its_repayment_month(start):
    note = NoteFactory(issue_date=date(2006, 7, 20))
    maturity = date(2008, 7, 20)
    from notes.selectors import note_position_get

    accrued = note_position_get(note=note, as_of=maturity).accrued_unpaid_interest
    payment_record(note=note, paid_on=maturity, amount=D("250000.00"), applies_to="principal")
    payment_record(note=note, paid_on=maturity, amount=accrued, applies_to="interest")
    start(as_of=date(2026, 11, 25))
    last = InterestStatement.objects.filter(note=note).order_by("period_start").last()
    assert last.period_start == date(2008, 6, 1)


@pytest.mark.django_db
def test_principal_change_mid_month_is_in_the_statement(start):
    note = NoteFactory(issue_date=date(2006, 7, 20))
    payment_record(note=note, paid_on=date(2006, 8, 10), amount=D("50000.00"),
                   applies_to="principal", holder_consent_reference="consent")
    start(as_of=date(2006, 9, 1))
    assert _amounts(note)[1][3] == D("1835.62")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("day_count", "july", "august"),
    [("ACT/365F", "821.92", "2123.29"), ("ACT/360", "833.33", "2152.78"),
     ("30/360", "763.89", "2083.33"), ("ACT/ACT", "821.92", "2123.29")],
)
def test_each_day_count_convention(start, day_count, july, august):
    note = NoteFactory(series=SeriesFactory(day_count=day_count), issue_date=date(2006, 7, 20))
    start(as_of=date(2006, 9, 1))
    assert [row[3] for row in _amounts(note)] == [D(july), D(august)]


@pytest.mark.django_db
def test_maximum_lawful_rate_applies_when_lower(start):
    series = SeriesFactory(max_lawful_rate=D("0.08"))
    note = NoteFactory(series=series, issue_date=date(2006, 7, 20))
    start(as_of=date(2006, 8, 1))
    # 250,000 × 0.08 × 12/365 = 657.534…
    assert _amounts(note)[0][3] == D("657.53")


@pytest.mark.django_db
def test_statements_are_append_only(start):
    NoteFactory(issue_date=date(2006, 7, 20))
    start(as_of=date(2006, 8, 1))
    statement = InterestStatement.objects.get()
    with pytest.raises(Exception) as exc, transaction.atomic():
        InterestStatement.objects.filter(pk=statement.pk).update(days=1)
    assert "append_only" in str(exc.value)
    with pytest.raises(Exception), transaction.atomic():
        statement.delete()


@pytest.mark.django_db
def test_runs_split_into_chunks_and_count_progress(start, settings):
    settings.SERVICING_CHUNK_SIZE = 2
    series = SeriesFactory()
    for day in range(1, 6):
        NoteFactory(series=series, issue_date=date(2006, 7, day))
    run = start(as_of=date(2006, 8, 1))
    run.refresh_from_db()
    assert (run.chunks_total, run.chunks_done, run.status) == (3, 3, RunStatus.DONE)
    assert run.notes_count == 5 and run.statements_created == 5
    assert list(run.chunks.values_list("done", flat=True)) == [True, True, True]


@pytest.mark.django_db
def test_duplicate_delivery_of_a_chunk_does_nothing_twice(start, settings):
    NoteFactory(issue_date=date(2006, 7, 20))
    run = start(as_of=date(2006, 8, 1))
    chunk = run.chunks.get()
    assert servicing.servicing_chunk_process(chunk_id=chunk.pk) == 0
    run.refresh_from_db()
    assert (run.chunks_done, run.statements_created) == (1, 1)


@pytest.mark.django_db
def test_a_chunk_killed_mid_way_leaves_nothing_and_a_rerun_completes_it(start):
    note = NoteFactory(issue_date=date(2006, 7, 20))
    with mock.patch.object(
        servicing, "_steady_statements_insert", side_effect=RuntimeError("killed")
    ):
        start(as_of=date(2006, 10, 1))
    run = ServicingRun.objects.get()
    assert run.status == RunStatus.FAILED
    assert "killed" in run.error
    assert InterestStatement.objects.count() == 0
    assert not ServicingChunk.objects.get().done
    assert servicing.servicing_run_dispatch(run_id=run.pk) == 1
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    assert len(_amounts(note)) == 3


@pytest.mark.django_db
def test_daily_job_resumes_runs_left_unfinished():
    NoteFactory(issue_date=date(2006, 7, 20))
    stuck = servicing.servicing_run_start(as_of=date(2006, 9, 1))  # dispatch never committed
    ServicingRun.objects.filter(pk=stuck.pk).update(created_at="2006-01-01T00:00Z")
    from notes.tasks import servicing_daily_task

    servicing_daily_task()
    stuck.refresh_from_db()
    assert stuck.status == RunStatus.DONE
    assert ServicingRun.objects.filter(trigger="schedule").exists()


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_write_each_statement_once():
    series = SeriesFactory()
    for day in range(1, 21):
        NoteFactory(series=series, issue_date=date(2006, 7, day))
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait()
            servicing.servicing_run_start(as_of=date(2007, 7, 1))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert InterestStatement.objects.count() == 20 * 12
    runs = ServicingRun.objects.all()
    assert all(r.status == RunStatus.DONE for r in runs)
    assert sum(r.statements_created for r in runs) == 240


@pytest.mark.django_db(transaction=True)
def test_the_same_chunk_processed_by_two_workers_at_once_counts_once():
    NoteFactory(issue_date=date(2006, 7, 20))
    with mock.patch("notes.services.servicing.servicing_run_dispatch"):
        run = servicing.servicing_run_start(as_of=date(2007, 1, 1))
    chunk = run.chunks.get()
    results = []

    def work():
        results.append(servicing.servicing_chunk_process(chunk_id=chunk.pk))
        connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [0, 6]
    run.refresh_from_db()
    assert (run.chunks_done, run.statements_created, run.status) == (1, 6, RunStatus.DONE)
