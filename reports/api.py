"""`reports/…` and `exports/ocf/`: the month-end package for the ledger and the cap table.

Finance and Auditors read (holders and anonymous callers never: 403, 401).
Each report answers JSON — its rows paginated (``page``, ``page_size``;
``count``, ``next``, ``previous``, ``results``) with the ``totals`` of all of
them — or, with ``?format=csv`` / ``?format=xlsx``, the whole report as a
file. Bad parameters answer 400 with a message per field.
"""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api_fields import MoneyFigureField
from core.permissions import is_finance
from notes.models import NoteSeries, NoteStatus
from reports import exports, selectors
from reports.domain.journal import journal_totals
from reports.forms import CURRENCY_RE, MAX_YEAR, MIN_YEAR, parse_month
from reports.ocf import series_ocf_export
from reports.services import tax_id_disclosure_record

FILE_FORMATS = ("csv", "xlsx")
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


class _FileRenderer(BaseRenderer):
    """Passes a ready file through; the view writes it (``exports``)."""

    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class CSVRenderer(_FileRenderer):
    media_type = "text/csv"
    format = "csv"


class XLSXRenderer(_FileRenderer):
    media_type = exports.CONTENT_TYPES["xlsx"]
    format = "xlsx"


# --- Parameters ---------------------------------------------------------------------------


class _ReportParams(serializers.Serializer):
    currency = serializers.RegexField(
        CURRENCY_RE, required=False, default=selectors.DEFAULT_CURRENCY,
        error_messages={"invalid": "An ISO 4217 code in capitals, e.g. USD."},
    )
    page = serializers.IntegerField(required=False, min_value=1, default=1)
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=DEFAULT_PAGE_SIZE
    )


class NotesOutstandingParams(_ReportParams):
    as_of = serializers.DateField(help_text="YYYY-MM-DD: the position at the end of this day.")
    series = serializers.PrimaryKeyRelatedField(queryset=NoteSeries.objects.all(), required=False)
    status = serializers.ChoiceField(
        choices=[NoteStatus.OUTSTANDING, NoteStatus.ACCELERATED], required=False
    )
    past_due = serializers.BooleanField(required=False, default=False)

    def validate_as_of(self, value):
        if value.year < MIN_YEAR or value.year > MAX_YEAR:
            raise ValidationError(f"Give a day between {MIN_YEAR} and {MAX_YEAR}.")
        return value


