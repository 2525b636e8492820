"""Which offerings qualify for a series, and its voluntary window (§5.1, §5.2).

The thresholds are series terms: the same offering may be a $3 Million
Qualified Offering for one series of an issuer and not for another, so every
question "does this offering qualify?" is asked per series, under that series'
own thresholds (the rules themselves are in `offerings.domain.qualification`).
A $3 Million Qualified Offering opens a voluntary conversion window from its
closing date through the same day `voluntary_window_months` later (§5.1).
"""

from __future__ import annotations

from datetime import date

from notes.domain.periods import add_months
from notes.models import NoteSeries
from offerings.domain.qualification import Thresholds
from offerings.models import Offering


def offering_qualifies(offering: Offering, test) -> bool:
    """Whether an offering passes `test` (qualifies_voluntary / _automatic) for any series
    of its issuer, under each series' own thresholds (uses prefetched series)."""
    gross = offering.gross_proceeds.amount
    return any(
        test(offering.kind, gross, series_thresholds(s)) for s in offering.issuer.series.all()
    )


def series_thresholds(series: NoteSeries) -> Thresholds:
    return Thresholds(
        voluntary=series.voluntary_threshold,
        automatic=series.automatic_threshold,
        voting_power_pct=series.voting_power_threshold_pct,
    )


def voluntary_window(offering: Offering, series: NoteSeries) -> tuple[date, date]:
    """§5.1: from the closing date through the same day `voluntary_window_months` later."""
    return offering.closing_date, add_months(offering.closing_date, series.voluntary_window_months)
