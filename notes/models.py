"""The note register: issuers, note series and notes.

A **note series** holds the terms of every note issued under one Subscription
Agreement (§9 counts consents across the series). Each term the contract fixes
(10% interest, 24-month term, payment by the 15th, the $3M/$5M thresholds, the
$1M price tranche, the 6-month window, 10-day notice and cure periods, 60-day
dismissal period, 3-business-day mail delivery) is stored here with the
contract's value as its default; nothing downstream hard-codes them.

A **note** is one instrument. Its principal is money (django-money) in the
series' currency. Its maturity date is derived from the issue date and the
series term when the note is recorded (§1: the two-year anniversary) and
stored so the register can be queried by it; the database guarantees it falls
after the issue date.
"""

from __future__ import annotations

from decimal import Decimal

import pgtrigger
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from djmoney.models.fields import MoneyField

from core.audit import STATEMENT, audited
from core.models import ChunkedRun, RunStatus  # noqa: F401 - RunStatus re-exported
from notes.domain.daycount import DayCount
from notes.domain.defaults import CLAUSES as DEFAULT_EVENT_CLAUSES
from notes.domain.interest import effective_rate


@audited()
class Issuer(models.Model):
    name = models.CharField(max_length=200, unique=True)
    state_of_incorporation = models.CharField(max_length=100, blank=True)
    principal_office_address = models.TextField(
        help_text="Principal executive office; notices to the Company go here (§12)."
    )
    copy_to_address = models.TextField(
        blank=True, help_text="Notices to the Company are copied here (§12)."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


DAY_COUNT_CHOICES = [(c.value, c.value) for c in DayCount]

RATE_FIELD = {"max_digits": 9, "decimal_places": 6}
AMOUNT_FIELD = {"max_digits": 16, "decimal_places": 2}


@audited()
class NoteSeries(models.Model):
    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="series")
    name = models.CharField(max_length=200)
    currency = models.CharField(max_length=3, default="USD", help_text="ISO 4217")
    agreement_date = models.DateField(help_text="Date of the Subscription Agreement.")
    # §2 interest
    stated_rate = models.DecimalField(default=Decimal("0.10"), **RATE_FIELD)
    max_lawful_rate = models.DecimalField(
        null=True, blank=True, help_text="Maximum rate permitted by law, if recorded (§2).",
        **RATE_FIELD,
    )
    day_count = models.CharField(max_length=8, choices=DAY_COUNT_CHOICES, default="ACT/365F")
    term_months = models.PositiveSmallIntegerField(default=24, help_text="§1: two years.")
    interest_due_day = models.PositiveSmallIntegerField(
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text="Interest is paid by this day of the month following each month end (§2).",
    )
    # §5 conversion
    voluntary_threshold = models.DecimalField(default=Decimal("3000000.00"), **AMOUNT_FIELD)
    automatic_threshold = models.DecimalField(default=Decimal("5000000.00"), **AMOUNT_FIELD)
    voting_power_threshold_pct = models.DecimalField(
        default=Decimal("50"), max_digits=5, decimal_places=2
    )
    price_tranche = models.DecimalField(default=Decimal("1000000.00"), **AMOUNT_FIELD)
    voluntary_window_months = models.PositiveSmallIntegerField(default=6)
    # §3, §6, §7, §12 periods
    notice_days = models.PositiveSmallIntegerField(default=10, help_text="§6.1 notice period.")
    cure_days = models.PositiveSmallIntegerField(default=10, help_text="§3(i) cure period.")
    dismissal_days = models.PositiveSmallIntegerField(default=60, help_text="§3(iii).")
    cash_in_lieu_days = models.PositiveSmallIntegerField(default=10, help_text="§7.")
    mail_delivery_business_days = models.PositiveSmallIntegerField(default=3, help_text="§12.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["issuer__name", "agreement_date", "name"]
        verbose_name_plural = "note series"
        constraints = [
            models.UniqueConstraint(fields=["issuer", "name"], name="series_name_unique"),
            models.CheckConstraint(
                condition=models.Q(stated_rate__gt=0, stated_rate__lt=1),
                name="series_stated_rate_between_0_and_1",
            ),
            models.CheckConstraint(
                condition=models.Q(max_lawful_rate__isnull=True)
                | models.Q(max_lawful_rate__gt=0, max_lawful_rate__lt=1),
                name="series_max_lawful_rate_between_0_and_1",
            ),
            models.CheckConstraint(
                condition=models.Q(day_count__in=[c.value for c in DayCount]),
                name="series_day_count_valid",
            ),
            models.CheckConstraint(condition=models.Q(term_months__gt=0), name="series_term"),
            models.CheckConstraint(
                condition=models.Q(interest_due_day__gte=1, interest_due_day__lte=31),
                name="series_due_day_in_month",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    voluntary_threshold__gt=0,
                    automatic_threshold__gt=0,
                    price_tranche__gt=0,
                ),
                name="series_thresholds_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    voting_power_threshold_pct__gt=0, voting_power_threshold_pct__lt=100
                ),
                name="series_voting_threshold_pct",
            ),
            models.CheckConstraint(
                condition=models.Q(currency__regex=r"^[A-Z]{3}$"), name="series_currency_iso"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.issuer.name} — {self.name}"

    @property
    def effective_rate(self) -> Decimal:
        return effective_rate(self.stated_rate, self.max_lawful_rate)[0]

    @property
    def rate_basis(self) -> str:
        return effective_rate(self.stated_rate, self.max_lawful_rate)[1]


