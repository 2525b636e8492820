"""Writes for notices, by capability (§6, §7, §12).

- `letters` — addressing, the figures each kind of letter states, the PDF.
- `making` — storing letters once under their purpose key.
- `job` — the notice job: what is due, in chunks, exactly once.
- `delivery` — print runs deposited in the mail, personal delivery.
- `recording` — notices received (§3), corrections of letters sent.
- `email` — courtesy copies by e-mail (never delivery).
"""
