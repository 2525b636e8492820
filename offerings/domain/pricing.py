"""The Conversion Price of a qualified offering (§5.1, §5.2).

§5.1: "the average price at which the first $1.0 million of Common Stock is
sold" in the qualifying offering. The product computes it so:

- Take the offering's sales in the order they were made. A sale of shares
  contributes ``shares × price_per_share`` dollars of Common Stock.
- A sale of units (shares + warrants) contributes only the part of the unit
  price allocated to its shares — by the offering documents, else by the
  Board (§5.1): ``units × unit_price × share_allocation`` dollars, at a
  per-share price of ``unit_price × share_allocation ÷ shares_per_unit``.
  A unit may hold part of a share or of a warrant ("one share and one-half
  of one warrant"): shares and warrants per unit are exact decimals, and the
  per-share price stays exact (``Fraction``) until the one rounding below.
  An offering sold in units without a recorded allocation cannot set a price.
- The sale that crosses the tranche ($1,000,000, a series term) counts only
  for the dollars needed to reach it, buying ``needed ÷ its per-share price``
  shares (fractional in this intermediate). Later sales count for nothing.
- Price = tranche ÷ shares counted, in exact rational arithmetic, then rounded
  once, half-up, to 6 decimal places. That rounded figure is the Conversion
  Price used everywhere.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import MAX_PREC, Context, Decimal, Inexact, InvalidOperation, Rounded
from fractions import Fraction

PRICE_PLACES = 6

# Sums and products of sale figures must be exact; an inexact result raises
# instead of rounding silently.
_EXACT = Context(prec=MAX_PREC, traps=[Inexact, Rounded, InvalidOperation])


class PricingError(ValueError):
    """The offering's sales cannot set a Conversion Price."""


class AllocationMissing(PricingError):
    """An offering sold in units has no recorded share/warrant allocation."""

    def __init__(self) -> None:
        super().__init__(
            "The offering was sold in units without a recorded allocation of the unit "
            "price between shares and warrants; the Conversion Price cannot be set "
            "until one is recorded (from the offering documents or a Board "
            "determination, §5.1)."
        )


@dataclass(frozen=True)
class Sale:
    """One sale of an offering: either shares at a price, or units at a price."""

    shares: int | None = None
    price_per_share: Decimal | None = None
    units: int | None = None
    unit_price: Decimal | None = None

    @property
    def is_unit_sale(self) -> bool:
        return self.units is not None or self.unit_price is not None

    @property
    def gross(self) -> Decimal:
        """What the buyers paid: shares × price, or units × unit price."""
        if self.is_unit_sale:
            return _EXACT.multiply(Decimal(self.units), self.unit_price)
        return _EXACT.multiply(Decimal(self.shares), self.price_per_share)


@dataclass(frozen=True)
class UnitTerms:
    """What a unit holds and how its price splits between shares and warrants.

    ``shares_per_unit`` (> 0) and ``warrants_per_unit`` (≥ 0) may be
    fractional (``Decimal("0.5")``); ``share_allocation`` is the fraction
    (0 < a ≤ 1) of the unit price allocated to the unit's shares; None while
    no allocation is recorded.
    """

    shares_per_unit: Decimal | int
    warrants_per_unit: Decimal | int
    share_allocation: Decimal | None


@dataclass(frozen=True)
class SaleContribution:
    """How one sale fed the price, in sale order, for showing the working.

    Attributes:
        sale: the sale.
        shares_sold: shares of Common Stock it sold (units × shares per unit,
            a Decimal only when units of part of a share make it fractional).
        price_per_share: the per-share price of its Common Stock, exact.
        common_stock_dollars: its dollars of Common Stock (for units, the
            part of the unit price allocated to shares).
        dollars_counted: the part of those dollars inside the tranche.
        shares_counted: the shares those dollars bought, exact (fractional
            for the sale that crosses the tranche; 0 after it).
    """

    sale: Sale
    shares_sold: int | Decimal
    price_per_share: Fraction
    common_stock_dollars: Decimal
    dollars_counted: Decimal
    shares_counted: Fraction


@dataclass(frozen=True)
class PriceComputation:
    """A Conversion Price and how it was made.

    ``price`` is the rounded Conversion Price; ``shares_counted`` the exact
    number of shares the tranche bought; ``lines`` one entry per sale.
    """

    price: Decimal
    shares_counted: Fraction
    tranche: Decimal
    lines: tuple[SaleContribution, ...]


def validate_sales(
    sales: Sequence[Sale], gross_proceeds: Decimal, unit_terms: UnitTerms | None = None
) -> None:
    """Check an offering's sales before they are recorded.

    An offering sold in units may be recorded before its allocation is: that
    is refused only when a price is computed (``AllocationMissing``).

    Raises:
        PricingError: no sales; a sale with a non-positive or missing figure
            or mixing the share and unit forms; unit sales without unit
            terms; or sales whose total is not exactly the gross proceeds.
    """
    _check_sales(sales, unit_terms)
    total = Decimal(0)
    for sale in sales:
        total = _EXACT.add(total, sale.gross)
    if total != gross_proceeds:
        raise PricingError(
            f"The sales total {total:,.2f} but the offering's gross proceeds are "
            f"{gross_proceeds:,.2f}; they must be equal."
        )


