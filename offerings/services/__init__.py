"""Writes for offerings, corporate events and conversions (§5, §6, §7), by capability.

- `qualification` — which offerings qualify for a series; the voluntary window.
- `dates` — nothing recorded ahead of its date or before the issuer's notes.
- `conversions` — carrying out a conversion: Note Amount, shares, cash in lieu.
- `prices` — Conversion Prices: an offering's, the one in effect, allocations
  and price determinations that complete waiting conversions.
- `elections` — §6.1 notices and Notices of Election (voluntary conversion).
- `outbox` — the conversion trigger: enqueued, relayed, carried out once.
- `four_eyes` — automatic-conversion triggers and price determinations held for approval.
- `recording` — recording offerings and corporate events with their trigger.

Imports point one way, down this list read bottom-up: recording → four_eyes → outbox →
elections → prices → conversions, and all of them → qualification / dates.
The names below are re-exported so `from offerings import services` keeps
working for callers; code inside the package imports from the module itself.
`notes_convert` and `conversion_trigger_enqueue` are deliberately not
re-exported: patch them where they are looked up (`outbox`, `four_eyes`).
"""

from offerings.services.conversions import notes_with_payments_after
from offerings.services.elections import election_record
from offerings.services.outbox import (
    conversion_trigger_process,
    conversion_triggers_process_pending,
    conversion_triggers_relay,
)
from offerings.services.prices import (
    conversion_price_determine,
    offering_allocation_record,
    offering_price_for,
    price_in_effect,
    shares_text,
)
from offerings.services.qualification import (
    offering_qualifies,
    series_thresholds,
    voluntary_window,
)
from offerings.services.recording import (
    event_record,
    offering_likely_duplicate,
    offering_record,
)

__all__ = [
    "conversion_price_determine",
    "conversion_trigger_process",
    "conversion_triggers_process_pending",
    "conversion_triggers_relay",
    "election_record",
    "event_record",
    "notes_with_payments_after",
    "offering_allocation_record",
    "offering_likely_duplicate",
    "offering_price_for",
    "offering_qualifies",
    "offering_record",
    "price_in_effect",
    "series_thresholds",
    "shares_text",
    "voluntary_window",
]
