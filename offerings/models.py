"""Offerings, corporate events, and the conversions they bring about (§5–§7).

An **offering** is a sale of Common Stock by the issuer; its sales are kept in
the order they were made because the Conversion Price is the average price of
the first $1,000,000 sold (§5.1). A **corporate event** is a merger, a sale of
substantially all assets, or a transfer of voting power (§5.2(i)).

Recording either writes a **conversion trigger** in the same transaction — a
transactional outbox — so the automatic conversion or voluntary window it
brings about is never lost (the broker may be down) and never run twice (the
trigger is processed under a row lock and marked done in the same
transaction as its conversions).

A **conversion** is a money fact, exactly one per note. It is written once;
the only change the database allows is completing one that was waiting for
its price (`awaiting_price` → `done`).
"""

from __future__ import annotations

from decimal import Decimal

import pgtrigger
from django.conf import settings
from django.db import models
from djmoney.models.fields import MoneyField
from encrypted_fields.fields import EncryptedCharField

from core.audit import audited
from holders.models import mask_tax_id
from notes.models import append_only
from offerings.domain.qualification import EventKind, OfferingKind

PRICE_FIELD = {"max_digits": 18, "decimal_places": 6}
# Shares or warrants in one unit: "one share and one-half of one warrant" is 1 and 0.5.
PER_UNIT_FIELD = {"max_digits": 12, "decimal_places": 6}


class AllocationSource(models.TextChoices):
    OFFERING_DOCUMENTS = "offering_documents", "Offering documents"
    BOARD = "board_determination", "Board determination"


@audited()
class Offering(models.Model):
    issuer = models.ForeignKey("notes.Issuer", on_delete=models.PROTECT, related_name="offerings")
    kind = models.CharField(max_length=32, choices=[(k.value, k.value) for k in OfferingKind])
    closing_date = models.DateField()
    gross_proceeds = MoneyField(max_digits=16, decimal_places=2, default_currency="USD")
    description = models.CharField(max_length=200, blank=True)
    # Units (shares + warrants), when sold as units (§5.1); either may be fractional.
    shares_per_unit = models.DecimalField(
        null=True, blank=True, **PER_UNIT_FIELD,
        help_text="Shares of Common Stock in one unit, e.g. 1 or 0.5.",
    )
    warrants_per_unit = models.DecimalField(
        null=True, blank=True, **PER_UNIT_FIELD,
        help_text="Warrants in one unit, e.g. 0.5 for one-half of one warrant.",
    )
    share_allocation = models.DecimalField(
        max_digits=9, decimal_places=6, null=True, blank=True,
        help_text="Fraction of the unit price allocated to its shares (§5.1).",
    )
    allocation_source = models.CharField(
        max_length=24, choices=AllocationSource.choices, blank=True
    )
    allocation_reference = models.CharField(max_length=200, blank=True)
    conversion_price = models.DecimalField(null=True, blank=True, **PRICE_FIELD)
    price_computation = models.TextField(blank=True)
    price_unavailable_reason = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["issuer", "closing_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in OfferingKind]),
                name="offering_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(gross_proceeds__gt=0), name="offering_gross_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(shares_per_unit__isnull=True)
                | models.Q(shares_per_unit__gt=0),
                name="offering_shares_per_unit_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(warrants_per_unit__isnull=True)
                | models.Q(warrants_per_unit__gte=0),
                name="offering_warrants_per_unit_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(share_allocation__isnull=True)
                | models.Q(share_allocation__gt=0, share_allocation__lte=1),
                name="offering_share_allocation_fraction",
            ),
            models.CheckConstraint(
                condition=models.Q(conversion_price__isnull=True)
                | models.Q(conversion_price__gt=0),
                name="offering_price_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} closing {self.closing_date} ({self.gross_proceeds})"

    @property
    def sold_in_units(self) -> bool:
        return self.shares_per_unit is not None

    @property
    def unit_composition(self) -> str:
        """What one unit holds, as offering documents say it: "1 share + 0.5 warrant"."""
        if not self.sold_in_units:
            return ""
        shares = _count(self.shares_per_unit, "share")
        return f"{shares} + {_count(self.warrants_per_unit, 'warrant')}"


def _count(count, noun: str) -> str:
    """1 share, 0.5 warrant, 2 shares, 0 warrants — without the stored trailing zeros."""
    count = Decimal(count or 0)
    return f"{format(count.normalize(), 'f')} {noun}{'' if 0 < count <= 1 else 's'}"


class OfferingSale(models.Model):
    """One sale of an offering, in the order made: shares at a price, or units at a price."""

    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="sales")
    sequence = models.PositiveIntegerField()
    shares = models.BigIntegerField(null=True, blank=True)
    price_per_share = models.DecimalField(null=True, blank=True, **PRICE_FIELD)
    units = models.BigIntegerField(null=True, blank=True)
    unit_price = models.DecimalField(null=True, blank=True, **PRICE_FIELD)

    class Meta:
        ordering = ["offering", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["offering", "sequence"], name="sale_sequence_unique"),
            models.CheckConstraint(
                condition=models.Q(
                    shares__gt=0, price_per_share__gt=0, units__isnull=True,
                    unit_price__isnull=True,
                )
                | models.Q(
                    units__gt=0, unit_price__gt=0, shares__isnull=True,
                    price_per_share__isnull=True,
                ),
                name="sale_shares_or_units_positive",
            ),
        ]

    def __str__(self) -> str:
        if self.units is not None:
            return f"{self.units:,} units @ {self.unit_price}"
        return f"{self.shares:,} shares @ {self.price_per_share}"


