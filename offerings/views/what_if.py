"""What if the notes converted at a price on a day? A read-only page (§5, §7).

Pick a hypothetical Conversion Price and day — or enter an offering's sales,
in order, and the price is derived as §5.1 says (`price_from_sales`) — and
optionally a series; the page shows each active note's Note Amount on that
day (its position), the shares and cash in lieu it would convert into, the
totals, and, given the shares outstanding before, the fully diluted count.
A GET form: bookmarkable, and nothing is recorded (the computation is
`offerings.services.preview.conversion_what_if`, which writes nothing).
"""

from __future__ import annotations

from django.template.response import TemplateResponse
from django.views import View

from core.views import StaffPageMixin
from offerings.forms import WhatIfForm
from offerings.services.preview import (
    WhatIfPriceUnavailable,
    conversion_what_if,
    what_if_price,
)
from offerings.services.prices import CONTRACT_TRANCHE


class WhatIfView(StaffPageMixin, View):
    def get(self, request):
        form = WhatIfForm(request.GET or None)
        result = None
        if form.is_valid():
            data = form.cleaned_data
            price, explanation = data["price"], ""
            if price is None:
                tranche = data["series"].price_tranche if data["series"] else CONTRACT_TRANCHE
                try:
                    price, explanation = what_if_price(data["sales"], tranche)
                except WhatIfPriceUnavailable as exc:
                    form.add_error("sales", str(exc))
            if price is not None:
                result = conversion_what_if(
                    day=data["day"],
                    price=price,
                    series=data["series"],
                    shares_before=data["shares_before"],
                    price_explanation=explanation,
                )
        return TemplateResponse(request, "offerings/what_if.html", {"form": form, "result": result})
