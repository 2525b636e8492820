"""Events of Default and acceleration (§3): the default state as of a day, without a database."""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from notes.domain.calendar import DeliveryMethod, deemed_delivery
from notes.domain.defaults import (
    DefaultEventFact,
    PastDue,
    cure_deadline_for,
    default_state,
    involuntary_default_from,
    last_day_to_resolve,
    paid_in_full_on,
)

D = Decimal
NOTICE = "payment_default_notice"
OWED = PastDue(interest=D("4109.59"))


def notice(day, *, id=1, deemed=None):
    return DefaultEventFact(id=id, kind=NOTICE, date=day, deemed_delivered_on=deemed or day)


def state(events, as_of, *, owed=None, interest=(), principal=(), note_amount=None):
    return default_state(
        events=events,
        as_of=as_of,
        past_due_at_notice=owed if owed is not None else {e.id: OWED for e in events
                                                            if e.kind == NOTICE},
        interest_payments=interest,
        principal_payments=principal,
        note_amount=note_amount,
    )


# --- The acceptance cases ----------------------------------------------------------------


def test_notice_delivered_20_september_unpaid_is_an_event_of_default_from_1_october():
    events = [notice(date(2006, 9, 20))]
    during = state(events, date(2006, 9, 30))
    assert during.cure_deadline == date(2006, 9, 30)
    assert during.event_of_default_since is None
    after = state(events, date(2006, 10, 1))
    assert after.event_of_default_since == date(2006, 10, 1)
    assert after.cure_deadline is None
    assert after.explanation[0].clause == "§3(i)"
    assert "Not cured: an Event of Default from 2006-10-01" in after.explanation[0].text


def test_notice_delivered_20_september_paid_29_september_is_cured():
    events = [notice(date(2006, 9, 20))]
    later = state(events, date(2007, 1, 1), interest=[(date(2006, 9, 29), OWED.interest)])
    assert later.event_of_default_since is None
    assert later.cured_on == date(2006, 9, 29)
    assert later.cure_deadline is None
    assert "Cured on 2006-09-29" in later.explanation[0].text


def test_paid_on_the_cure_deadline_itself_cures():
    events = [notice(date(2006, 9, 20))]
    s = state(events, date(2006, 12, 1), interest=[(date(2006, 9, 30), OWED.interest)])
    assert (s.cured_on, s.event_of_default_since) == (date(2006, 9, 30), None)


def test_involuntary_proceeding_commenced_1_march_not_dismissed_is_a_default_from_day_61():
    events = [DefaultEventFact(id=1, kind="involuntary_proceeding", date=date(2006, 3, 1))]
    # Days counted after the commencement, like every clock of the contract.
    day_60 = date(2006, 4, 30)
    day_61 = date(2006, 5, 1)
    assert (day_61 - date(2006, 3, 1)).days == 61
    assert state(events, day_60).event_of_default_since is None
    s = state(events, day_61)
    assert s.event_of_default_since == day_61
    assert s.explanation[0].clause == "§3(iii)"
    assert "day 61" in s.explanation[0].text


def test_mailed_notice_on_veterans_day_observed_is_deemed_delivered_wednesday():
    # 11 November 2006 was a Saturday: observed on Friday the 10th, the deposit day.
    deposit = date(2006, 11, 10)
    assert deemed_delivery(method=DeliveryMethod.MAIL, sent_on=deposit) == date(2006, 11, 15)
    events = [notice(deposit, deemed=date(2006, 11, 15))]
    assert state(events, date(2006, 11, 20)).cure_deadline == date(2006, 11, 25)
    assert state(events, date(2006, 11, 26)).event_of_default_since == date(2006, 11, 26)


# --- Payment default (§3(i)) ---------------------------------------------------------------


def test_a_mailed_notice_not_yet_deemed_delivered_shows_its_deadline_to_come():
    events = [notice(date(2006, 11, 10), deemed=date(2006, 11, 15))]
    s = state(events, date(2006, 11, 13))
    assert s.cure_deadline == date(2006, 11, 25)
    assert s.event_of_default_since is None
    assert "will run through 2006-11-25" in s.explanation[0].text


def test_partial_payment_does_not_cure():
    events = [notice(date(2006, 9, 20))]
    s = state(events, date(2006, 10, 1), interest=[(date(2006, 9, 25), D("4000.00"))])
    assert s.event_of_default_since == date(2006, 10, 1)


