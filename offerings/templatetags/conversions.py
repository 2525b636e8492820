"""How a conversion's figures are made, for the conversion pages (§5.1, §7)."""

from django import template

from notes.domain.conversion import shares_working

register = template.Library()


@register.filter
def conversion_working(conversion) -> str:
    """A done conversion's own arithmetic (§5.1, §7), from its stored Note Amount and price.

    The shares and cash shown beside it are the stored ones; the working is the
    domain's, so were they ever to disagree the row says so rather than hide it.
    """
    if conversion.conversion_price is None or conversion.shares is None:
        return ""
    working = shares_working(
        note_amount=conversion.note_amount, price=conversion.conversion_price
    )
    text = working.explanation()
    if (working.shares, working.cash_in_lieu) != (conversion.shares, conversion.cash_in_lieu):
        text += (
            f" — differs from the recorded {conversion.shares:,} shares and "
            f"{conversion.cash_in_lieu:,.2f} cash in lieu"
        )
    return text
