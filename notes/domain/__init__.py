"""Pure-Python servicing rules of the convertible note: no Django, Decimal in, Decimal out."""
