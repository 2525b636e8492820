"""The note's ledger adds up (§2): final period, current period, no accrual at zero principal,
and corrections of stated months by adjustment after back-dated facts.

Every expected figure is worked out by hand from §2 (simple interest, ACT/365F,
days counted inclusively, each month rounded once half-up to the cent) and, for
the per-period sums, checked against the domain core.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from notes.domain.interest import accrual_end, period_interest
from notes.domain.periods import next_due_date, statement_periods
from notes.models import InterestStatement, NoteStatus
from notes.selectors import note_facts_get, note_money_read, statement_list_with_status
from notes.services.payments import payment_record, payment_reverse
from notes.services.servicing import past_due_count, statements_generate
from tests.factories import NoteFactory

pytestmark = pytest.mark.django_db

D = Decimal


def pay(note, paid_on, amount, applies_to="interest", **kw):
    if applies_to == "principal":
        kw.setdefault("holder_consent_reference", "Holder's letter of consent")
    return payment_record(note=note, paid_on=paid_on, amount=D(amount), applies_to=applies_to, **kw)


def state(note, as_of):
    return statements_generate(id_from=note.pk, id_to=note.pk, as_of=as_of, run_id=None)[1]


def standing_by_period(note):
    sums = {}
    for s in InterestStatement.objects.filter(note=note):
        sums[s.period_start] = sums.get(s.period_start, D("0")) + s.amount.amount
    return sums


def assert_every_period_adds_up(note):
    """Each stated period's standing statements = the domain core's amount (0 after the end)."""
    note.refresh_from_db()
    facts = note_facts_get(note=note)
    end = accrual_end(facts.timeline, note.ended_on)
    expected = {
        p.start: period_interest(facts.timeline, facts.rate, note.series.day_count, p.start, p.end)
        for p in statement_periods(
            issue_date=note.issue_date, as_of=timezone.localdate(), due_day=15, end_date=end
        )
    }
    stated = standing_by_period(note)
    for start, total in stated.items():
        assert total == expected.get(start, D("0.00")), start
    # ...and every month that has ended before the end has its statement.
    assert {s for s, a in expected.items() if a} <= set(stated)
    assert not InterestStatement.objects.filter(
        note=note, corrects__isnull=True, amount=0
    ).exists()


@pytest.fixture
def repaid_note():
    """$100,000 at 10% ACT/365F issued 2007-01-01, stated Jan–Nov, repaid 2007-12-31.

    Months: Jan 849.32 (31 days), Feb 767.12 (28), Mar 849.32, Apr 821.92 (30), ...
    December (the repayment month, no statement): 100,000 × 0.1 × 31/365 = 849.32.
    Seven 31-day months at 849.32, four 30-day at 821.92 and February: 10,000.04.
    """
    note = NoteFactory(principal=D("100000.00"), issue_date=date(2007, 1, 1))
    assert state(note, date(2007, 12, 1)) == 11
    principal = pay(note, date(2007, 12, 31), "100000.00", "principal", reference="W-P")
    interest = pay(note, date(2007, 12, 31), "10000.04", reference="W-I")
    note.refresh_from_db()
    assert note.status == NoteStatus.REPAID and note.ended_on == date(2007, 12, 31)
    return note, principal, interest


def test_a_repaid_note_shows_its_final_period_and_the_ledger_adds_up(repaid_note):
    note, _, _ = repaid_note
    money = note_money_read(note=note, as_of=date(2026, 12, 1))
    assert len(money.statements) == 11
    (final,) = money.unstated_lines
    assert (final.kind, final.start, final.end, final.days) == (
        "final", date(2007, 12, 1), date(2007, 12, 31), 31
    )
    assert final.amount == D("849.32")
    assert "100,000.00 × 0.1 × 31/365" in final.calculation and "849.32" in final.calculation
    assert money.statements_total + final.amount == money.interest_total == D("10000.04")
    assert money.interest_paid == D("10000.04")
    assert money.position.accrued_unpaid_interest == D("0.00")
    assert money.ledger_adds_up


def test_the_current_partial_month_is_a_line_with_its_calculation():
    note = NoteFactory(principal=D("1500000.00"), issue_date=date(2026, 10, 5))
    money = note_money_read(note=note, as_of=date(2026, 12, 1))
    kinds = [(line.kind, line.start, line.end) for line in money.unstated_lines]
    # Oct and Nov have ended but no run has stated them yet; December is in progress.
    assert kinds == [
        ("stated", date(2026, 10, 5), date(2026, 10, 31)),
        ("stated", date(2026, 11, 1), date(2026, 11, 30)),
        ("current", date(2026, 12, 1), date(2026, 12, 1)),
    ]
    current = money.unstated_lines[-1]
    assert current.amount == D("410.96")  # 1,500,000.00 × 10% × 1/365 = 410.958904
    assert current.calculation.startswith("1,500,000.00 × 0.1 × 1/365")
    assert money.ledger_adds_up
    state(note, date(2026, 12, 1))
    money = note_money_read(note=note, as_of=date(2026, 12, 1))
    assert [line.kind for line in money.unstated_lines] == ["current"]
    assert money.statements_total + current.amount == money.interest_total
    assert money.interest_total == money.position.accrued_unpaid_interest


def test_reversing_the_interest_payoff_leaves_interest_owed_and_nothing_accruing(repaid_note):
    note, _, interest = repaid_note
    payment_reverse(payment=interest, reason="Wire returned")
    note.refresh_from_db()
    assert note.status == NoteStatus.OUTSTANDING and note.ended_on is None
    money = note_money_read(note=note, as_of=date(2026, 12, 1))
    assert "Principal repaid in full on 2007-12-31" in money.status_detail
    assert money.accrual_ended_on == date(2007, 12, 31)
    # Interest through the payoff day is owed; nothing has accrued since.
    assert money.position.outstanding_principal == D("0.00")
    assert money.position.accrued_unpaid_interest == D("10000.04")
    # All of it past due, December's too: due 2008-01-15 like any month's interest (§2).
    assert money.position.past_due_interest == D("10000.04")
    assert note_money_read(
        note=note, as_of=date(2008, 1, 15)
    ).position.past_due_interest == D("10000.04") - D("849.32")
    assert note_money_read(note=note, as_of=date(2010, 1, 1)).position.accrued_unpaid_interest == (
        D("10000.04")
    )
    # The servicing run issues nothing more: never a statement for 0.00.
    assert state(note, timezone.localdate()) == 0
    assert InterestStatement.objects.filter(note=note).count() == 11
    assert_every_period_adds_up(note)
    # Paying it ends the note again, repaid on the day the interest was paid.
    pay(note, timezone.localdate(), "10000.04")
    note.refresh_from_db()
    assert note.status == NoteStatus.REPAID and note.ended_on == timezone.localdate()
    assert InterestStatement.objects.filter(note=note).count() == 11


def test_reversing_the_principal_payoff_restores_accrual_and_states_the_months(repaid_note):
    note, principal, _ = repaid_note
    payment_reverse(payment=principal, reason="Check bounced")
    note.refresh_from_db()
    assert note.status == NoteStatus.OUTSTANDING and note.ended_on is None
    today = timezone.localdate()
    months_ended = len(
        statement_periods(issue_date=note.issue_date, as_of=today, due_day=15)
    )
    # December 2007 onwards are stated at once, at the restored balance.
    assert InterestStatement.objects.filter(note=note).count() == months_ended
    dec = InterestStatement.objects.get(note=note, period_start=date(2007, 12, 1))
    assert dec.amount.amount == D("849.32") and dec.due_date == date(2008, 1, 15)
    assert_every_period_adds_up(note)
    # The interest payment of 10,000.04 still pays Jan–Dec 2007 exactly.
    rows = statement_list_with_status(note=note, as_of=date(2008, 1, 2))
    assert {r.status for r in rows} == {"paid"}


def test_reversing_both_payoff_payments_restores_the_note(repaid_note):
    note, principal, interest = repaid_note
    payment_reverse(payment=interest, reason="Wire returned")
    payment_reverse(payment=principal, reason="Check bounced")
    note.refresh_from_db()
    assert note.status == NoteStatus.OUTSTANDING
    assert_every_period_adds_up(note)
    position = note_money_read(note=note, as_of=date(2008, 1, 31)).position
    # Jan 2007–Jan 2008 owed: 10,000.04 + January 2008 849.32.
    assert position.accrued_unpaid_interest == D("10849.36")
    assert position.outstanding_principal == D("100000.00")


@pytest.fixture
def prepaid_note():
    """$100,000 issued 2007-01-01; $50,000 prepaid with consent on 2007-03-10; Mar–Jun stated."""
    note = NoteFactory(principal=D("100000.00"), issue_date=date(2007, 1, 1))
    prepayment = pay(note, date(2007, 3, 10), "50000.00", "principal")
    assert state(note, date(2007, 7, 1)) == 6
    return note, prepayment


def test_reversing_a_prepayment_after_months_were_stated_adds_adjustments(prepaid_note):
    note, prepayment = prepaid_note
    stated = standing_by_period(note)
    # March: 100,000 × 0.1 × 10/365 + 50,000 × 0.1 × 21/365 = 273.97 + 287.67 = 561.64.
    assert stated[date(2007, 3, 1)] == D("561.64")
    assert stated[date(2007, 4, 1)] == D("410.96")  # 50,000 × 0.1 × 30/365
    payment_reverse(payment=prepayment, reason="Prepayment sent to the wrong account")
    adjustments = InterestStatement.objects.filter(note=note, corrects__isnull=False).order_by(
        "period_start"
    )
    today = timezone.localdate()
    assert [(a.period_start, a.amount.amount) for a in adjustments] == [
        (date(2007, 3, 1), D("287.68")),  # 849.32 − 561.64 (the restored balance all month)
        (date(2007, 4, 1), D("410.96")),  # 821.92 − 410.96
        (date(2007, 5, 1), D("424.66")),  # 849.32 − 424.66
        (date(2007, 6, 1), D("410.96")),  # 821.92 − 410.96
    ]
    for adjustment in adjustments:
        original = adjustment.corrects
        assert original.corrects_id is None and original.period_start == adjustment.period_start
        assert adjustment.due_date == next_due_date(today, 15) > today
        assert adjustment.reason == (
            f"Payment #{prepayment.pk} (principal, 50,000.00 on 2007-03-10) was reversed on"
            f" {today}."
        )
        assert "100,000.00 × 0.1" in adjustment.calculation
    assert_every_period_adds_up(note)
    # Nothing was paid, so the originals are past due; the differences fall due on the
    # next due date, not before.
    rows = statement_list_with_status(note=note, as_of=today)
    assert {r.status for r in rows if r.kind == "statement" and r.due_date < today} == {
        "past_due"
    }
    assert [r.status for r in rows if r.kind == "adjustment"] == ["open"] * 4
    # The reversal also stated every month ended since (as the servicing cycle would).
    assert len([r for r in rows if r.kind == "statement"]) == len(
        statement_periods(issue_date=note.issue_date, as_of=today, due_day=15)
    )
    # The position, the statement list and the servicing count agree on what is past due.
    position = note_facts_get(note=note).position(today)
    assert position.past_due_interest == sum(
        r.amount.amount - r.paid_amount for r in rows if r.status == "past_due"
    )
    assert past_due_count(id_from=note.pk, id_to=note.pk, as_of=today) == len(
        {r.period_start for r in rows if r.status == "past_due"}
    )
    # Correcting again finds nothing to do.
    from notes.services.corrections import note_statements_correct

    assert note_statements_correct(note=note, reason="again") == []


def test_a_principal_payment_dated_in_a_stated_month_credits_the_difference():
    note = NoteFactory(principal=D("100000.00"), issue_date=date(2007, 1, 1))
    state(note, date(2007, 4, 1))  # Jan, Feb, Mar stated at 100,000
    pay(note, date(2007, 3, 10), "50000.00", "principal")
    (credit,) = InterestStatement.objects.filter(note=note, corrects__isnull=False)
    # March now accrues 561.64 instead of 849.32.
    assert (credit.period_start, credit.amount.amount) == (date(2007, 3, 1), D("-287.68"))
    assert "principal payment of 50,000.00 dated 2007-03-10" in credit.reason
    assert_every_period_adds_up(note)
    rows = statement_list_with_status(note=note, as_of=date(2007, 4, 2))
    assert [(r.kind, r.status, r.paid_amount) for r in rows[-2:]] == [
        ("statement", "open", D("0.00")),
        ("adjustment", "credit", D("0.00")),
    ]


def test_a_payoff_dated_in_a_stated_month_voids_that_month():
    note = NoteFactory(principal=D("100000.00"), issue_date=date(2007, 1, 1))
    state(note, date(2007, 4, 1))
    # Jan 849.32 + Feb 767.12 + Mar 1–10 (273.97) = 1,890.41 through 2007-03-10.
    pay(note, date(2007, 3, 10), "100000.00", "principal")
    pay(note, date(2007, 3, 10), "1890.41")
    note.refresh_from_db()
    assert note.status == NoteStatus.REPAID
    (void,) = InterestStatement.objects.filter(note=note, corrects__isnull=False)
    assert void.amount.amount == D("-849.32") and void.period_start == date(2007, 3, 1)
    assert_every_period_adds_up(note)
    money = note_money_read(note=note, as_of=date(2007, 4, 2))
    march = [r for r in money.statements if r.period_start == date(2007, 3, 1)]
    assert [r.status for r in march] == ["superseded", "credit"]
    assert [(line.kind, line.amount) for line in money.unstated_lines] == [
        ("final", D("273.97"))
    ]
    assert money.ledger_adds_up
    assert past_due_count(id_from=note.pk, id_to=note.pk, as_of=date(2026, 12, 1)) == 0


def test_no_statement_for_a_month_that_accrues_nothing():
    # $1.00 for one day at 10% is 0.000274, which rounds to 0.00: January gets no
    # statement; February (28 days, 0.007671) rounds to 0.01 and does.
    note = NoteFactory(principal=D("1.00"), issue_date=date(2007, 1, 31))
    assert state(note, date(2007, 3, 1)) == 1
    (february,) = InterestStatement.objects.filter(note=note)
    assert february.period_start == date(2007, 2, 1) and february.amount.amount == D("0.01")
    assert note_money_read(note=note, as_of=date(2007, 3, 1)).ledger_adds_up


def test_the_database_refuses_a_second_original_and_an_unexplained_adjustment(prepaid_note):
    from django.db import IntegrityError, transaction

    note, _ = prepaid_note
    original = InterestStatement.objects.filter(note=note).first()
    fields = {
        f: getattr(original, f)
        for f in ("note", "period_start", "period_end", "due_date", "days", "amount", "rate",
                  "day_count", "calculation")
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        InterestStatement.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        InterestStatement.objects.create(**fields, corrects=original)  # no reason
    with pytest.raises(IntegrityError), transaction.atomic():
        InterestStatement.objects.create(**{**fields, "amount": D("-1.00")})  # negative original


def test_the_migration_voids_statements_left_after_an_earlier_end():
    """Statements once only *shown* as superseded get the void adjustment the rules issue now."""
    import importlib
    from types import SimpleNamespace

    from django.db import connection

    from notes.models import Note

    migration = importlib.import_module("notes.migrations.0005_statement_adjustments")
    note = NoteFactory(principal=D("100000.00"), issue_date=date(2007, 1, 1))
    state(note, date(2007, 5, 1))  # Jan–Apr
    # A note that ended on 2007-03-10 under the old rules, its March and April still stated.
    Note.objects.filter(pk=note.pk).update(status=NoteStatus.REPAID, ended_on=date(2007, 3, 10))
    migration.void_statements_after_the_end(None, SimpleNamespace(connection=connection))
    voids = InterestStatement.objects.filter(note=note, corrects__isnull=False).order_by(
        "period_start"
    )
    assert [(v.period_start, v.amount.amount) for v in voids] == [
        (date(2007, 3, 1), D("-849.32")),
        (date(2007, 4, 1), D("-821.92")),
    ]
    assert all(v.corrects.period_start == v.period_start for v in voids)
    assert "repaid on 2007-03-10" in voids[0].reason
    assert standing_by_period(note)[date(2007, 3, 1)] == D("0.00")


def test_interest_paid_after_the_principal_is_past_due_in_between():
    """Principal repaid 2007-12-31, December's interest paid 2008-01-20: late from 01-16."""
    note = NoteFactory(principal=D("100000.00"), issue_date=date(2007, 1, 1))
    pay(note, date(2007, 11, 30), "9150.72")  # January–November
    pay(note, date(2007, 12, 31), "100000.00", "principal")
    note.refresh_from_db()
    assert note.status == NoteStatus.OUTSTANDING
    pay(note, date(2008, 1, 20), "849.32")
    note.refresh_from_db()
    assert note.status == NoteStatus.REPAID and note.ended_on == date(2008, 1, 20)
    position = note_facts_get(note=note).position
    assert position(date(2008, 1, 15)).past_due_interest == D("0.00")
    assert position(date(2008, 1, 16)).past_due_interest == D("849.32")
    assert position(date(2008, 1, 20)).past_due_interest == D("0.00")
    assert position(date(2008, 1, 20)).accrued_unpaid_interest == D("0.00")