class NoteStatus(models.TextChoices):
    OUTSTANDING = "outstanding", "Outstanding"
    ACCELERATED = "accelerated", "Accelerated"
    CONVERTED = "converted", "Converted"
    REPAID = "repaid", "Repaid"


# Notes that still accrue, may be paid, and may convert (§5: "outstanding or accelerated").
ACTIVE_STATUSES = (NoteStatus.OUTSTANDING, NoteStatus.ACCELERATED)


# InterestStatement.note is checked by two triggers instead of a foreign-key
# constraint. The constraint checks every statement alone — an index probe and a
# FOR KEY SHARE lock on its note, so a WAL record and a dirtied note page per
# statement, about as much as writing the statement itself (BENCHMARKS.md) —
# where a month end inserts thousands of statements of a contiguous range of
# notes at once. The rule is the same: a statement never points at a missing
# note, also when a note's deletion and a statement's insertion meet.
#
# - After every INSERT into the statements (once per statement, with its new
#   rows): the notes of the new rows must exist. If every id between the lowest
#   and the highest note id of the rows is a note (one count over the primary
#   key, the usual case: a chunk's notes), they do; otherwise each distinct note
#   is looked up. A missing one is a foreign_key_violation.
# - Before a note is deleted (or its id changed): refused, foreign_key_violation,
#   if it has a statement.
# - The race: both take one transaction-scoped advisory lock — the insert check
#   shared (inserts do not wait for each other), the deletion exclusive — held
#   until commit. Whichever comes second waits for the first to commit or roll
#   back, and its check (a new snapshot per query in READ COMMITTED) sees what
#   the first committed: the deleted note, or the new statements. Under
#   REPEATABLE READ or SERIALIZABLE a snapshot may predate the other's commit,
#   so there the insert check also locks the notes FOR KEY SHARE, as the
#   foreign key did (a note deleted concurrently is a serialization failure),
#   and a note is not deleted at all (READ COMMITTED only).
STATEMENT_NOTE_EXISTS = """
    PERFORM pg_advisory_xact_lock_shared(hashtext('notedesk.statement_notes'));
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        PERFORM 1 FROM notes_note
        WHERE id IN (SELECT note_id FROM new_statements) FOR KEY SHARE;
    END IF;
    SELECT min(note_id), max(note_id) INTO lowest, highest FROM new_statements;
    IF lowest IS NULL OR (SELECT count(*) FROM notes_note
                          WHERE id BETWEEN lowest AND highest) = highest - lowest + 1 THEN
        RETURN NULL;
    END IF;
    SELECT s.note_id INTO missing
    FROM (SELECT DISTINCT note_id FROM new_statements) s
    WHERE (SELECT n.id FROM notes_note n WHERE n.id = s.note_id) IS NULL
    LIMIT 1;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'statement_note_exists: a statement of note %, which does not exist',
            missing USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
"""

STATEMENT_CORRECTS_EXISTS = """
    IF NOT EXISTS (SELECT 1 FROM notes_intereststatement WHERE id = NEW.corrects_id) THEN
        RAISE EXCEPTION 'statement_corrects_exists: statement % corrects %, which does not exist',
            NEW.id, NEW.corrects_id USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
"""

# A statement that adjustments correct is never deleted or renumbered away from them: what
# the corrects foreign key refused at the end of each DELETE or UPDATE. Statements are
# append-only, so this acts only when a data migration lifts that guard.
CORRECTED_STATEMENT_KEPT = """
    IF EXISTS (
        SELECT 1 FROM notes_intereststatement adjustment
        WHERE adjustment.corrects_id IN (SELECT id FROM old_statements)
          AND NOT EXISTS (
              SELECT 1 FROM notes_intereststatement s WHERE s.id = adjustment.corrects_id
          )
    ) THEN
        RAISE EXCEPTION 'corrected_statement_kept: a statement that adjustments correct'
            ' would be gone' USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
"""

STATED_NOTE_KEPT = """
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN
        RETURN NEW;
    END IF;
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'stated_note_kept: note % may be deleted only in READ COMMITTED', OLD.id
            USING ERRCODE = 'invalid_transaction_state';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('notedesk.statement_notes'));
    IF EXISTS (SELECT 1 FROM notes_intereststatement WHERE note_id = OLD.id) THEN
        RAISE EXCEPTION 'stated_note_kept: note % has statements', OLD.id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF TG_OP = 'UPDATE' THEN
        RETURN NEW;
    END IF;
    RETURN OLD;
"""