class AccrualJournalParams(_ReportParams):
    month = serializers.CharField(help_text="YYYY-MM")

    def validate_month(self, value):
        try:
            year, month = parse_month(value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
        today = timezone.localdate()
        if (year, month) > (today.year, today.month):
            raise ValidationError(
                f"{value} has not begun; the journal is for a month up to this one "
                f"({today:%Y-%m})."
            )
        return (year, month)


class InterestPaidParams(_ReportParams):
    year = serializers.IntegerField(min_value=MIN_YEAR, max_value=MAX_YEAR)
    tax_id = serializers.ChoiceField(
        choices=["masked", "full"], required=False, default="masked",
        help_text="`full` (Finance only) shows full tax IDs and is recorded in the audit trail.",
    )


class PaymentsRegisterParams(_ReportParams):
    date_from = serializers.DateField(help_text="YYYY-MM-DD: the first value date counted.")
    date_to = serializers.DateField(help_text="YYYY-MM-DD: the last value date counted.")

    def validate(self, attrs):
        for name in ("date_from", "date_to"):
            if not MIN_YEAR <= attrs[name].year <= MAX_YEAR:
                raise ValidationError({name: [f"Give a day between {MIN_YEAR} and {MAX_YEAR}."]})
        if attrs["date_from"] > attrs["date_to"]:
            raise ValidationError({"date_to": ["The range ends before it begins."]})
        return attrs


class OcfParams(serializers.Serializer):
    series = serializers.PrimaryKeyRelatedField(queryset=NoteSeries.objects.all())


# --- Responses (for the schema and docs/api.md) -------------------------------------------


class OutstandingRowSerializer(serializers.Serializer):
    note = serializers.IntegerField(source="note_id")
    number = serializers.CharField()
    series = serializers.IntegerField(source="series_id")
    holder = serializers.CharField(source="holder_name")
    issue_date = serializers.DateField()
    maturity_date = serializers.DateField()
    status = serializers.CharField()
    currency = serializers.CharField()
    outstanding_principal = MoneyFigureField()
    accrued_unpaid_interest = MoneyFigureField()
    past_due_interest = MoneyFigureField()
    interest_due_this_month = MoneyFigureField()
    note_amount = MoneyFigureField()


class OutstandingTotalsSerializer(serializers.Serializer):
    notes = serializers.IntegerField()
    outstanding_principal = MoneyFigureField()
    accrued_unpaid_interest = MoneyFigureField()
    past_due_interest = MoneyFigureField()
    interest_due_this_month = MoneyFigureField()
    note_amount = MoneyFigureField()


class _Page(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    currency = serializers.CharField()


class NotesOutstandingResponse(_Page):
    as_of = serializers.DateField()
    results = OutstandingRowSerializer(many=True)
    totals = OutstandingTotalsSerializer()


class JournalLineSerializer(serializers.Serializer):
    date = serializers.DateField()
    account = serializers.CharField(source="account.name")
    account_code = serializers.CharField(source="account.code")
    debit = MoneyFigureField()
    credit = MoneyFigureField()
    note = serializers.IntegerField(source="note_id", allow_null=True)
    note_number = serializers.CharField()
    entry = serializers.CharField(
        help_text="accrual, interest_paid, principal_repaid, conversion, price_determination "
        "or cash_in_lieu_paid"
    )
    memo = serializers.CharField()


class JournalTotalsSerializer(serializers.Serializer):
    debit = MoneyFigureField()
    credit = MoneyFigureField()
    interest_expense = MoneyFigureField(help_text="The month's accrual (§2).")


class AccrualJournalResponse(_Page):
    month = serializers.CharField()
    through = serializers.DateField(help_text="The last day counted (today for this month).")
    par_value = serializers.CharField(help_text="Common Stock par value per share used.")
    results = JournalLineSerializer(many=True)
    totals = JournalTotalsSerializer()


class InterestPaidRowSerializer(serializers.Serializer):
    holder = serializers.IntegerField(source="holder_id")
    name = serializers.CharField(source="holder_name")
    kind = serializers.CharField(source="holder_kind")
    tax_id_masked = serializers.CharField(source="tax_id", required=False)
    tax_id = serializers.CharField(required=False, help_text="Only with ?tax_id=full (Finance).")
    notes = serializers.IntegerField()
    payments = serializers.IntegerField()
    interest_paid = MoneyFigureField()


class InterestPaidTotalsSerializer(serializers.Serializer):
    holders = serializers.IntegerField()
    interest_paid = MoneyFigureField()


class InterestPaidResponse(_Page):
    year = serializers.IntegerField()
    results = InterestPaidRowSerializer(many=True)
    totals = InterestPaidTotalsSerializer()


class PaymentRowSerializer(serializers.Serializer):
    paid_on = serializers.DateField(help_text="The value date.")
    kind = serializers.ChoiceField(
        choices=["interest", "principal", "cash_in_lieu"],
        help_text="What it paid: interest, principal, or cash in lieu of a fractional share (§7).",
    )
    method = serializers.CharField()
    cash = serializers.BooleanField(
        help_text="False for a Note Amount settled in Common Stock (method `conversion`)."
    )
    note = serializers.IntegerField(source="note_id")
    note_number = serializers.CharField()
    holder = serializers.CharField(source="holder_name")
    amount = MoneyFigureField(help_text="Negative for a reversal.")
    currency = serializers.CharField()
    reference = serializers.CharField()
    record = serializers.CharField(help_text="`payment:ID` or `cash_in_lieu:ID`.")
    reverses = serializers.IntegerField(allow_null=True, help_text="The payment it reverses.")


class PaymentsTotalsSerializer(serializers.Serializer):
    interest = MoneyFigureField()
    principal = MoneyFigureField()
    cash_in_lieu = MoneyFigureField()
    cash = MoneyFigureField(help_text="interest + principal + cash_in_lieu: cash paid out.")
    converted = MoneyFigureField(help_text="Note Amounts settled in Common Stock, not cash.")


class PaymentsRegisterResponse(_Page):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    results = PaymentRowSerializer(many=True)
    totals = PaymentsTotalsSerializer()


class ConversionSummaryRowSerializer(serializers.Serializer):
    source = serializers.CharField(help_text="The offering or event that brought them about.")
    source_kind = serializers.ChoiceField(choices=["offering", "event", "other"])
    source_id = serializers.IntegerField(allow_null=True)
    series = serializers.CharField(source="series_name")
    currency = serializers.CharField()
    conversions = serializers.IntegerField()
    awaiting_price = serializers.IntegerField()
    principal_converted = MoneyFigureField()
    interest_converted = MoneyFigureField()
    note_amount = MoneyFigureField()
    shares = serializers.IntegerField()
    cash_in_lieu = MoneyFigureField()
    cash_in_lieu_paid = MoneyFigureField()
    cash_in_lieu_unpaid = MoneyFigureField()


class ConversionSummaryTotalsSerializer(serializers.Serializer):
    conversions = serializers.IntegerField()
    note_amount = MoneyFigureField()
    shares = serializers.IntegerField()
    cash_in_lieu = MoneyFigureField()
    cash_in_lieu_unpaid = MoneyFigureField()


class ConversionSummaryResponse(_Page):
    results = ConversionSummaryRowSerializer(many=True)
    totals = ConversionSummaryTotalsSerializer()


# --- Views --------------------------------------------------------------------------------


class _ReportView(APIView):
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer, XLSXRenderer]
    params_class: type[serializers.Serializer] = _ReportParams

    def perform_content_negotiation(self, request, force=False):
        try:
            return super().perform_content_negotiation(request, force)
        except Http404 as exc:
            raise ValidationError(
                {"format": ["Give format=csv or format=xlsx for a file, or leave it out."]}
            ) from exc

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors are JSON whatever file was asked for.
        if response.status_code >= 400 and getattr(
            request, "accepted_renderer", None
        ).__class__ in (CSVRenderer, XLSXRenderer):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    def params(self, request) -> dict:
        query = request.query_params.copy()
        query.pop("format", None)
        serializer = self.params_class(data=query)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def file_format(self, request) -> str | None:
        fmt = getattr(request.accepted_renderer, "format", None)
        return fmt if fmt in FILE_FORMATS else None

    def file_response(self, table: exports.Table, fmt: str) -> Response:
        response = Response(
            exports.table_bytes(table, fmt), content_type=exports.CONTENT_TYPES[fmt]
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{exports.filename_for(table, fmt)}"'
        )
        return response

    def page(self, request, items: list, params: dict) -> dict:
        size, number = params["page_size"], params["page"]
        count = len(items)
        start = (number - 1) * size
        if start and start >= count:
            raise ValidationError({"page": [f"There are {count} rows; no page {number}."]})

        def link(n):
            query = request.query_params.copy()
            query["page"] = n
            return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

        return {
            "count": count,
            "next": link(number + 1) if start + size < count else None,
            "previous": link(number - 1) if number > 1 else None,
            "results": items[start:start + size],
        }


_FORMAT = OpenApiParameter(
    "format", str, enum=list(FILE_FORMATS),
    description="`csv` or `xlsx`: the whole report as a file instead of JSON.",
)
_PAGING = [
    OpenApiParameter("page", {"type": "integer", "minimum": 1}),
    OpenApiParameter(
        "page_size", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
        description=f"Rows per page, at most {MAX_PAGE_SIZE}.",
    ),
    OpenApiParameter(
        "currency", {"type": "string", "pattern": CURRENCY_RE},
        description="ISO 4217; USD by default.",
    ),
]


class NotesOutstandingReport(_ReportView):
    """Each note outstanding at the end of a day: principal, accrued unpaid interest, past due."""

    params_class = NotesOutstandingParams

    @extend_schema(
        parameters=[
            OpenApiParameter("as_of", OpenApiTypes.DATE, required=True),
            OpenApiParameter("series", int),
            OpenApiParameter("status", str, enum=[NoteStatus.OUTSTANDING, NoteStatus.ACCELERATED]),
            OpenApiParameter("past_due", bool, description="Only notes with interest past due."),
            *_PAGING, _FORMAT,
        ],
        responses={200: NotesOutstandingResponse, (200, "text/csv"): OpenApiTypes.BINARY},
    )
    def get(self, request):
        p = self.params(request)
        filters = {
            "series_id": p["series"].pk if p.get("series") else None,
            "status": p.get("status"),
            "past_due_only": p["past_due"],
        }
        fmt = self.file_format(request)
        if fmt:
            return self.file_response(
                exports.notes_outstanding_table(
                    as_of=p["as_of"], currency=p["currency"], **filters
                ),
                fmt,
            )
        report = selectors.notes_outstanding_report(
            as_of=p["as_of"], currency=p["currency"], **filters
        )
        body = self.page(request, report.rows, p)
        return Response(
            {
                "as_of": p["as_of"],
                "currency": p["currency"],
                **body,
                "results": OutstandingRowSerializer(body["results"], many=True).data,
                "totals": OutstandingTotalsSerializer(report.totals).data,
            }
        )


class AccrualJournalReport(_ReportView):
    """A month's interest accrual and the journal entries behind it (§2, §11)."""

    params_class = AccrualJournalParams

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "month",
                {"type": "string", "pattern": r"^(?:19\d{2}|[2-9]\d{3})-(?:0[1-9]|1[0-2])$"},
                required=True, description="YYYY-MM, up to this month",
            ),
            *_PAGING, _FORMAT,
        ],
        responses={200: AccrualJournalResponse, (200, "text/csv"): OpenApiTypes.BINARY},
    )
    def get(self, request):
        p = self.params(request)
        year, month = p["month"]
        through = selectors.month_through(year, month, timezone.localdate())
        fmt = self.file_format(request)
        if fmt:
            return self.file_response(
                exports.accrual_journal_table(
                    year=year, month=month, currency=p["currency"], through=through
                ),
                fmt,
            )
        lines = list(
            selectors.month_journal_lines(
                year=year, month=month, currency=p["currency"], through=through
            )
        )
        totals = journal_totals(lines)
        expense = sum((x.debit for x in lines if x.entry == "accrual" and x.debit), selectors.ZERO)
        body = self.page(request, lines, p)
        return Response(
            {
                "month": f"{year:04d}-{month:02d}",
                "through": through,
                "currency": p["currency"],
                "par_value": str(selectors.par_value()),
                **body,
                "results": JournalLineSerializer(body["results"], many=True).data,
                "totals": JournalTotalsSerializer(
                    {"debit": totals.debit, "credit": totals.credit, "interest_expense": expense}
                ).data,
            }
        )