def test_the_migration_voids_statements_after_the_principal_reached_zero():
    """The old cycle stated the repayment month and 0.00 months after it."""
    import importlib
    from types import SimpleNamespace

    from django.db import connection

    from notes.models import Payment

    migration = importlib.import_module("notes.migrations.0005_statement_adjustments")
    note = NoteFactory(principal=D("100000.00"), issue_date=date(2007, 1, 1))
    pay(note, date(2007, 3, 10), "100000.00", "principal")
    assert Payment.objects.get().paid_on == date(2007, 3, 10)
    # As the old cycle would have stated March (1–10 accrued) and April (0.00).
    march = InterestStatement.objects.create(
        note=note, period_start=date(2007, 3, 1), period_end=date(2007, 3, 31),
        due_date=date(2007, 4, 15), days=31, amount=D("273.97"), rate=D("0.1"),
        day_count="ACT/365F", calculation="old",
    )
    InterestStatement.objects.create(
        note=note, period_start=date(2007, 4, 1), period_end=date(2007, 4, 30),
        due_date=date(2007, 5, 15), days=30, amount=D("0.00"), rate=D("0.1"),
        day_count="ACT/365F", calculation="old",
    )
    migration.void_statements_after_the_end(None, SimpleNamespace(connection=connection))
    (void,) = InterestStatement.objects.filter(note=note, corrects__isnull=False)
    assert (void.corrects_id, void.amount.amount) == (march.pk, D("-273.97"))
    assert "repaid in full on 2007-03-10" in void.reason
    money = note_money_read(note=note, as_of=date(2007, 5, 1))
    assert money.ledger_adds_up
    assert [line.kind for line in money.unstated_lines][-1] == "final"


