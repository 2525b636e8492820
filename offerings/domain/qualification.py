"""Which offerings and corporate events trigger conversion (§5.1, §5.2).

- A **$3 Million Qualified Offering** (voluntary conversion, §5.1) is a sale of
  Common Stock in a PIPE "resulting in gross proceeds of not less than
  $3,000,000": a ``pipe`` with gross proceeds at or above the voluntary
  threshold.
- **Automatic conversion** (§5.2) follows (iii) a PIPE with gross proceeds "not
  less than $5,000,000" (at or above the automatic threshold), or (ii) a firmly
  underwritten public offering with gross proceeds "in excess of five million
  dollars" (strictly above it). An underwritten public offering is never a
  voluntary trigger: §5.1 speaks only of PIPEs.
- A **change of control** (§5.2(i)) triggers automatic conversion: a merger,
  consolidation or reorganization the Company does not survive and a sale of
  all or substantially all assets always do; a transfer of voting power does
  only when "in excess of fifty percent (50%)" is transferred, counting a
  "series of related transactions" together. The trigger fires on the event
  that takes the cumulative share past the threshold, and on no later event of
  the same series.

The thresholds are series terms (docs/servicing-rules.md): they are passed in as
``Thresholds``, whose defaults are the contract's figures.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class OfferingKind(StrEnum):
    PIPE = "pipe"
    UNDERWRITTEN = "underwritten_public_offering"


class EventKind(StrEnum):
    MERGER = "merger"
    VOTING_POWER_TRANSFER = "voting_power_transfer"
    ASSET_SALE = "asset_sale"


@dataclass(frozen=True)
class Thresholds:
    """A series' qualification thresholds; the defaults are the contract's."""

    voluntary: Decimal = Decimal("3000000")
    automatic: Decimal = Decimal("5000000")
    voting_power_pct: Decimal = Decimal("50")


def qualifies_voluntary(
    kind: OfferingKind | str, gross_proceeds: Decimal, thresholds: Thresholds
) -> bool:
    """Whether an offering is a $3 Million Qualified Offering (§5.1).

    Args:
        kind: the offering's kind; only a PIPE can qualify.
        gross_proceeds: the offering's gross proceeds.
        thresholds: the series' thresholds.
    """
    return OfferingKind(kind) is OfferingKind.PIPE and gross_proceeds >= thresholds.voluntary


def qualifies_automatic(
    kind: OfferingKind | str, gross_proceeds: Decimal, thresholds: Thresholds
) -> bool:
    """Whether an offering triggers automatic conversion (§5.2(ii), (iii)).

    A PIPE qualifies at "not less than" the threshold; an underwritten public
    offering only "in excess of" it.
    """
    if OfferingKind(kind) is OfferingKind.PIPE:
        return gross_proceeds >= thresholds.automatic
    return gross_proceeds > thresholds.automatic


def change_of_control_triggers(
    kind: EventKind | str,
    *,
    voting_power_pct: Decimal | None,
    related_pcts: Sequence[Decimal] = (),
    thresholds: Thresholds = Thresholds(),
) -> bool:
    """Whether a corporate event triggers automatic conversion (§5.2(i)).

    Args:
        kind: the event's kind.
        voting_power_pct: for a voting power transfer, the percentage of the
            Company's voting power this event transfers (0 < pct ≤ 100).
            Ignored for mergers and asset sales.
        related_pcts: the percentages transferred by the earlier events of
            the same series of related transactions.
        thresholds: the series' thresholds.

    Returns:
        True for a merger or asset sale; for a voting power transfer, True
        exactly when this event takes the cumulative share of the series
        past the threshold.

    Raises:
        ValueError: a voting power transfer without a percentage, or a
            percentage outside 0 < pct ≤ 100.
    """
    if EventKind(kind) is not EventKind.VOTING_POWER_TRANSFER:
        return True
    if voting_power_pct is None:
        raise ValueError("a voting power transfer needs the percentage of voting power transferred")
    for pct in (voting_power_pct, *related_pcts):
        if not Decimal(0) < pct <= Decimal(100):
            raise ValueError(
                f"a voting power percentage must be more than 0 and at most 100, got {pct}"
            )
    earlier = sum(related_pcts, Decimal(0))
    limit = thresholds.voting_power_pct
    return earlier <= limit < earlier + voting_power_pct