class InterestPaidReport(_ReportView):
    """Interest paid in cash per holder in a calendar year (Form 1099-INT box 1)."""

    params_class = InterestPaidParams

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "year", {"type": "integer", "minimum": MIN_YEAR, "maximum": MAX_YEAR},
                required=True,
            ),
            OpenApiParameter(
                "tax_id", str, enum=["masked", "full", ""],
                description="`masked` (empty or left out) or `full`.",
            ),
            *_PAGING, _FORMAT,
        ],
        responses={200: InterestPaidResponse, (200, "text/csv"): OpenApiTypes.BINARY},
    )
    def get(self, request):
        p = self.params(request)
        full = p["tax_id"] == "full"
        if full and not is_finance(request.user):
            raise PermissionDenied("Only Finance may see full tax IDs; Auditors see them masked.")
        rows = selectors.interest_paid_by_holder(
            year=p["year"], currency=p["currency"], full_tax_ids=full
        )
        if full:
            tax_id_disclosure_record(
                user=request.user, report="interest_paid",
                params={"year": p["year"], "currency": p["currency"]},
                holder_ids=[r.holder_id for r in rows], channel="api",
                path=request.get_full_path(),
            )
        fmt = self.file_format(request)
        if fmt:
            return self.file_response(
                exports.interest_paid_table(
                    year=p["year"], currency=p["currency"], full_tax_ids=full
                ),
                fmt,
            )
        body = self.page(request, rows, p)
        key = "tax_id" if full else "tax_id_masked"
        results = []
        for r in body["results"]:
            item = InterestPaidRowSerializer(r).data
            item.pop("tax_id_masked", None)
            item.pop("tax_id", None)
            item[key] = r.tax_id
            results.append(item)
        total = sum((r.interest_paid for r in rows), selectors.ZERO)
        return Response(
            {
                "year": p["year"],
                "currency": p["currency"],
                **body,
                "results": results,
                "totals": InterestPaidTotalsSerializer(
                    {"interest_paid": total, "holders": len(rows)}
                ).data,
            }
        )