# A conversion ends a whole series' notes in one UPDATE: their audit events are
# written once per statement (core.audit), the same events the per-row trigger wrote.
@audited(updates=STATEMENT)
class Note(models.Model):
    series = models.ForeignKey(NoteSeries, on_delete=models.PROTECT, related_name="notes")
    number = models.CharField(max_length=40)
    holder = models.ForeignKey(
        "holders.Holder",
        on_delete=models.PROTECT,
        related_name="notes",
        help_text="The registered holder (§1(ii)).",
    )
    principal = MoneyField(
        max_digits=16, decimal_places=2, default_currency="USD",
        help_text="Original principal amount.",
    )
    issue_date = models.DateField()
    maturity_date = models.DateField(editable=False)
    status = models.CharField(
        max_length=12, choices=NoteStatus.choices, default=NoteStatus.OUTSTANDING
    )
    ended_on = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="The day the note was fully repaid or converted; interest accrues through it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["series", "number"]
        constraints = [
            models.UniqueConstraint(fields=["series", "number"], name="note_number_unique"),
            models.CheckConstraint(condition=models.Q(principal__gt=0), name="note_principal_pos"),
            models.CheckConstraint(
                condition=models.Q(maturity_date__gt=models.F("issue_date")),
                name="note_maturity_after_issue",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=NoteStatus.values), name="note_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("issue_date")),
                name="note_ended_after_issue",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["repaid", "converted"], ended_on__isnull=False)
                | models.Q(status__in=["outstanding", "accelerated"], ended_on__isnull=True),
                name="note_ended_iff_repaid_or_converted",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "id"]),
            # The notes list sorts by these, paged by (value, id): see
            # notes/migrations/0009_note_list_indexes.py for the query each serves.
            models.Index(fields=["number", "id"], name="note_number_id"),
            models.Index(fields=["principal", "id"], name="note_principal_id"),
            models.Index(fields=["issue_date", "id"], name="note_issue_date_id"),
            models.Index(fields=["maturity_date", "id"], name="note_maturity_date_id"),
            models.Index(fields=["holder", "id"], name="note_holder_id"),
        ]
        triggers = [
            # A note with statements is never deleted (nor its id changed): the
            # database's half of InterestStatement.note (see statement_note_exists).
            pgtrigger.Trigger(
                name="stated_note_kept",
                when=pgtrigger.Before,
                operation=pgtrigger.Delete | pgtrigger.UpdateOf("id"),
                func=STATED_NOTE_KEPT,
            ),
        ]

    def __str__(self) -> str:
        return f"Note {self.number}"

    @property
    def currency(self) -> str:
        return str(self.principal.currency)

    @property
    def outstanding_principal(self) -> Decimal:
        """Principal not yet repaid or converted (annotated by selectors when listed)."""
        annotated = self.__dict__.get("outstanding_principal_amount")
        if annotated is not None:
            return annotated
        if self.status == NoteStatus.CONVERTED:
            return Decimal("0.00")
        paid = self.payments.filter(applies_to=PaymentKind.PRINCIPAL).aggregate(
            total=models.Sum("amount")
        )["total"]
        return self.principal.amount - (paid or Decimal("0.00"))



def append_only() -> pgtrigger.Protect:
    """A money fact is never updated or deleted: corrections are reversing entries."""
    return pgtrigger.Protect(
        name="append_only", operation=pgtrigger.Update | pgtrigger.Delete
    )


def statement_checks(
    func: str, *, names: list[tuple[pgtrigger.Operation, str]], referencing, declare=None
) -> list[pgtrigger.Trigger]:
    """One check over each statement's rows, as AFTER … FOR EACH STATEMENT triggers: one
    trigger per operation (`names`: operation and trigger name), since PostgreSQL gives
    transition tables only to a trigger of a single operation."""
    extra = {"declare": declare} if declare else {}
    return [
        pgtrigger.Trigger(
            name=name, when=pgtrigger.After, operation=operation, level=pgtrigger.Statement,
            referencing=referencing, func=func, **extra,
        )
        for operation, name in names
    ]


