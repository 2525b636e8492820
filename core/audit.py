"""The audit trail: who changed what, and when.

django-pghistory installs PostgreSQL triggers that snapshot a row on every
insert, update and delete, so changes made by bulk and queryset updates (which
bypass `save()` and signals) are captured as well. `HistoryMiddleware`
attaches the acting user and URL to each event; services running outside a
request use `pghistory.context(...)` to say who acted.
"""

import pghistory


def audited(**kwargs):
    """Track inserts, updates and deletes of a model in its own event table."""
    return pghistory.track(
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        **kwargs,
    )
