"""Display helpers; figures are never rounded here beyond what they already are."""

import functools
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.signals import setting_changed
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import floatformat
from django.urls import get_script_prefix, reverse
from django.utils.formats import get_format
from django.utils.translation import get_language

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


@functools.lru_cache(maxsize=64)
def _point_decimals(language: str | None) -> bool:
    # The language's decimal separator, looked up once (the settings' changes clear it).
    return get_format("DECIMAL_SEPARATOR", language) == "."


@register.filter(is_safe=True)
def money(value) -> str:
    """``{{ x|money }}`` = ``{{ x|floatformat:2|intcomma }}``: 1234567.5 → "1,234,567.50"."""
    if (
        type(value) is Decimal
        and value.is_finite()
        and value.adjusted() < 20
        and not settings.USE_THOUSAND_SEPARATOR
        and _point_decimals(get_language())
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


# --- Links to the records of a list ----------------------------------------------------------
#
# `{% url %}` walks the URL configuration for every link; a list of 50 notes with two links a
# row spent more on that than on its rows. A route whose one argument is a record's integer
# key is reversed once per process (and script prefix) with a marker in the key's place; each
# link is the marker replaced by the key (tests/core/test_display_filters.py proves it equal
# to `reverse`).

_KEY_MARKER = 918_273_645_546_372_819


@functools.lru_cache(maxsize=128)
def _route_around_key(name: str, script_prefix: str) -> tuple[str, str]:
    url = reverse(name, args=[_KEY_MARKER])
    head, marker, tail = url.partition(str(_KEY_MARKER))
    if not marker or str(_KEY_MARKER) in tail:
        raise ValueError(f"The route {name!r} does not take one integer key.")
    return head, tail


@register.filter
def record_url(pk, name: str) -> str:
    """``{{ n.pk|record_url:"note-detail" }}`` = ``{% url "note-detail" n.pk %}``."""
    head, tail = _route_around_key(name, get_script_prefix())
    return f"{head}{int(pk)}{tail}"


def _settings_changed(**kwargs) -> None:
    _point_decimals.cache_clear()
    _route_around_key.cache_clear()


setting_changed.connect(_settings_changed, dispatch_uid="notedesk.display_caches")
