"""Staff pages for offerings, corporate events, conversions and Notices of Election (§5–§7).

As on the note pages, a view parses input, calls one service for a write, and
chooses what to render; whether an offering qualifies, what its price is and
what it converted come from `offerings.services` and the domain core. Finance
sees the forms; Auditors see the same pages without them and get 403 if they
POST anyway. A refusal comes back on the form and records nothing (the
services are atomic); a state conflict (the 409s of the API) comes back as a
message.

One module per page family; `offerings/urls.py` imports the views from them:

- `offerings`: the offerings and corporate events list, and their record forms
- `offering_detail`: one offering's page and its unit allocation
- `conversions`: the conversions list and price determination
- `elections`: the Notice of Election for a note
- `previews`: what recording an offering or event would convert, before it is recorded
- `cash`: a conversion's cash in lieu (§7), and recording it paid
- `what_if`: a hypothetical conversion at a price on a day; records nothing
- `shared`: what several of them use (active statuses, the conversion rows)
"""
