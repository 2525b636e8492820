"""How a conversion's figures are made, for the conversion pages (§5.1, §7)."""

from django import template

from core.permissions import is_finance
from notes.domain.conversion import shares_working
from offerings.forms import CashInLieuForm
from offerings.models import Conversion
from offerings.services.cash import cash_in_lieu_summary

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


@register.simple_tag
def cash_in_lieu(conversion, as_of=None) -> dict | None:
    """A done conversion's cash in lieu: due, paid, unpaid, and paid / late / overdue (§7).

    Reads the conversion's `cash_payments` (prefetched by the conversion lists).
    """
    return cash_in_lieu_summary(conversion, as_of)


@register.inclusion_tag("offerings/_note_conversion.html", takes_context=True)
def note_conversion(context, note):
    """On a converted note's page: its conversion and the cash in lieu (§5, §7), with the
    form that records the cash paid (Finance). The notes app never imports this one."""
    conversion = (
        Conversion.objects.filter(note=note)
        .select_related("offering", "event")
        .prefetch_related("cash_payments")
        .first()
    )
    request = context.get("request")
    finance = bool(request and is_finance(request.user))
    cash = cash_in_lieu(conversion) if conversion else None
    form = None
    if finance and cash and cash["payable"]:
        form = CashInLieuForm(initial={"amount": cash["state"].unpaid})
    return {
        "conversion": conversion,
        "cash": cash,
        "payments": (
            sorted(conversion.cash_payments.all(), key=lambda p: (p.paid_on, p.pk))
            if conversion else []
        ),
        "cash_form": form,
        "next": request.get_full_path() if request else "",
        "csrf_token": context.get("csrf_token"),
    }
