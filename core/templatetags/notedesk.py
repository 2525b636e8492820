"""Display helpers; figures are never rounded here beyond what they already are."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import floatformat
from django.utils.formats import get_format

register = template.Library()


@register.filter
def percent(rate) -> str:
    """A rate as a percentage without trailing zeros: Decimal("0.100000") → "10%"."""
    if rate in (None, ""):
        return ""
    value = (Decimal(rate) * 100).normalize()
    return f"{value:f}%"


# --- Money and days in tables: the built-in filters' output, cheaper -------------------------
#
# A statement, timeline or history table formats hundreds of amounts and days per page, and
# `floatformat:2|intcomma` and `date:"Y-m-d"` are among the dearest parts of rendering it.
# These give exactly the same text (tests/core/test_display_filters.py proves it against the
# built-ins) and fall back to the built-ins for anything but the plain case.

CENT = Decimal("0.01")


@register.filter(is_safe=True)
def money(value) -> str:
    """``{{ x|money }}`` = ``{{ x|floatformat:2|intcomma }}``: 1234567.5 → "1,234,567.50"."""
    if (
        type(value) is Decimal
        and value.is_finite()
        and value.adjusted() < 20
        and not settings.USE_THOUSAND_SEPARATOR
        and get_format("DECIMAL_SEPARATOR") == "."
    ):
        # floatformat rounds half up, and never shows "-0.00".
        rounded = value.quantize(CENT, ROUND_HALF_UP)
        return f"{rounded if rounded else abs(rounded):,.2f}"
    return intcomma(floatformat(value, 2))


@register.filter(expects_localtime=True, is_safe=False)
def ymd(value) -> str:
    """``{{ day|ymd }}`` = ``{{ day|date:"Y-m-d" }}``: a day as 2025-07-01."""
    if type(value) is date:
        return value.isoformat()
    return date_filter(value, "Y-m-d")
