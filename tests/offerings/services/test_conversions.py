"""Offerings, events and conversions, with hand-checkable figures (§5–§7)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from notes.models import InterestStatement, NoteStatus, Payment
from notes.selectors import note_position_get
from notes.services.payments import NoteStateConflict
from notes.services.servicing import statements_generate
from offerings import services
from offerings.models import (
    Conversion,
    ConversionStatus,
    ConversionTrigger,
    NoticeObligation,
    TriggerStatus,
)
from tests.factories import NoteFactory, SeriesFactory

pytestmark = pytest.mark.django_db
D = Decimal

# 150,000 @ 2.00 + 200,000 @ 2.50 + 100,000 @ 3.10 + 1,000,000 @ 4.00 = 5,110,000.
PIPE_SALES = [
    {"shares": 150_000, "price_per_share": D("2.00")},
    {"shares": 200_000, "price_per_share": D("2.50")},
    {"shares": 100_000, "price_per_share": D("3.10")},
    {"shares": 1_000_000, "price_per_share": D("4.00")},
]


@pytest.fixture
def series():
    return SeriesFactory()


@pytest.fixture
def note(series):
    return NoteFactory(series=series, principal=D("250000.00"), issue_date=date(2006, 7, 20))


def pipe(committed, series, gross, closing=date(2007, 7, 20), sales=None):
    # $1,000,000 at $2.00 a share, then one sale for the rest of the gross proceeds.
    sales = sales or [
        {"shares": 500_000, "price_per_share": D("2.00")},
        {"shares": 1, "price_per_share": gross - D("1000000.00")},
    ]
    return committed(
        services.offering_record, issuer=series.issuer, kind="pipe", closing_date=closing,
        gross_proceeds=gross, sales=sales,
    )


def test_five_million_pipe_converts_at_its_own_vwap_price(committed, series, note):
    offering = committed(
        services.offering_record, issuer=series.issuer, kind="pipe",
        closing_date=date(2007, 7, 20), gross_proceeds=D("5110000.00"), sales=PIPE_SALES,
    )
    assert offering.conversion_price == D("2.412451")
    conversion = Conversion.objects.get(note=note)
    # Interest July 20, 2006 through July 20, 2007, each month rounded as its statement:
    # 821.92 + 2,123.29 (Aug) + 2,054.79 + 2,123.29 + 2,054.79 + 2,123.29 + 2,123.29 (Jan)
    # + 1,917.81 + 2,123.29 + 2,054.79 + 2,123.29 + 2,054.79 (Jun) + 1,369.86 (Jul 1–20).
    assert conversion.interest_converted == D("25068.49")
    assert conversion.principal_converted == D("250000.00")
    assert conversion.note_amount == D("250000.00") + conversion.interest_converted
    assert conversion.conversion_price == D("2.412451")
    # 275,068.49 ÷ 2.412451 = 114,020.34…; 114,020 × 2.412451 = 275,067.66302
    # → cash in lieu 0.82698 → 0.83.
    assert conversion.note_amount == D("275068.49")
    assert conversion.shares == 114020
    assert conversion.cash_in_lieu == D("0.83")
    assert conversion.cash_due_date == date(2007, 7, 30)
    assert conversion.status == ConversionStatus.DONE
    assert conversion.trigger == "qualified_offering"
    note.refresh_from_db()
    assert (note.status, note.ended_on) == (NoteStatus.CONVERTED, date(2007, 7, 20))
    assert NoticeObligation.objects.filter(kind="automatic_conversion", note=note).exists()
    assert ConversionTrigger.objects.get().status == TriggerStatus.DONE


def test_hand_checked_note_amount(committed, series):
    note = NoteFactory(series=series, principal=D("100000.00"), issue_date=date(2007, 6, 1))
    committed(services.offering_record, issuer=series.issuer, kind="pipe",
              closing_date=date(2007, 6, 30), gross_proceeds=D("5110000.00"), sales=PIPE_SALES)
    conversion = Conversion.objects.get(note=note)
    # June 1–30 inclusive: 100,000 × 0.10 × 30/365 = 821.917… → 821.92.
    assert conversion.interest_converted == D("821.92")
    assert conversion.note_amount == D("100821.92")
    # 100,821.92 ÷ 2.412451 = 41,792.3… → 41,792 shares; 41,792 × 2.412451 = 100,821.152192
    assert conversion.shares == 41792
    assert conversion.cash_in_lieu == D("0.77")  # 100,821.92 − 100,821.152192 = 0.767808


def test_after_conversion_the_note_stops_accruing_and_statements_end(committed, series, note):
    pipe(committed, series, D("5000000.00"), closing=date(2006, 9, 10))
    statements_generate(id_from=note.pk, id_to=note.pk, as_of=date(2007, 1, 1), run_id=None)
    statements = InterestStatement.objects.filter(note=note)
    periods = list(statements.values_list("period_start", flat=True))
    assert periods == [date(2006, 7, 20), date(2006, 8, 1)]  # no September statement
    position = note_position_get(note=note, as_of=date(2007, 1, 1))
    assert (position.outstanding_principal, position.accrued_unpaid_interest) == (0, 0)
    conversion = Conversion.objects.get(note=note)
    # July 821.92 + August 2,123.29 + Sept 1–10 (684.93) = 3,630.14.
    assert conversion.interest_converted == D("3630.14")
    assert Payment.objects.filter(note=note, method="conversion").count() == 2


@pytest.mark.parametrize(
    ("gross", "automatic", "voluntary"),
    [(D("2999999.99"), False, False), (D("3000000.00"), False, True),
     (D("4999999.99"), False, True), (D("5000000.00"), True, False)],
)
def test_pipe_thresholds_at_the_edges(committed, series, note, gross, automatic, voluntary):
    offering = pipe(committed, series, gross)
    assert Conversion.objects.filter(note=note).exists() is automatic
    obligations = NoticeObligation.objects.filter(kind="voluntary_offering", offering=offering)
    assert obligations.exists() is voluntary
    if voluntary:
        assert obligations.get().due_by == date(2007, 7, 30)  # within 10 days of closing


@pytest.mark.parametrize(("gross", "converts"), [(D("5000000.00"), False), (D("5000000.01"), True)])
def test_underwritten_offering_must_exceed_five_million(committed, series, note, gross, converts):
    pipe(committed, series, D("3000000.00"), closing=date(2007, 1, 10),
         sales=[{"shares": 1_000_000, "price_per_share": D("3.00")}])
    committed(services.offering_record, issuer=series.issuer, kind="underwritten_public_offering",
              closing_date=date(2007, 7, 20), gross_proceeds=gross,
              sales=[{"shares": 1_000_000, "price_per_share": D("4.00")},
                     {"shares": 1, "price_per_share": gross - D("4000000.00")}])
    assert Conversion.objects.filter(note=note).exists() is converts
    if converts:
        conversion = Conversion.objects.get(note=note)
        # The price in effect: the earlier $3M PIPE, 1,000,000 ÷ (1,000,000 ÷ 3) = 3.000000.
        assert conversion.conversion_price == D("3.000000")
        assert conversion.trigger == "public_offering"


@pytest.mark.parametrize(("pct", "converts"), [(D("50"), False), (D("50.001"), True)])
def test_voting_power_transfer_must_exceed_fifty_percent(committed, series, note, pct, converts):
    committed(services.event_record, issuer=series.issuer, kind="voting_power_transfer",
              effective_date=date(2007, 7, 20), voting_power_pct=pct)
    assert Conversion.objects.filter(note=note).exists() is converts


def test_related_transfers_count_together(committed, series, note):
    first = committed(services.event_record, issuer=series.issuer, kind="voting_power_transfer",
                      effective_date=date(2007, 3, 1), voting_power_pct=D("30"))
    assert not Conversion.objects.exists()
    second = committed(services.event_record, issuer=series.issuer,
                       kind="voting_power_transfer", effective_date=date(2007, 5, 1),
                       voting_power_pct=D("25"), related_events=[first])
    conversion = Conversion.objects.get(note=note)
    assert (conversion.event, conversion.conversion_date) == (second, date(2007, 5, 1))


def test_merger_with_no_price_waits_then_a_determination_completes_it(committed, series, note):
    committed(services.event_record, issuer=series.issuer, kind="merger",
              effective_date=date(2007, 7, 20))
    conversion = Conversion.objects.get(note=note)
    assert conversion.status == ConversionStatus.AWAITING_PRICE
    assert conversion.shares is None and conversion.conversion_price is None
    assert "awaiting a price determination" in conversion.price_source
    note.refresh_from_db()
    assert note.status == NoteStatus.CONVERTED
    with pytest.raises(ValidationError):
        services.conversion_price_determine(conversion=conversion, price=D("0"), source="Board")
    done = services.conversion_price_determine(
        conversion=conversion, price=D("2.50"), source="Board resolution of 2007-08-01"
    )
    assert done.status == ConversionStatus.DONE
    assert done.shares == int(done.note_amount / D("2.50"))
    with pytest.raises(NoteStateConflict):
        services.conversion_price_determine(conversion=done, price=D("3"), source="again")


def test_a_done_conversion_cannot_change_in_the_database(committed, series, note):
    pipe(committed, series, D("5000000.00"))
    with pytest.raises(Exception) as exc, transaction.atomic():
        Conversion.objects.filter(note=note).update(shares=1)
    assert "final_once_done" in str(exc.value)
    with pytest.raises(Exception), transaction.atomic():
        Conversion.objects.filter(note=note).delete()


def test_units_offering_waits_for_its_allocation(committed, series, note):
    offering = committed(
        services.offering_record, issuer=series.issuer, kind="pipe",
        closing_date=date(2007, 7, 20), gross_proceeds=D("5000000.00"),
        sales=[{"units": 1_000_000, "unit_price": D("5.00")}],
        units={"shares_per_unit": 1, "warrants_per_unit": 1},
    )
    assert offering.conversion_price is None
    assert "allocation" in offering.price_unavailable_reason
    conversion = Conversion.objects.get(note=note)
    assert conversion.status == ConversionStatus.AWAITING_PRICE
    services.offering_allocation_record(offering=offering, share_allocation=D("0.8"),
                                        source="board_determination", reference="Board 2007-08")
    offering.refresh_from_db()
    # $4.00 of each $5.00 unit buys its one share: 1,000,000 ÷ 250,000 = 4.000000.
    assert offering.conversion_price == D("4.000000")
    conversion.refresh_from_db()
    assert (conversion.status, conversion.conversion_price) == ("done", D("4.000000"))


def test_voluntary_election_inside_the_window(committed, series, note):
    offering = pipe(committed, series, D("3000000.00"), closing=date(2007, 1, 10),
                    sales=[{"shares": 1_000_000, "price_per_share": D("3.00")}])
    conversion = services.election_record(
        note=note, offering=offering, received_on=date(2007, 7, 10),
        certificate_names="Margaret A. Keller", address="1 Main St, Santa Rosa, CA",
        tax_id="512-44-6781",
    )
    assert conversion.trigger == "voluntary"
    assert conversion.conversion_date == date(2007, 7, 10)  # the last day of the window
    assert conversion.conversion_price == D("3.000000")
    assert conversion.election.tax_id_masked == "***-**-6781"


@pytest.mark.parametrize("received", [date(2007, 1, 9), date(2007, 7, 11)])
def test_voluntary_election_outside_the_window_is_refused(committed, series, note, received):
    offering = pipe(committed, series, D("3000000.00"), closing=date(2007, 1, 10),
                    sales=[{"shares": 1_000_000, "price_per_share": D("3.00")}])
    with pytest.raises(ValidationError) as exc:
        services.election_record(note=note, offering=offering, received_on=received,
                                 certificate_names="M", address="A", tax_id="1")
    assert "2007-01-10 through 2007-07-10" in str(exc.value)
    assert not Conversion.objects.exists()


def test_election_for_a_converted_note_is_refused(committed, series, note):
    offering = pipe(committed, series, D("3000000.00"), closing=date(2007, 1, 10))
    assert offering.conversion_price == D("2.000000")
    services.election_record(note=note, offering=offering, received_on=date(2007, 2, 1),
                             certificate_names="M", address="A", tax_id="1")
    with pytest.raises(NoteStateConflict):
        services.election_record(note=note, offering=offering, received_on=date(2007, 2, 2),
                                 certificate_names="M", address="A", tax_id="1")


def test_election_on_a_non_qualifying_offering_is_refused(committed, series, note):
    offering = pipe(committed, series, D("2000000.00"), closing=date(2007, 1, 10))
    with pytest.raises(ValidationError) as exc:
        services.election_record(note=note, offering=offering, received_on=date(2007, 2, 1),
                                 certificate_names="M", address="A", tax_id="1")
    assert "$3 Million Qualified Offering" in str(exc.value)


def test_bad_offerings_are_refused_and_leave_nothing(committed, series, note):
    from offerings.models import Offering

    cases = [
        dict(sales=PIPE_SALES, gross_proceeds=D("5000000.00")),  # do not add up
        dict(sales=[{"shares": 0, "price_per_share": D("2")}], gross_proceeds=D("1")),
        dict(sales=[{"shares": 10, "price_per_share": D("-2")}], gross_proceeds=D("-20")),
        dict(sales=[{"units": 10, "unit_price": D("2")}], gross_proceeds=D("20")),  # no unit terms
        dict(sales=PIPE_SALES, gross_proceeds=D("5110000.00"), closing_date=date(2006, 7, 1)),
    ]
    for case in cases:
        kwargs = {"issuer": series.issuer, "kind": "pipe", "closing_date": date(2007, 7, 20)}
        kwargs.update(case)
        with pytest.raises(ValidationError):
            services.offering_record(**kwargs)
    assert Offering.objects.count() == 0 and ConversionTrigger.objects.count() == 0


def test_event_before_the_notes_existed_is_refused(series, note):
    with pytest.raises(ValidationError) as exc:
        services.event_record(issuer=series.issuer, kind="merger", effective_date=date(2006, 1, 1))
    assert "2006-07-20" in str(exc.value)


def test_one_conversion_per_note_in_the_database(committed, series, note):
    pipe(committed, series, D("5000000.00"))
    conversion = Conversion.objects.get(note=note)
    with pytest.raises(IntegrityError), transaction.atomic():
        Conversion.objects.create(
            note=note, trigger="voluntary", conversion_date=date(2007, 8, 1),
            principal_converted=1, interest_converted=0, note_amount=1,
            status="awaiting_price",
        )
    assert conversion.pk


def test_an_election_dated_before_a_recorded_payment_waits_for_its_reversal(committed, series,
                                                                            note):
    from notes.services.payments import payment_record, payment_reverse

    offering = pipe(committed, series, D("3000000.00"), closing=date(2007, 7, 20))
    paid = payment_record(note=note, paid_on=date(2007, 8, 15), amount=D("25821.92"),
                          applies_to="interest")
    with pytest.raises(NoteStateConflict) as exc:
        services.election_record(note=note, offering=offering, received_on=date(2007, 8, 10),
                                 certificate_names="M", address="A", tax_id="1")
    assert "reverse the later payment" in str(exc.value)
    payment_reverse(payment=paid, reason="Paid after the holder had elected to convert")
    conversion = services.election_record(
        note=note, offering=offering, received_on=date(2007, 8, 10),
        certificate_names="M", address="A", tax_id="1",
    )
    # July 20, 2006 – August 10, 2007, nothing paid: the full accrual is converted once.
    assert conversion.interest_converted == D("26506.85")
    assert note_position_get(note=note, as_of=date(2007, 9, 1)).accrued_unpaid_interest == 0


def test_no_election_on_a_five_million_offering(series, note):
    offering = services.offering_record(
        issuer=series.issuer, kind="pipe", closing_date=date(2007, 7, 20),
        gross_proceeds=D("5110000.00"), sales=PIPE_SALES,
    )  # its automatic trigger has not run yet (not committed)
    with pytest.raises(ValidationError) as exc:
        services.election_record(note=note, offering=offering, received_on=date(2007, 7, 25),
                                 certificate_names="M", address="A", tax_id="1")
    assert "automatically" in str(exc.value)


def test_automatic_conversion_waits_for_notes_with_later_payments(committed, series, note):
    from notes.services.payments import payment_record, payment_reverse

    other = NoteFactory(series=series, issue_date=date(2006, 7, 20))
    late = payment_record(note=note, paid_on=date(2007, 8, 15), amount=D("1000.00"),
                          applies_to="interest")
    pipe(committed, series, D("5000000.00"), closing=date(2007, 7, 20))
    trigger = ConversionTrigger.objects.get()
    assert trigger.status == TriggerStatus.PENDING
    assert "1 note waiting" in trigger.last_error
    assert Conversion.objects.filter(note=other).exists()
    assert not Conversion.objects.filter(note=note).exists()
    payment_reverse(payment=late, reason="Paid after the automatic conversion")
    services.conversion_trigger_process(trigger_id=trigger.pk)
    trigger.refresh_from_db()
    assert trigger.status == TriggerStatus.DONE
    assert Conversion.objects.get(note=note).conversion_date == date(2007, 7, 20)
    assert Conversion.objects.count() == 2


def test_a_statement_for_the_month_the_note_converted_in_is_voided_by_an_adjustment(
    committed, series, note
):
    from notes.selectors import statement_list_with_status

    statements_generate(id_from=note.pk, id_to=note.pk, as_of=date(2007, 8, 1), run_id=None)
    offering = pipe(committed, series, D("3000000.00"), closing=date(2007, 7, 10))
    services.election_record(note=note, offering=offering, received_on=date(2007, 7, 28),
                             certificate_names="M", address="A", tax_id="1")
    note.refresh_from_db()
    rows = statement_list_with_status(note=note, as_of=date(2007, 9, 1))
    july_original, july_void = rows[-2], rows[-1]
    assert july_original.period_start == july_void.period_start == date(2007, 7, 1)
    assert july_original.status == "superseded"
    # The void points at the statement it corrects, says why, and cancels it exactly.
    assert july_void.corrects_id == july_original.pk and july_void.status == "credit"
    assert july_void.amount.amount == -july_original.amount.amount == D("-2123.29")
    assert "converted into Common Stock on 2007-07-28" in july_void.reason
    assert {r.status for r in rows[:-2]} == {"paid"}  # settled by the conversion
    from notes.services.servicing import past_due_count

    assert past_due_count(id_from=note.pk, id_to=note.pk, as_of=date(2007, 9, 1)) == 0


def test_a_failing_trigger_does_not_stop_the_daily_cycle(series, note):
    from unittest import mock

    from notes.models import ServicingRun
    from notes.tasks import servicing_daily_task
    from offerings.services import outbox

    pipe_offering = services.offering_record(
        issuer=series.issuer, kind="pipe", closing_date=date(2007, 7, 20),
        gross_proceeds=D("5110000.00"), sales=PIPE_SALES,
    )
    # The trigger's processing (the outbox) is where notes_convert is looked up.
    with mock.patch.object(outbox, "notes_convert", side_effect=RuntimeError("boom")):
        servicing_daily_task()
    trigger = ConversionTrigger.objects.get(offering=pipe_offering)
    assert trigger.status == TriggerStatus.PENDING and "boom" in trigger.last_error
    assert ServicingRun.objects.filter(trigger="schedule").exists()


def test_nothing_is_recorded_ahead_of_its_date(committed, series, note):
    from datetime import timedelta

    from django.utils import timezone

    from notes.services.payments import PaymentRefused, payment_record

    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        services.offering_record(issuer=series.issuer, kind="pipe", closing_date=tomorrow,
                                 gross_proceeds=D("5110000.00"), sales=PIPE_SALES)
    assert "after today" in str(exc.value)
    with pytest.raises(ValidationError):
        services.event_record(issuer=series.issuer, kind="merger", effective_date=tomorrow)
    with pytest.raises(PaymentRefused):
        payment_record(note=note, paid_on=tomorrow, amount=D("1.00"), applies_to="interest")
    today = timezone.localdate()
    offering = pipe(committed, series, D("3000000.00"), closing=today)
    with pytest.raises(ValidationError) as exc:
        services.election_record(note=note, offering=offering, received_on=tomorrow,
                                 certificate_names="M", address="A", tax_id="1")
    assert "Notice of Election" in str(exc.value)
    assert not Conversion.objects.exists()