class InterestStatement(models.Model):
    """The interest of one note for one calendar month (§2), rounded once.

    Generated by the servicing cycle once its month has ended; at most one per
    note and period (a unique constraint, so retries and concurrent runs cannot
    duplicate it); never updated or deleted. Whether it is open, paid or past
    due derives from the payments allocated to its period and the date asked.

    **Corrections are adjustments.** A back-dated fact (a reversal, a principal
    payment, a conversion or repayment dated in a month already stated) can
    change what a stated month accrues. The statement is not edited: an
    *adjustment* statement for the difference is added to the same period,
    pointing at the statement it corrects (``corrects``) and saying why
    (``reason``), due on the next due date. A period's standing statements —
    the original and its adjustments — always add up to exactly the interest
    the domain core gives that period (zero for a month that should have no
    statement). An adjustment may be negative (a credit); an original is never
    negative, and the servicing cycle never issues one for 0.00.
    """

    money_fact = True

    # Indexed by the leading column of statement_one_per_note_and_period. Checked
    # by the triggers statement_note_exists and stated_note_kept (above Note)
    # instead of a foreign-key constraint: once per INSERT instead of once per row.
    note = models.ForeignKey(
        Note, on_delete=models.PROTECT, related_name="statements", db_index=False,
        db_constraint=False,
    )
    period_start = models.DateField()
    period_end = models.DateField()
    due_date = models.DateField()
    days = models.PositiveSmallIntegerField()
    amount = MoneyField(max_digits=16, decimal_places=2, default_currency="USD")
    rate = models.DecimalField(max_digits=9, decimal_places=6)
    day_count = models.CharField(max_length=8, choices=DAY_COUNT_CHOICES)
    calculation = models.TextField(help_text="How the amount was made, rule by rule.")
    # The run that issued it (none for a correction). Not indexed: no page or
    # report looks statements up by run. No database check either (it cost as
    # much per statement as a bare COPY of it, BENCHMARKS.md): the chunk writes
    # the id of the run row it has just updated in the same transaction, and a
    # run is never deleted (a trigger refuses it), so the link cannot dangle.
    servicing_run = models.ForeignKey(
        "ServicingRun", on_delete=models.PROTECT, null=True, blank=True,
        related_name="statements", db_index=False, db_constraint=False,
    )
    # Indexed only where set (statement_adjustment_corrects): originals, nearly
    # every row, add nothing to that index. Checked by the trigger
    # statement_corrects_exists (below) instead of a foreign-key constraint, whose
    # check was queued for every statement at commit, originals (null) included;
    # statements are never updated or deleted (append_only), so only an INSERT
    # can break the link.
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="adjustments",
        help_text="The period's original statement this adjustment corrects.", db_index=False,
        db_constraint=False,
    )
    reason = models.TextField(
        blank=True, default="", db_default="", help_text="Why an adjustment was issued."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["note", "period_start", "id"]
        constraints = [
            # One original per note and period; adjustments add to it. An
            # original's third key is 0, an adjustment's its own id (always
            # distinct). Not partial, so the index also serves every read of a
            # note's statements in period order (it is the note_id index).
            models.UniqueConstraint(
                models.F("note"),
                models.F("period_start"),
                models.Case(
                    models.When(corrects__isnull=True, then=models.Value(0)),
                    default=models.F("id"),
                    output_field=models.BigIntegerField(),
                ),
                name="statement_one_per_note_and_period",
            ),
            models.CheckConstraint(
                condition=models.Q(corrects__isnull=True, amount__gte=0)
                | (models.Q(corrects__isnull=False) & ~models.Q(amount=0)),
                name="statement_amount",
            ),
            models.CheckConstraint(
                condition=models.Q(corrects__isnull=True) | ~models.Q(reason=""),
                name="statement_adjustment_has_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start"))
                & models.Q(due_date__gt=models.F("period_end")),
                name="statement_dates_ordered",
            ),
        ]
        indexes = [
            # The adjustments of a statement (and the PROTECT check on its deletion).
            models.Index(
                fields=["corrects"],
                condition=models.Q(corrects__isnull=False),
                name="statement_adjustment_corrects",
            ),
        ]
        triggers = [
            append_only(),
            pgtrigger.Trigger(
                name="statement_note_exists",
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                level=pgtrigger.Statement,
                referencing=pgtrigger.Referencing(new="new_statements"),
                declare=[("lowest", "bigint"), ("highest", "bigint"), ("missing", "bigint")],
                func=STATEMENT_NOTE_EXISTS,
            ),
            # What the foreign key on corrects checked, for adjustments only: the
            # condition is evaluated as each row is written, so an original queues
            # nothing; deferred to commit, as the key was (an adjustment may be
            # written before its original in one transaction).
            pgtrigger.Trigger(
                name="statement_corrects_exists",
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                timing=pgtrigger.Deferred,
                condition=pgtrigger.Q(new__corrects_id__isnull=False),
                func=STATEMENT_CORRECTS_EXISTS,
            ),
            # And the other end of the link: an original is not deleted (or renumbered)
            # from under its adjustments, checked once per statement as the key did.
            *statement_checks(
                CORRECTED_STATEMENT_KEPT,
                names=[(pgtrigger.Delete, "corrected_statement_kept_on_delete"),
                       (pgtrigger.Update, "corrected_statement_kept_on_update")],
                referencing=pgtrigger.Referencing(old="old_statements"),
            ),
        ]

    def __str__(self) -> str:
        label = " adjustment" if self.corrects_id else ""
        return f"{self.note} {self.period_start:%Y-%m}{label}"

    @property
    def kind(self) -> str:
        """`statement` for a month's original statement, `adjustment` for a correction."""
        return "adjustment" if self.corrects_id else "statement"

    @property
    def anchor(self) -> str:
        """The id of its row in a statement table (and of its timeline entry's link)."""
        return f"adjustment-{self.pk}" if self.corrects_id else self.month_anchor

    @property
    def month_anchor(self) -> str:
        """The id of the row of its month's original statement."""
        return f"statement-{self.period_start:%Y-%m}"


