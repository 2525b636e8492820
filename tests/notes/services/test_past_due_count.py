"""The servicing run's past-due count, in whole cents, is the netting rule's count.

`past_due_count` groups a chunk's statements and allocations together by
(note, period) in integer cents (one grouping of both tables' rows, no join).
Held here, over random originals, adjustments (charges and credits), due dates
on both sides of the day asked and allocations (payments and reversals), equal
to the rule written out with numeric sums over both tables at once (as the
count was first written): per period with a statement, what is due minus what
a credit takes back beyond the not-yet-due charges,
minus what was allocated, is above zero.
"""

from datetime import date, timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notes.models import InterestStatement, Payment, PaymentAllocation
from notes.services.servicing import past_due_count
from tests.factories import NoteFactory

pytestmark = pytest.mark.django_db

D = Decimal
AS_OF = date(2025, 7, 1)
KEYS = count(1)

# The rule, with numeric sums over the union of both tables.
REFERENCE = """
    SELECT count(*) FROM (
        SELECT bool_or(is_statement) AS stated,
               sum(CASE WHEN is_statement AND amount > 0 AND due_date < %(as_of)s
                   THEN amount ELSE 0 END) AS due,
               sum(CASE WHEN is_statement AND amount > 0 AND due_date >= %(as_of)s
                   THEN amount ELSE 0 END) AS not_due,
               -sum(CASE WHEN is_statement AND amount < 0 THEN amount ELSE 0 END) AS credit,
               sum(CASE WHEN is_statement THEN 0 ELSE amount END) AS paid
        FROM (
            SELECT note_id, period_start, amount, due_date, true AS is_statement
            FROM notes_intereststatement
            WHERE note_id BETWEEN %(id_from)s AND %(id_to)s AND period_end + 1 < %(as_of)s
            UNION ALL
            SELECT note_id, period_start, amount, NULL, false
            FROM notes_paymentallocation
            WHERE note_id BETWEEN %(id_from)s AND %(id_to)s AND paid_on <= %(as_of)s
        ) amounts
        GROUP BY note_id, period_start
    ) periods
    WHERE stated AND due - GREATEST(credit - not_due, 0) - paid > 0
"""

cents = st.integers(1, 10**14).map(lambda c: D(c).scaleb(-2))
small = st.sampled_from([D("0.01"), D("1.00"), D("100.00"), D("410.96")])
amounts = st.one_of(cents, small)
signed = st.tuples(st.booleans(), amounts).map(lambda t: t[1] if t[0] else -t[1])
days = st.integers(-70, 40).map(lambda n: AS_OF + timedelta(days=n))

period = st.fixed_dictionaries({
    "month": st.integers(0, 3),  # 0: June (ends the day before AS_OF), then back
    "original": st.one_of(st.just(D("0.00")), amounts),
    "due": days,
    "adjustments": st.lists(st.tuples(signed, days), max_size=3),
    "allocations": st.lists(st.tuples(signed, days), max_size=3),
    "allocations_only": st.booleans(),
})


def _month(back):
    start = date(2025, 6 - back, 1)
    end = date(2025, 7 - back, 1) - timedelta(days=1)
    return start, end


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(notes=st.lists(st.lists(period, max_size=4), min_size=1, max_size=3))
def test_the_count_in_cents_is_the_rule(notes):
    created = [NoteFactory(issue_date=date(2024, 1, 1)) for _ in notes]
    for note, periods in zip(created, notes, strict=True):
        used = set()
        for spec in periods:
            if spec["month"] in used:
                continue
            used.add(spec["month"])
            start, end = _month(spec["month"])
            due = max(spec["due"], end + timedelta(days=1))
            if not spec["allocations_only"]:
                original = InterestStatement.objects.create(
                    note=note, period_start=start, period_end=end, due_date=due,
                    days=(end - start).days + 1, amount=spec["original"], rate=D("0.1"),
                    day_count="ACT/365F", calculation="test",
                )
                for amount, adjustment_due in spec["adjustments"]:
                    InterestStatement.objects.create(
                        note=note, period_start=start, period_end=end,
                        due_date=max(adjustment_due, end + timedelta(days=1)),
                        days=(end - start).days + 1, amount=amount, rate=D("0.1"),
                        day_count="ACT/365F", calculation="test", corrects=original,
                        reason="test",
                    )
            for amount, paid_on in spec["allocations"]:
                payment = Payment.objects.create(
                    note=note, paid_on=paid_on, amount=abs(amount), applies_to="interest",
                    method="wire", idempotency_key=f"past-due-{next(KEYS)}",
                )
                PaymentAllocation.objects.create(
                    payment=payment, note=note, period_start=start, paid_on=paid_on,
                    amount=amount,
                )
    ids = {"id_from": created[0].pk, "id_to": created[-1].pk}
    for as_of in (AS_OF, AS_OF - timedelta(days=20), AS_OF + timedelta(days=20)):
        with connection.cursor() as cursor:
            cursor.execute(REFERENCE, {**ids, "as_of": as_of})
            expected = cursor.fetchone()[0]
        assert past_due_count(**ids, as_of=as_of) == expected