class PaymentsRegister(_ReportView):
    """Every payment with a value date in a range: interest, principal, cash in lieu (§7)."""

    params_class = PaymentsRegisterParams

    @extend_schema(
        parameters=[
            OpenApiParameter("date_from", OpenApiTypes.DATE, required=True),
            OpenApiParameter("date_to", OpenApiTypes.DATE, required=True),
            *_PAGING, _FORMAT,
        ],
        responses={200: PaymentsRegisterResponse, (200, "text/csv"): OpenApiTypes.BINARY},
    )
    def get(self, request):
        p = self.params(request)
        fmt = self.file_format(request)
        if fmt:
            return self.file_response(
                exports.payments_register_table(
                    date_from=p["date_from"], date_to=p["date_to"], currency=p["currency"]
                ),
                fmt,
            )
        rows = selectors.payments_register(
            date_from=p["date_from"], date_to=p["date_to"], currency=p["currency"]
        )
        body = self.page(request, rows, p)
        return Response(
            {
                "date_from": p["date_from"],
                "date_to": p["date_to"],
                "currency": p["currency"],
                **body,
                "results": PaymentRowSerializer(body["results"], many=True).data,
                "totals": PaymentsTotalsSerializer(selectors.payments_totals(rows)).data,
            }
        )


class ConversionSummary(_ReportView):
    """Conversions per offering or corporate event: Note Amounts, shares, cash in lieu (§5, §7)."""

    params_class = _ReportParams

    @extend_schema(
        parameters=[*_PAGING, _FORMAT],
        responses={200: ConversionSummaryResponse, (200, "text/csv"): OpenApiTypes.BINARY},
    )
    def get(self, request):
        p = self.params(request)
        fmt = self.file_format(request)
        if fmt:
            return self.file_response(exports.conversion_summary_table(currency=p["currency"]), fmt)
        rows = selectors.conversion_summary(currency=p["currency"])
        body = self.page(request, rows, p)
        totals = {
            "conversions": sum(r.conversions for r in rows),
            "note_amount": sum((r.note_amount for r in rows), selectors.ZERO),
            "shares": sum(r.shares for r in rows),
            "cash_in_lieu": sum((r.cash_in_lieu for r in rows), selectors.ZERO),
            "cash_in_lieu_unpaid": sum((r.cash_in_lieu_unpaid for r in rows), selectors.ZERO),
        }
        return Response(
            {
                "currency": p["currency"],
                **body,
                "results": ConversionSummaryRowSerializer(body["results"], many=True).data,
                "totals": ConversionSummaryTotalsSerializer(totals).data,
            }
        )


class OcfExport(APIView):
    """A series' convertible issuances and conversions as Open Cap Table Format JSON."""

    @extend_schema(
        parameters=[OpenApiParameter("series", int, required=True)],
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="OCF files")},
    )
    def get(self, request):
        params = OcfParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        return Response(
            series_ocf_export(
                series=params.validated_data["series"], par_value=selectors.par_value()
            )
        )