def test_a_credit_takes_back_the_newest_billing_first(prepaid_note):
    """Reverse a prepayment (adjustments due later), then record it again (credits)."""
    note, prepayment = prepaid_note
    payment_reverse(payment=prepayment, reason="Wrong account")
    pay(note, date(2007, 3, 10), "50000.00", "principal")
    assert_every_period_adds_up(note)
    april = [
        r for r in statement_list_with_status(note=note, as_of=date(2007, 7, 1))
        if r.period_start == date(2007, 4, 1)
    ]
    # The original, due 2007-05-15, stays due; the adjustment and the credit cancel.
    assert [(r.kind, r.amount.amount, r.status) for r in april] == [
        ("statement", D("410.96"), "past_due"),
        ("adjustment", D("410.96"), "superseded"),
        ("adjustment", D("-410.96"), "credit"),
    ]
    as_of = date(2007, 7, 1)
    rows = statement_list_with_status(note=note, as_of=as_of)
    past_due_rows = [r for r in rows if r.status == "past_due"]
    position = note_facts_get(note=note).position(as_of)
    assert position.past_due_interest == sum(r.amount.amount for r in past_due_rows)
    assert past_due_count(id_from=note.pk, id_to=note.pk, as_of=as_of) == len(past_due_rows)


def test_the_daily_reconciliation_corrects_a_month_stated_mid_payment():
    """A chunk that read the payments before a principal payment committed."""
    from notes.services.corrections import statements_reconcile_recent

    note = NoteFactory(principal=D("100000.00"), issue_date=date(2007, 1, 1))
    pay(note, date(2007, 3, 10), "50000.00", "principal")
    # April stated at the old balance, as the racing chunk would have stated it.
    april = InterestStatement.objects.create(
        note=note, period_start=date(2007, 4, 1), period_end=date(2007, 4, 30),
        due_date=date(2007, 5, 15), days=30, amount=D("821.92"), rate=D("0.1"),
        day_count="ACT/365F", calculation="stale",
    )
    assert statements_reconcile_recent() > 0
    credit = InterestStatement.objects.get(corrects=april)
    assert credit.amount.amount == D("-410.96")
    assert "Daily reconciliation" in credit.reason
    assert_every_period_adds_up(note)
    assert statements_reconcile_recent() == 0

