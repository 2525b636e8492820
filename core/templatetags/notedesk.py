"""Display helpers; figures are never rounded here beyond what they already are."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def percent(rate) -> str:
    """A rate as a percentage without trailing zeros: Decimal("0.100000") → "10%"."""
    if rate in (None, ""):
        return ""
    value = (Decimal(rate) * 100).normalize()
    return f"{value:f}%"
