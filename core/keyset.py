"""Keyset ("seek") pagination: pages that cost the same at row 50 and at row 99,950.

OFFSET pagination makes the database walk and throw away every row before
the page, so deep pages of a large list slow down linearly. A keyset page
asks instead for the rows after (or before) the last one shown, in a fixed
order of (sort value, id) — an index range scan, whatever the depth. The
links carry the boundary row's (value, id) as an opaque cursor; a cursor that
does not parse is ignored and the first page is shown.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet


def cursor_encode(value: Any, pk: int) -> str:
    if isinstance(value, date):
        value = value.isoformat()
    elif isinstance(value, Decimal):
        value = str(value)
    raw = json.dumps([value, pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_decode(token: str | None) -> tuple[Any, int] | None:
    if not token:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        value, pk = json.loads(raw)
    except (ValueError, TypeError):
        return None
    if not isinstance(pk, int) or isinstance(value, (list, dict)):
        return None
    return value, pk


@dataclass(frozen=True)
class KeysetPage:
    rows: list
    next_cursor: str | None
    previous_cursor: str | None

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def keyset_page(
    queryset: QuerySet,
    *,
    field: str,
    value_of: Callable[[Any], Any],
    descending: bool = False,
    after: str | None = None,
    before: str | None = None,
    last: bool = False,
    size: int = 50,
) -> KeysetPage:
    """One page of `queryset` ordered by (`field`, pk), after or before a cursor.

    Args:
        field: the lookup path of the sort column (`"holder__name"`); never null.
        value_of: reads that column's value from a row (for the cursors).
        after / before: the cursor of the last row of the previous page (Next)
            or the first row of the next one (Previous).
        last: the last page (no cursor).
    """
    pk = queryset.model._meta.pk.name
    backwards = bool(before) or last
    # Walking backwards is walking the reversed order forwards, then flipping the rows.
    reverse_order = descending != backwards
    direction = "-" if reverse_order else ""
    ordered = queryset.order_by(f"{direction}{field}", f"{direction}{pk}")
    boundary = cursor_decode(before if before else after) if not last else None
    if boundary is not None:
        value, boundary_pk = boundary
        op = "lt" if reverse_order else "gt"
        # (field, pk) beyond the boundary, written so that the first term is a range on
        # `field` alone: an index on (field, pk) then starts at the boundary and reads
        # on, where a bare OR would make the database collect every row past it first.
        ordered = ordered.filter(
            Q(**{f"{field}__{op}e": value}),
            Q(**{f"{field}__{op}": value}) | Q(**{f"{pk}__{op}": boundary_pk}),
        )
    elif before:
        backwards = False  # an unreadable cursor: the first page
        ordered = queryset.order_by(
            f"{'-' if descending else ''}{field}", f"{'-' if descending else ''}{pk}"
        )
    rows = list(ordered[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    if not rows:
        return KeysetPage(rows=[], next_cursor=None, previous_cursor=None)
    first, last_row = rows[0], rows[-1]
    first_cursor = cursor_encode(value_of(first), getattr(first, pk))
    last_cursor = cursor_encode(value_of(last_row), getattr(last_row, pk))
    if backwards:
        return KeysetPage(
            rows=rows,
            next_cursor=last_cursor if not last else None,
            previous_cursor=first_cursor if more else None,
        )
    return KeysetPage(
        rows=rows,
        next_cursor=last_cursor if more else None,
        previous_cursor=first_cursor if boundary is not None else None,
    )