class PaymentKind(models.TextChoices):
    INTEREST = "interest", "Interest"
    PRINCIPAL = "principal", "Principal"


class PaymentMethod(models.TextChoices):
    CHECK = "check", "Check by mail"
    WIRE = "wire", "Wire transfer"
    ACH = "ach", "ACH transfer"
    REVERSAL = "reversal", "Reversal"
    CONVERSION = "conversion", "Converted into Common Stock (§5)"


# PaymentAllocation's (payment, note) is checked by triggers instead of a
# foreign-key constraint, as InterestStatement.note is (above Note). The
# constraint checked each allocation alone — an index probe and a FOR KEY SHARE
# lock on its payment, a WAL record and a dirtied payment page per allocation —
# where a conversion writes a dozen allocations for each of its 10,000 interest
# entries in one statement. The rule is the same: an allocation names a payment
# that exists and is a payment of the allocation's note (whose own key says the
# note exists), also when a payment's deletion and an allocation's insertion
# meet.
#
# - After every INSERT (or UPDATE) of allocations, once per statement, with its
#   new rows: each distinct (payment, note) pair of the rows is looked up by the
#   payment's primary key and its note compared. A pair that does not match is
#   a foreign_key_violation.
# - Before a payment is deleted (or its id or note changed): refused,
#   foreign_key_violation, if it has an allocation. Payments are append-only
#   (`append_only` refuses every UPDATE and DELETE), so this only ever acts when
#   that guard is lifted (`pgtrigger.ignore`, as a data migration may); it keeps
#   the rule whole then too.
# - The race: the advisory lock of the statements' check, on a key of its own —
#   the insert check shared, the deletion exclusive, held until commit — so
#   whichever comes second sees what the first committed; under REPEATABLE READ
#   or SERIALIZABLE the insert check also locks the payments FOR KEY SHARE, and
#   a payment is deleted only under READ COMMITTED.
ALLOCATION_PAYMENT_WITH_ITS_NOTE = """
    PERFORM pg_advisory_xact_lock_shared(hashtext('notedesk.allocation_payments'));
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        PERFORM 1 FROM notes_payment
        WHERE id IN (SELECT payment_id FROM new_allocations) FOR KEY SHARE;
    END IF;
    SELECT a.payment_id, a.note_id INTO bad_payment, bad_note
    FROM (SELECT DISTINCT payment_id, note_id FROM new_allocations) a
    WHERE (SELECT p.note_id FROM notes_payment p WHERE p.id = a.payment_id)
          IS DISTINCT FROM a.note_id
    LIMIT 1;
    IF bad_payment IS NOT NULL THEN
        RAISE EXCEPTION 'allocation_payment_with_its_note: an allocation of payment % to note %,'
            ' which is not a payment of that note', bad_payment, bad_note
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
"""

PAYMENT_KEPT_WHILE_ALLOCATED = """
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.note_id = OLD.note_id THEN
        RETURN NEW;
    END IF;
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'payment_kept_while_allocated: payment % may be deleted'
            ' only in READ COMMITTED', OLD.id USING ERRCODE = 'invalid_transaction_state';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('notedesk.allocation_payments'));
    IF EXISTS (SELECT 1 FROM notes_paymentallocation WHERE payment_id = OLD.id) THEN
        RAISE EXCEPTION 'payment_kept_while_allocated: payment % has allocations', OLD.id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF TG_OP = 'UPDATE' THEN
        RETURN NEW;
    END IF;
    RETURN OLD;
"""