def test_a_reversed_payment_does_not_cure():
    events = [notice(date(2006, 9, 20))]
    paid = [(date(2006, 9, 25), OWED.interest), (date(2006, 9, 25), -OWED.interest)]
    assert state(events, date(2006, 10, 1), interest=paid).event_of_default_since == date(
        2006, 10, 1
    )


def test_a_late_payment_ends_the_event_of_default_but_is_not_a_cure():
    events = [notice(date(2006, 9, 20))]
    paid = [(date(2006, 10, 5), OWED.interest)]
    assert state(events, date(2006, 10, 4), interest=paid).event_of_default_since == date(
        2006, 10, 1
    )
    s = state(events, date(2006, 10, 5), interest=paid)
    assert s.event_of_default_since is None
    assert s.cured_on is None
    line = s.explanation[0]
    assert (line.event_of_default_from, line.event_of_default_until) == (
        date(2006, 10, 1), date(2006, 10, 5)
    )


def test_principal_past_maturity_must_be_paid_too():
    owed = {1: PastDue(interest=D("100.00"), principal=D("1000.00"))}
    events = [notice(date(2008, 8, 1))]
    only_interest = state(events, date(2008, 8, 20), owed=owed,
                          interest=[(date(2008, 8, 5), D("100.00"))])
    assert only_interest.event_of_default_since == date(2008, 8, 12)
    both = state(events, date(2008, 8, 20), owed=owed,
                 interest=[(date(2008, 8, 5), D("100.00"))],
                 principal=[(date(2008, 8, 6), D("1000.00"))])
    assert (both.event_of_default_since, both.cured_on) == (None, date(2008, 8, 6))


def test_nothing_past_due_at_the_notice_means_nothing_to_cure():
    events = [notice(date(2006, 9, 20))]
    s = state(events, date(2006, 12, 1), owed={})
    assert s.event_of_default_since is None
    assert "Nothing was past due" in s.explanation[0].text


def test_the_latest_open_cure_deadline_is_shown():
    events = [notice(date(2006, 9, 20), id=1), notice(date(2006, 9, 25), id=2)]
    assert state(events, date(2006, 9, 26)).cure_deadline == date(2006, 10, 5)


def test_events_after_the_day_asked_are_not_known_yet():
    events = [notice(date(2006, 9, 20))]
    s = state(events, date(2006, 9, 19))
    assert (s.cure_deadline, s.event_of_default_since, s.explanation) == (None, None, ())


# --- Bankruptcy and proceedings (§3(ii), §3(iii)) --------------------------------------------


def test_voluntary_bankruptcy_is_a_default_from_its_date():
    events = [DefaultEventFact(id=1, kind="voluntary_bankruptcy", date=date(2007, 2, 1))]
    assert state(events, date(2007, 1, 31)).event_of_default_since is None
    s = state(events, date(2007, 2, 1))
    assert s.event_of_default_since == date(2007, 2, 1)
    assert s.explanation[0].clause == "§3(ii)"


def test_a_receiver_vacated_on_day_60_is_no_default():
    appointed = date(2007, 3, 1)
    events = [
        DefaultEventFact(id=1, kind="receiver_appointment", date=appointed),
        DefaultEventFact(id=2, kind="resolved", date=last_day_to_resolve(appointed, 60),
                         resolves_id=1),
    ]
    s = state(events, date(2008, 1, 1))
    assert s.event_of_default_since is None
    assert "within 60 days" in s.explanation[0].text


def test_a_proceeding_dismissed_on_day_61_was_a_default_until_then():
    commenced = date(2007, 3, 1)
    dismissed = involuntary_default_from(commenced, 60) + timedelta(days=3)
    events = [
        DefaultEventFact(id=1, kind="involuntary_proceeding", date=commenced),
        DefaultEventFact(id=2, kind="resolved", date=dismissed, resolves_id=1),
    ]
    assert state(events, dismissed - timedelta(days=1)).event_of_default_since == date(2007, 5, 1)
    assert state(events, dismissed).event_of_default_since is None


# --- Acceleration (§3) ---------------------------------------------------------------------


def test_acceleration_makes_the_note_amount_due_at_once_from_deemed_delivery():
    events = [
        DefaultEventFact(id=1, kind="voluntary_bankruptcy", date=date(2007, 2, 1)),
        DefaultEventFact(id=2, kind="acceleration", date=date(2007, 2, 9),
                         deemed_delivered_on=date(2007, 2, 14)),
    ]
    pending = state(events, date(2007, 2, 13), note_amount=D("260000.00"))
    assert (pending.accelerated_on, pending.amount_due_at_once) == (None, None)
    s = state(events, date(2007, 2, 14), note_amount=D("260000.00"))
    assert s.accelerated_on == date(2007, 2, 14)
    assert s.amount_due_at_once == D("260000.00")
    assert s.explanation[1].clause == "§3"