@audited()
class CorporateEvent(models.Model):
    issuer = models.ForeignKey(
        "notes.Issuer", on_delete=models.PROTECT, related_name="corporate_events"
    )
    kind = models.CharField(max_length=32, choices=[(k.value, k.value) for k in EventKind])
    effective_date = models.DateField()
    voting_power_pct = models.DecimalField(
        max_digits=6, decimal_places=3, null=True, blank=True,
        help_text="Percentage of the Company's voting power transferred.",
    )
    related_events = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="later_related_events",
        help_text="Earlier transfers in the same series of related transactions (§5.2(i)).",
    )
    description = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["issuer", "effective_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in EventKind]), name="event_kind_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="voting_power_transfer")
                | models.Q(voting_power_pct__gt=0, voting_power_pct__lte=100),
                name="event_voting_pct_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} effective {self.effective_date}"


class TriggerStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    # Four eyes: held until a second Finance user approves (then pending), or withdrawn.
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    WITHDRAWN = "withdrawn", "Withdrawn — never carried out"


class ConversionTrigger(models.Model):
    """The outbox: what an offering or event must bring about, written with it."""

    offering = models.OneToOneField(
        Offering, on_delete=models.PROTECT, null=True, blank=True, related_name="trigger"
    )
    event = models.OneToOneField(
        CorporateEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="trigger"
    )
    status = models.CharField(
        max_length=20, choices=TriggerStatus.choices, default=TriggerStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    outcome = models.TextField(blank=True, help_text="What processing the trigger did.")
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(offering__isnull=False, event__isnull=True)
                | models.Q(offering__isnull=True, event__isnull=False),
                name="trigger_offering_xor_event",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"Trigger for {self.offering or self.event} ({self.status})"


class ConversionKind(models.TextChoices):
    VOLUNTARY = "voluntary", "Voluntary (§5.1)"
    QUALIFIED_OFFERING = "qualified_offering", "$5M Qualified Offering (§5.2(iii))"
    PUBLIC_OFFERING = "public_offering", "Underwritten public offering (§5.2(ii))"
    CHANGE_OF_CONTROL = "change_of_control", "Change of control (§5.2(i))"


class ConversionStatus(models.TextChoices):
    DONE = "done", "Done"
    AWAITING_PRICE = "awaiting_price", "Awaiting price"


class Election(models.Model):
    """A Notice of Election (Exhibit A), received at the principal executive office."""

    money_fact = True

    note = models.ForeignKey("notes.Note", on_delete=models.PROTECT, related_name="elections")
    offering = models.ForeignKey(Offering, on_delete=models.PROTECT, related_name="elections")
    received_on = models.DateField()
    certificate_names = models.TextField()
    address = models.TextField()
    tax_id = EncryptedCharField(max_length=40)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["received_on", "id"]
        triggers = [append_only()]

    def __str__(self) -> str:
        return f"Election for {self.note} received {self.received_on}"

    @property
    def tax_id_masked(self) -> str:
        return mask_tax_id(self.tax_id)


# What completing a conversion that waited for its price sets (`awaiting_price` → `done`).
CONVERSION_COMPLETION_FIELDS = (
    "status", "conversion_price", "price_source", "shares", "cash_in_lieu", "cash_due_date",
    "price_determined_by", "price_determined_at",
)


class Conversion(models.Model):
    """The conversion of one note (§5, §7). Exactly one per note."""

    money_fact = True

    note = models.OneToOneField("notes.Note", on_delete=models.PROTECT, related_name="conversion")
    trigger = models.CharField(max_length=24, choices=ConversionKind.choices)
    offering = models.ForeignKey(
        Offering, on_delete=models.PROTECT, null=True, blank=True, related_name="conversions"
    )
    event = models.ForeignKey(
        CorporateEvent, on_delete=models.PROTECT, null=True, blank=True,
        related_name="conversions",
    )
    election = models.OneToOneField(
        Election, on_delete=models.PROTECT, null=True, blank=True, related_name="conversion"
    )
    price_offering = models.ForeignKey(
        Offering, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="The offering whose Conversion Price applies.",
    )
    conversion_date = models.DateField()
    currency = models.CharField(max_length=3, default="USD")
    principal_converted = models.DecimalField(max_digits=16, decimal_places=2)
    interest_converted = models.DecimalField(max_digits=16, decimal_places=2)
    note_amount = models.DecimalField(max_digits=16, decimal_places=2)
    status = models.CharField(max_length=16, choices=ConversionStatus.choices)
    conversion_price = models.DecimalField(null=True, blank=True, **PRICE_FIELD)
    price_source = models.TextField(blank=True)
    shares = models.BigIntegerField(null=True, blank=True)
    cash_in_lieu = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    cash_due_date = models.DateField(null=True, blank=True)
    price_determined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    price_determined_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["conversion_date", "note_id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(trigger__in=ConversionKind.values), name="conversion_kind"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    note_amount=models.F("principal_converted") + models.F("interest_converted")
                ),
                name="conversion_note_amount_sum",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status="done", conversion_price__gt=0, shares__gte=0,
                    cash_in_lieu__gte=0, cash_due_date__isnull=False,
                )
                | models.Q(
                    status="awaiting_price", conversion_price__isnull=True,
                    shares__isnull=True, cash_in_lieu__isnull=True,
                ),
                name="conversion_done_has_figures",
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="no_delete", operation=pgtrigger.Delete),
            # Only a conversion still waiting for its price may change (to done).
            pgtrigger.Protect(
                name="final_once_done",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__status="done")
                | ~pgtrigger.Q(new__status="done"),
            ),
            # ...and completing it sets its price and figures, nothing else.
            pgtrigger.Protect(
                name="completion_sets_price_only",
                operation=pgtrigger.Update,
                condition=pgtrigger.AnyChange(exclude=list(CONVERSION_COMPLETION_FIELDS)),
            ),
        ]

    def __str__(self) -> str:
        return f"Conversion of {self.note} on {self.conversion_date}"