class Payment(models.Model):
    """A payment to a holder, by mail to the registered address (preamble, §2, §4).

    Append-only: a mistake is corrected by a reversing payment that points at
    the original and carries its value date, so the position is as if the
    original had never been made.
    """

    money_fact = True

    # Indexed by the leading column of (note, applies_to, paid_on).
    note = models.ForeignKey(
        Note, on_delete=models.PROTECT, related_name="payments", db_index=False
    )
    paid_on = models.DateField()
    amount = MoneyField(max_digits=16, decimal_places=2, default_currency="USD")
    applies_to = models.CharField(max_length=10, choices=PaymentKind.choices)
    method = models.CharField(max_length=10, choices=PaymentMethod.choices)
    reference = models.CharField(
        max_length=100, blank=True, help_text="Check number or wire reference."
    )
    mailed_to = models.TextField(
        blank=True, help_text="The holder's registered address on the payment day."
    )
    holder_consent_reference = models.CharField(
        max_length=200, blank=True,
        help_text="The holder's written consent to a principal prepayment (§4).",
    )
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    reason = models.TextField(blank=True)
    idempotency_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    # Keyed (HMAC), never a plain digest of the request: see core.fingerprints.
    request_fingerprint = models.CharField(max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["note", "paid_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(applies_to__in=PaymentKind.values), name="payment_kind"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0, reverses__isnull=True)
                | models.Q(amount__lt=0, reverses__isnull=False),
                name="payment_positive_unless_reversal",
            ),
        ]
        indexes = [models.Index(fields=["note", "applies_to", "paid_on"])]
        triggers = [
            append_only(),
            # A payment with allocations is never deleted (nor its id or note
            # changed): the database's half of an allocation's payment and note.
            pgtrigger.Trigger(
                name="payment_kept_while_allocated",
                when=pgtrigger.Before,
                operation=pgtrigger.Delete | pgtrigger.UpdateOf("id", "note_id"),
                func=PAYMENT_KEPT_WHILE_ALLOCATED,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_applies_to_display()} {self.amount} on {self.paid_on}"


class PaymentAllocation(models.Model):
    """The part of an interest payment applied to one month (oldest unpaid first)."""

    money_fact = True

    # Both indexed by the leading column of a composite index below. Checked
    # together, once per INSERT, by the triggers allocation_payment_with_its_note
    # and payment_kept_while_allocated (above Payment) instead of a foreign-key
    # constraint per row: an allocation names its payment's own note, and that
    # payment's note exists (BENCHMARKS.md).
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="allocations", db_index=False,
        db_constraint=False,
    )
    note = models.ForeignKey(
        Note, on_delete=models.PROTECT, related_name="allocations", db_index=False,
        db_constraint=False,
    )
    period_start = models.DateField()
    paid_on = models.DateField()
    amount = models.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["note", "period_start", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["payment", "period_start"], name="allocation_one_per_payment_period"
            ),
            models.CheckConstraint(condition=~models.Q(amount=0), name="allocation_nonzero"),
        ]
        indexes = [models.Index(fields=["note", "period_start"])]
        triggers = [
            append_only(),
            # Allocations are append-only; should that guard be lifted, a changed
            # payment or note is checked as a new row is.
            *statement_checks(
                ALLOCATION_PAYMENT_WITH_ITS_NOTE,
                names=[(pgtrigger.Insert, "allocation_payment_with_its_note"),
                       (pgtrigger.Update, "allocation_payment_with_its_note_on_update")],
                referencing=pgtrigger.Referencing(new="new_allocations"),
                declare=[("bad_payment", "bigint"), ("bad_note", "bigint")],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} to {self.period_start:%Y-%m}"


class ServicingRun(ChunkedRun):
    """One run of the servicing cycle as of a day, and what it did.

    The notes are split into chunks by id range; each chunk is one task and
    one transaction, so more workers finish sooner and a chunk lost with its
    worker is simply run again.
    """

    notes_count = models.PositiveIntegerField(default=0)
    statements_created = models.PositiveIntegerField(default=0)
    past_due_statements = models.PositiveIntegerField(default=0)

    class Meta(ChunkedRun.Meta):
        constraints = [
            models.CheckConstraint(
                condition=models.Q(chunks_done__lte=models.F("chunks_total")),
                name="run_chunks_done_le_total",
            ),
        ]
        # Its statements point at it (without a foreign key check): never deleted.
        triggers = [pgtrigger.Protect(name="run_kept", operation=pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"Servicing run {self.pk} as of {self.as_of}"


class ServicingChunk(models.Model):
    """The notes with ids in [id_from, id_to] for one run: one task, one transaction."""

    # Indexed by the leading column of chunk_index_unique (run, index).
    run = models.ForeignKey(
        ServicingRun, on_delete=models.CASCADE, related_name="chunks", db_index=False
    )
    index = models.PositiveIntegerField()
    id_from = models.BigIntegerField()
    id_to = models.BigIntegerField()
    done = models.BooleanField(default=False)
    statements_created = models.PositiveIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "index"]
        constraints = [
            models.UniqueConstraint(fields=["run", "index"], name="chunk_index_unique"),
            models.CheckConstraint(
                condition=models.Q(id_to__gte=models.F("id_from")), name="chunk_range"
            ),
        ]

    def __str__(self) -> str:
        return f"Chunk {self.index} of run {self.run_id}"


class DefaultEventKind(models.TextChoices):
    PAYMENT_DEFAULT_NOTICE = "payment_default_notice", "Notice of payment default (§3(i))"
    VOLUNTARY_BANKRUPTCY = "voluntary_bankruptcy", "Voluntary bankruptcy or insolvency (§3(ii))"
    INVOLUNTARY_PROCEEDING = "involuntary_proceeding", "Involuntary proceeding (§3(iii))"
    RECEIVER_APPOINTMENT = "receiver_appointment", "Receiver or trustee appointed (§3(iii))"
    RESOLVED = "resolved", "Dismissed, stayed or vacated (§3(iii))"
    ACCELERATION = "acceleration", "Declaration of acceleration (§3)"


class NoticeDelivery(models.TextChoices):
    PERSONAL = "personal", "Personal delivery"
    MAIL = "mail", "United States mail"


_DELIVERED_KINDS = [DefaultEventKind.PAYMENT_DEFAULT_NOTICE, DefaultEventKind.ACCELERATION]


@audited()
class DefaultEvent(models.Model):
    """Something that happened under §3: a notice, a proceeding, its end, an acceleration.

    Append-only, like the money facts: a wrong entry stays with its audit trail;
    a proceeding that ended is followed by a `resolved` event pointing at it.
    The note's default state as of any day (cure deadlines, Events of Default,
    acceleration) is derived from these and the payments by
    ``notes.domain.defaults``; nothing derived is stored but the §12 deemed
    delivery of a written notice, fixed by the business-day calendar when it is
    recorded.
    """

    money_fact = True

    note = models.ForeignKey(Note, on_delete=models.PROTECT, related_name="default_events")
    kind = models.CharField(max_length=24, choices=DefaultEventKind.choices)
    date = models.DateField(
        help_text=(
            "A notice: the day it was personally received or deposited in the mail. A "
            "proceeding or appointment: its commencement. Resolved: the dismissal, stay or "
            "vacatur. Acceleration: the declaration's delivery or deposit."
        )
    )
    delivery_method = models.CharField(
        max_length=8, choices=NoticeDelivery.choices, blank=True, default="",
        help_text="Written notices only (§12).",
    )
    deemed_delivered_on = models.DateField(
        null=True, blank=True,
        help_text="§12: the receipt date in person; business days after deposit by mail.",
    )
    resolves = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="resolutions",
        help_text="The proceeding or appointment that was dismissed, stayed or vacated.",
    )
    description = models.TextField(blank=True, default="")
    recorded_by = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["note", "date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=DefaultEventKind.values), name="default_event_kind"
            ),
            # A written notice has a delivery method and a deemed delivery; nothing else has.
            models.CheckConstraint(
                condition=(
                    models.Q(
                        kind__in=_DELIVERED_KINDS,
                        delivery_method__in=NoticeDelivery.values,
                        deemed_delivered_on__gte=models.F("date"),
                    )
                    | models.Q(
                        ~models.Q(kind__in=_DELIVERED_KINDS),
                        delivery_method="",
                        deemed_delivered_on__isnull=True,
                    )
                ),
                name="default_event_delivery",
            ),
            models.CheckConstraint(
                condition=~models.Q(delivery_method=NoticeDelivery.PERSONAL)
                | models.Q(deemed_delivered_on=models.F("date")),
                name="default_event_personal_delivered_on_receipt",
            ),
            models.CheckConstraint(
                condition=models.Q(kind=DefaultEventKind.RESOLVED, resolves__isnull=False)
                | (~models.Q(kind=DefaultEventKind.RESOLVED) & models.Q(resolves__isnull=True)),
                name="default_event_resolved_names_what",
            ),
            models.UniqueConstraint(fields=["resolves"], name="default_event_resolved_once"),
            models.UniqueConstraint(
                fields=["note"],
                condition=models.Q(kind=DefaultEventKind.ACCELERATION),
                name="default_event_one_acceleration",
            ),
        ]
        triggers = [append_only()]

    def __str__(self) -> str:
        return f"{self.note} {self.get_kind_display()} {self.date}"

    @property
    def clause(self) -> str:
        return DEFAULT_EVENT_CLAUSES[self.kind]