# --- Properties ----------------------------------------------------------------------------

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))
amounts = st.decimals(min_value=D("0.01"), max_value=D("100000.00"), places=2)


@settings(max_examples=200, deadline=None)
@given(deemed=days, cure_days=st.integers(1, 30), owed=amounts,
       paid_after=st.integers(1, 60), as_of_after=st.integers(0, 90))
def test_a_notice_is_cured_exactly_when_paid_in_full_by_the_deadline(
    deemed, cure_days, owed, paid_after, as_of_after
):
    events = [notice(deemed - timedelta(days=3), deemed=deemed)]
    paid_on = deemed + timedelta(days=paid_after)
    as_of = deemed + timedelta(days=as_of_after)
    deadline = cure_deadline_for(deemed, cure_days)
    s = default_state(
        events=events, as_of=as_of, cure_days=cure_days,
        past_due_at_notice={1: PastDue(interest=owed)},
        interest_payments=[(paid_on, owed)],
    )
    if as_of <= deadline:
        # Never a default inside the cure period.
        assert s.event_of_default_since is None
    elif paid_on <= deadline:
        assert (s.event_of_default_since, s.cured_on) == (None, paid_on)
    elif paid_on <= as_of:
        assert s.event_of_default_since is None and s.cured_on is None
    else:
        assert s.event_of_default_since == deadline + timedelta(days=1)


@settings(max_examples=200, deadline=None)
@given(commenced=days, dismissal_days=st.integers(1, 120),
       resolved_after=st.one_of(st.none(), st.integers(0, 200)), as_of_after=st.integers(0, 300))
def test_a_proceeding_is_a_default_from_day_n_plus_1_unless_resolved_by_day_n(
    commenced, dismissal_days, resolved_after, as_of_after
):
    events = [DefaultEventFact(id=1, kind="involuntary_proceeding", date=commenced)]
    resolved_on = None
    if resolved_after is not None:
        resolved_on = commenced + timedelta(days=resolved_after)
        events.append(DefaultEventFact(id=2, kind="resolved", date=resolved_on, resolves_id=1))
    as_of = commenced + timedelta(days=as_of_after)
    s = default_state(events=events, as_of=as_of, dismissal_days=dismissal_days)
    # Days counted after the commencement: resolved by C + N is in time; a default from C + N + 1.
    in_time = resolved_on is not None and resolved_after <= dismissal_days
    expected = (
        as_of_after > dismissal_days
        and not in_time
        and (resolved_on is None or as_of < resolved_on)
    )
    assert (s.event_of_default_since is not None) is expected
    if expected:
        assert (s.event_of_default_since - commenced).days == dismissal_days + 1


@settings(max_examples=100, deadline=None)
@given(start=days, offsets=st.lists(st.integers(0, 400), min_size=1, max_size=6),
       as_of_after=st.integers(0, 500))
def test_the_state_ignores_events_dated_after_the_day_asked(start, offsets, as_of_after):
    kinds = ["payment_default_notice", "voluntary_bankruptcy", "involuntary_proceeding"]
    events = [
        DefaultEventFact(id=i + 1, kind=kinds[i % 3], date=start + timedelta(days=off),
                         deemed_delivered_on=start + timedelta(days=off))
        for i, off in enumerate(offsets)
    ]
    as_of = start + timedelta(days=as_of_after)
    owed = {e.id: OWED for e in events}
    everything = default_state(events=events, as_of=as_of, past_due_at_notice=owed)
    known = [e for e in events if e.date <= as_of]
    assert default_state(events=known, as_of=as_of, past_due_at_notice=owed) == everything


@settings(max_examples=200, deadline=None)
@given(owed=amounts, payments=st.lists(st.tuples(st.integers(1, 30), amounts), max_size=5))
def test_paid_in_full_on_is_the_first_day_the_payments_reach_the_amount(owed, payments):
    after = date(2006, 9, 20)
    dated = [(after + timedelta(days=d), a) for d, a in payments]
    day = paid_in_full_on(owed=PastDue(interest=owed), after=after, interest_payments=dated)
    if day is None:
        assert sum((a for _, a in dated), D(0)) < owed
    else:
        assert sum((a for d, a in dated if d <= day), D(0)) >= owed
        assert sum((a for d, a in dated if d < day), D(0)) < owed
