"""Generated note histories for the property tests that compare a fast path with the
domain core: interest and principal payments, reversals and servicing runs, in date order.
"""

from __future__ import annotations

import contextlib
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from notes.models import Note, Payment
from notes.selectors import note_facts_get
from notes.services.payments import PaymentRefused, payment_record, payment_reverse
from notes.services.servicing import statements_generate


def events(max_percent: int, max_size: int):
    """(kind, days after issue, percent of what may be paid) lists."""
    return st.lists(
        st.tuples(
            st.sampled_from(["interest", "principal", "state", "reverse"]),
            st.integers(min_value=0, max_value=500),
            st.integers(min_value=1, max_value=max_percent),
        ),
        min_size=1,
        max_size=max_size,
    )


def state(note: Note, as_of: date) -> None:
    """The note's statements up to `as_of`, as a servicing run writes them."""
    statements_generate(id_from=note.pk, id_to=note.pk, as_of=as_of, run_id=None)


def pay(note: Note, paid_on: date, amount, applies_to: str = "interest") -> Payment:
    extra = {"holder_consent_reference": "Holder's letter"} if applies_to == "principal" else {}
    return payment_record(
        note=note, paid_on=paid_on, amount=Decimal(amount), applies_to=applies_to,
        confirm_duplicate=True, **extra,
    )


def history_apply(note: Note, history, today: date, also_state=()) -> date:
    """Record `history` on `note` in date order (never after `today`); each "state" also
    states the notes in `also_state`. Refused payments and reversals are skipped.
    Returns the day of the last event."""
    payments, last = [], note.issue_date
    for kind, offset, percent in sorted(history, key=lambda e: e[1]):
        day = min(note.issue_date + timedelta(days=offset), today)
        last = max(last, day)
        note.refresh_from_db()
        if kind == "state":
            for stated in (note, *also_state):
                state(stated, day)
            continue
        if kind == "reverse":
            if payments:
                with contextlib.suppress(PaymentRefused):
                    payment_reverse(payment=payments.pop(), reason="Returned by the bank")
            continue
        position = note_facts_get(note=note).position(day)
        base = (position.accrued_unpaid_interest if kind == "interest"
                else position.outstanding_principal)
        amount = (base * percent / 100).quantize(Decimal("0.01"))
        if amount <= 0 or note.status != "outstanding":
            continue
        with contextlib.suppress(PaymentRefused):
            payments.append(pay(note, day, amount, kind))
    return last