# --- Transfers of a note (§10) and the register's chain of holders -------------------


class Document(models.Model):
    """A document received for the register (a holder's notice, an opinion of counsel).

    Stored once through Django's storage under MEDIA_ROOT, with the SHA-256 of
    its bytes, its size and its content type as checked on upload (PDF, PNG or
    JPEG by their first bytes, never by the name); served only to staff.
    Append-only: a document is never replaced, a new one is uploaded instead.
    """

    money_fact = True

    file = models.FileField(upload_to="register/%Y/%m/", max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sha256__regex=r"^[0-9a-f]{64}$"), name="document_sha256"
            ),
            models.CheckConstraint(condition=models.Q(size__gt=0), name="document_not_empty"),
            models.CheckConstraint(
                condition=models.Q(
                    content_type__in=["application/pdf", "image/png", "image/jpeg"]
                ),
                name="document_content_type",
            ),
        ]
        triggers = [append_only()]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.size:,} bytes)"


class TransferDecision(models.TextChoices):
    PENDING = "pending", "Awaiting decision"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"


# A decision is recorded once: these go from their pending values to the decision's.
TRANSFER_DECISION_FIELDS = (
    "decision", "decided_on", "decided_by", "decision_reason", "effective_date",
    "legend_required", "legend_counsel_reference",
)