def conversion_price_compute(
    sales: Sequence[Sale],
    *,
    tranche: Decimal = Decimal("1000000"),
    unit_terms: UnitTerms | None = None,
) -> PriceComputation:
    """Compute the Conversion Price of a qualifying offering (§5.1).

    Args:
        sales: the offering's sales, in the order they were made.
        tranche: the Common Stock dollars that set the price (series term).
        unit_terms: the unit composition and allocation, for unit sales.

    Raises:
        AllocationMissing: unit sales with no recorded share allocation.
        PricingError: invalid sales (see ``validate_sales``), a non-positive
            tranche, or fewer than ``tranche`` dollars of Common Stock sold.
    """
    _check_sales(sales, unit_terms)
    if (
        unit_terms is not None
        and unit_terms.share_allocation is None
        and any(sale.is_unit_sale for sale in sales)
    ):
        raise AllocationMissing()
    if tranche <= 0:
        raise PricingError(f"The price-setting tranche must be positive, got {tranche}.")

    lines = []
    remaining = tranche
    for sale in sales:
        if sale.is_unit_sale:
            allocation = unit_terms.share_allocation
            shares_sold = _whole_if_whole(
                _EXACT.multiply(Decimal(sale.units), Decimal(unit_terms.shares_per_unit))
            )
            dollars = _EXACT.multiply(sale.gross, allocation)
            per_share = (
                Fraction(sale.unit_price)
                * Fraction(allocation)
                / Fraction(unit_terms.shares_per_unit)
            )
        else:
            shares_sold = sale.shares
            dollars = sale.gross
            per_share = Fraction(sale.price_per_share)
        counted = min(dollars, remaining)
        remaining = _EXACT.subtract(remaining, counted)
        lines.append(
            SaleContribution(
                sale=sale,
                shares_sold=shares_sold,
                price_per_share=per_share,
                common_stock_dollars=dollars,
                dollars_counted=counted,
                shares_counted=Fraction(counted) / per_share,
            )
        )

    if remaining > 0:
        sold = _EXACT.subtract(tranche, remaining)
        raise PricingError(
            f"Only {sold:,.2f} of Common Stock was sold, fewer than the {tranche:,.2f} that"
            " sets the Conversion Price (§5.1): no Conversion Price."
        )
    shares_counted = sum((line.shares_counted for line in lines), Fraction(0))
    return PriceComputation(
        price=_round_half_up(Fraction(tranche) / shares_counted, PRICE_PLACES),
        shares_counted=shares_counted,
        tranche=tranche,
        lines=tuple(lines),
    )


def _whole_if_whole(value: Decimal) -> int | Decimal:
    """A count as an int when it is whole (150,000 shares), else the exact Decimal."""
    return int(value) if value == value.to_integral_value() else value.normalize()


def _round_half_up(value: Fraction, places: int) -> Decimal:
    """Round a non-negative exact value half-up to ``places`` decimals."""
    scaled = value * 10**places
    whole = scaled.numerator // scaled.denominator
    if scaled - whole >= Fraction(1, 2):
        whole += 1
    return Decimal(f"{whole}e-{places}")


def _check_sales(sales: Sequence[Sale], unit_terms: UnitTerms | None) -> None:
    if not sales:
        raise PricingError("An offering needs at least one sale.")
    for number, sale in enumerate(sales, start=1):
        _check_sale(number, sale)
    if any(sale.is_unit_sale for sale in sales):
        if unit_terms is None:
            raise PricingError(
                "The offering has unit sales but no unit terms (shares and warrants per unit)."
            )
        _check_unit_terms(unit_terms)


def _is_exact_number(value) -> bool:
    """An int or a finite Decimal: never a float, whose binary value is not the one written."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, Decimal) and value.is_finite()


def _check_sale(number: int, sale: Sale) -> None:
    per_share = (sale.shares, sale.price_per_share)
    per_unit = (sale.units, sale.unit_price)
    share_form = all(v is not None for v in per_share) and all(v is None for v in per_unit)
    unit_form = all(v is not None for v in per_unit) and all(v is None for v in per_share)
    if not (share_form or unit_form):
        raise PricingError(
            f"Sale {number} must give either shares and price per share, or units and "
            "unit price — exactly one of the two."
        )
    count, price = per_unit if unit_form else per_share
    count_name, price_name = ("units", "unit price") if unit_form else ("shares", "price per share")
    if not isinstance(count, int) or isinstance(count, bool) or count <= 0:
        raise PricingError(
            f"Sale {number}: {count_name} must be a positive whole number, got {count!r}."
        )
    if not isinstance(price, Decimal):
        raise PricingError(f"Sale {number}: {price_name} must be a Decimal, got {price!r}.")
    if not price.is_finite() or price <= 0:
        raise PricingError(f"Sale {number}: {price_name} must be positive, got {price}.")


def _check_unit_terms(terms: UnitTerms) -> None:
    shares, warrants = terms.shares_per_unit, terms.warrants_per_unit
    if not _is_exact_number(shares) or shares <= 0:
        raise PricingError(
            "Shares per unit must be a number greater than 0 (a unit may hold part of a "
            f"share, e.g. 0.5), got {shares}."
        )
    if not _is_exact_number(warrants) or warrants < 0:
        raise PricingError(
            "Warrants per unit must be 0 or more (e.g. 0.5 for one-half of one warrant), "
            f"got {warrants}."
        )
    allocation = terms.share_allocation
    if allocation is not None and not Decimal(0) < allocation <= Decimal(1):
        raise PricingError(
            "The share allocation is the fraction of the unit price allocated to its "
            f"shares: more than 0 and at most 1, got {allocation}."
        )
