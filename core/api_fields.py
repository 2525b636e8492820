"""API field conventions (docs/api.md): money as two-place strings, rates as short strings."""

from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.exceptions import ValidationError


class MoneyAmountField(serializers.DecimalField):
    """A money amount: a decimal string with two places (`"100000.00"`)."""

    def __init__(self, **kwargs):
        # The input bound (the money columns' 16 digits); a figure only shown —
        # a total, interest accrued over decades — is shown whole, however long.
        kwargs.setdefault("max_digits", None if kwargs.get("read_only") else 16)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("coerce_to_string", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        if hasattr(value, "amount"):  # djmoney Money
            value = value.amount
        return super().to_representation(value)


class MoneyFigureField(MoneyAmountField):
    """A money figure an answer shows (a total, an accrual): two places, all its digits."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)


class RateField(serializers.DecimalField):
    """A rate or price: at least two places, no trailing zeros beyond them (`"0.10"`)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 9)
        kwargs.setdefault("decimal_places", 6)
        super().__init__(**kwargs)

    def to_representation(self, value):
        if value is None:
            return None
        value = Decimal(value).normalize()
        if value.as_tuple().exponent > -2:
            value = value.quantize(Decimal("0.01"))
        return format(value, "f")


def raise_as_api_error(exc: DjangoValidationError):
    """Turn a service's ValidationError into the API's 400 `{"field": [...]}` body."""
    if hasattr(exc, "error_dict"):
        detail = {
            ("non_field_errors" if field == "__all__" else field): messages
            for field, messages in exc.message_dict.items()
        }
    else:
        detail = {"detail": " ".join(exc.messages)}
    raise ValidationError(detail) from exc