class NoticeObligation(models.Model):
    """A notice the contract requires the Company to send, with its deadline.

    §6.1: within 10 days of the closing of a $3M Qualified Offering, to each
    holder. §6.2: notice of an automatic conversion. Sending the notice (a
    written document, §12) is recorded against the obligation.
    """

    class Kind(models.TextChoices):
        VOLUNTARY_OFFERING = "voluntary_offering", "§6.1 notice of a $3M Qualified Offering"
        AUTOMATIC_CONVERSION = "automatic_conversion", "§6.2 notice of automatic conversion"

    kind = models.CharField(max_length=24, choices=Kind.choices)
    note = models.ForeignKey("notes.Note", on_delete=models.PROTECT, related_name="obligations")
    holder = models.ForeignKey("holders.Holder", on_delete=models.PROTECT, related_name="+")
    offering = models.ForeignKey(
        Offering, on_delete=models.PROTECT, null=True, blank=True, related_name="obligations"
    )
    conversion = models.ForeignKey(
        Conversion, on_delete=models.PROTECT, null=True, blank=True, related_name="obligations"
    )
    due_by = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_by", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "note", "offering"], name="obligation_once_per_offering",
                condition=models.Q(offering__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["kind", "note"], name="obligation_once_per_conversion",
                condition=models.Q(kind="automatic_conversion"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.holder} by {self.due_by}"


class CashInLieuPayment(models.Model):
    """Cash paid for the fractional share a conversion does not issue (§7).

    §7: no fractional shares; the Company pays cash for the fraction within 10
    days after the conversion date. Append-only, like every money fact; the
    payments of a conversion never add up to more than its cash in lieu.
    """

    money_fact = True

    class Method(models.TextChoices):
        CHECK = "check", "Check by mail"
        WIRE = "wire", "Wire transfer"
        ACH = "ach", "ACH transfer"

    conversion = models.ForeignKey(
        Conversion, on_delete=models.PROTECT, related_name="cash_payments"
    )
    paid_on = models.DateField()
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD")
    method = models.CharField(max_length=8, choices=Method.choices)
    reference = models.CharField(max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["conversion", "paid_on", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="cash_in_lieu_positive"),
        ]
        triggers = [append_only()]

    def __str__(self) -> str:
        return f"Cash in lieu {self.currency} {self.amount} on {self.paid_on}"