@audited()
class Transfer(models.Model):
    """A transfer of a note from its registered holder to another (§10).

    The holder gives the Company written notice of the disposition, with an
    opinion of the holder's counsel that it may be made without registration;
    staff approve or refuse it. An approved transfer makes the transferee the
    registered holder from its effective date; the transfers of a note, in
    order, are the register's chain of holders. A refusal is notified to the
    holder in writing. The note keeps the restrictive legend unless the
    issuer's counsel recorded that it is not needed.

    Append-only, its decision recorded once: the database refuses every DELETE
    and every UPDATE but the one from ``pending`` to a decision, which may
    change only the decision's own columns.
    """

    money_fact = True

    note = models.ForeignKey(Note, on_delete=models.PROTECT, related_name="transfers")
    transferor = models.ForeignKey(
        "holders.Holder", on_delete=models.PROTECT, related_name="transfers_out",
        help_text="The registered holder when the notice was recorded.",
    )
    transferee = models.ForeignKey(
        "holders.Holder", on_delete=models.PROTECT, related_name="transfers_in",
        help_text="Who is to become the registered holder.",
    )
    manner = models.TextField(
        blank=True, default="", help_text="The manner of the disposition, as the notice says."
    )
    notice_received_on = models.DateField(
        help_text="The day the holder's written notice was received (§10)."
    )
    notice_document = models.ForeignKey(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    opinion_received_on = models.DateField(
        help_text="The day the opinion of the holder's counsel was received (§10)."
    )
    opinion_document = models.ForeignKey(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision = models.CharField(
        max_length=8, choices=TransferDecision.choices, default=TransferDecision.PENDING
    )
    decided_on = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_reason = models.TextField(
        blank=True, default="", help_text="Why the transfer was refused; notified to the holder."
    )
    effective_date = models.DateField(
        null=True, blank=True,
        help_text="From this day the transferee is the registered holder.",
    )
    legend_required = models.BooleanField(
        default=True,
        help_text="The transferred note bears the restrictive legend (§10).",
    )
    legend_counsel_reference = models.CharField(
        max_length=200, blank=True, default="",
        help_text="The opinion of the issuer's counsel that the legend is not required.",
    )
    recorded_by = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["note", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(decision__in=TransferDecision.values),
                name="transfer_decision_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(transferor=models.F("transferee")),
                name="transfer_to_another_holder",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    decision="pending", decided_on__isnull=True, effective_date__isnull=True,
                    decision_reason="",
                )
                | models.Q(
                    decision="approved", decided_on__isnull=False, effective_date__isnull=False,
                    effective_date__gte=models.F("notice_received_on"),
                )
                | (
                    models.Q(decision="refused", decided_on__isnull=False)
                    & models.Q(effective_date__isnull=True)
                    & ~models.Q(decision_reason="")
                ),
                name="transfer_decision_complete",
            ),
            models.CheckConstraint(
                condition=models.Q(legend_required=True)
                | ~models.Q(legend_counsel_reference=""),
                name="transfer_legend_dropped_on_counsel_opinion",
            ),
            models.UniqueConstraint(
                fields=["note"], condition=models.Q(decision="pending"),
                name="transfer_one_pending_per_note",
            ),
            models.UniqueConstraint(
                fields=["note", "effective_date"], condition=models.Q(decision="approved"),
                name="transfer_one_per_note_and_day",
            ),
        ]
        indexes = [models.Index(fields=["note", "decision", "effective_date"])]
        triggers = [
            pgtrigger.Protect(name="no_delete", operation=pgtrigger.Delete),
            # The request never changes...
            pgtrigger.Protect(
                name="request_final",
                operation=pgtrigger.Update,
                condition=pgtrigger.AnyChange(
                    exclude=list(TRANSFER_DECISION_FIELDS)
                ),
            ),
            # ...and its decision is recorded once.
            pgtrigger.Protect(
                name="decided_once",
                operation=pgtrigger.Update,
                condition=~pgtrigger.Q(old__decision="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"Transfer of {self.note} to {self.transferee}"

    @property
    def clause(self) -> str:
        return "§10"


@audited()
class StopTransferInstruction(models.Model):
    """A stop-transfer instruction on a note (§10): while in force, no transfer is approved.

    Recorded with its reason; lifted once, with the lift's reason. The database
    refuses DELETE and every UPDATE but the lift (NULL → a value, once).
    """

    money_fact = True

    note = models.ForeignKey(Note, on_delete=models.PROTECT, related_name="stop_transfers")
    recorded_on = models.DateField()
    reason = models.TextField()
    recorded_by = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lifted_on = models.DateField(null=True, blank=True)
    lift_reason = models.TextField(blank=True, default="")
    lifted_by = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["note", "-recorded_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="stop_transfer_reason"),
            models.CheckConstraint(
                condition=models.Q(lifted_on__isnull=True, lift_reason="")
                | (
                    models.Q(lifted_on__gte=models.F("recorded_on"))
                    & ~models.Q(lift_reason="")
                ),
                name="stop_transfer_lift_complete",
            ),
            models.UniqueConstraint(
                fields=["note"], condition=models.Q(lifted_on__isnull=True),
                name="stop_transfer_one_in_force",
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="no_delete", operation=pgtrigger.Delete),
            pgtrigger.Protect(
                name="instruction_final",
                operation=pgtrigger.Update,
                condition=pgtrigger.AnyChange(
                    exclude=["lifted_on", "lift_reason", "lifted_by"]
                ),
            ),
            pgtrigger.Protect(
                name="lifted_once",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__lifted_on__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        state = f"lifted {self.lifted_on}" if self.lifted_on else "in force"
        return f"Stop-transfer instruction on {self.note} from {self.recorded_on} ({state})"
