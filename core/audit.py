"""The audit trail: who changed what, and when.

django-pghistory installs PostgreSQL triggers that snapshot a row on every
insert, update and delete, so changes made by bulk and queryset updates (which
bypass `save()` and signals) are captured as well. `HistoryMiddleware`
attaches the acting user and URL to each event; services running outside a
request use `pghistory.context(...)` to say who acted.

A model whose rows are updated thousands at a time (the notes a conversion
ends) records its updates once per statement instead (`audited(updates=
STATEMENT)`): one trigger call with the statement's old and new rows
(transition tables) writes every changed row's event in one INSERT … SELECT,
and attaches the context once. The events are the same rows the per-row
trigger writes (`tests/core/test_audit_per_statement.py` compares them).
"""

import pghistory
import pgtrigger
from pghistory.trigger import Event

ROW = pghistory.Row
STATEMENT = pghistory.Statement


class _ChangedRowsEvent(Event):
    """pghistory's statement-level event trigger, pairing old and new rows by primary key
    with a LEFT JOIN: a row whose key the statement changed has no old row of that key,
    and is recorded, as the per-row trigger records it (pghistory's own pairing is an
    inner join, which would drop it)."""

    def get_func_template_kwargs(self, model):
        kwargs = super().get_func_template_kwargs(model)
        joined = kwargs["cond_new_values"]
        if not joined.startswith("old_values JOIN new_values ON "):  # pragma: no cover
            raise AssertionError(f"pghistory pairs a statement's rows otherwise: {joined!r}")
        kwargs["cond_new_values"] = joined.replace(
            "old_values JOIN new_values ON ", "new_values LEFT JOIN old_values ON ", 1
        )
        return kwargs


class _StatementUpdateEvent(pghistory.UpdateEvent):
    """pghistory.UpdateEvent, recorded once per statement (see the module docstring)."""

    level = STATEMENT

    def add_event_trigger(self, event_model):
        pgtrigger.register(
            _ChangedRowsEvent(
                event_model=event_model,
                label=self.label,
                name=self.trigger_name,
                row=self.row,
                operation=self.operation,
                condition=self.condition,
                level=self.level,
            )
        )(event_model.pgh_tracked_model)


def audited(*, updates=ROW, **kwargs):
    """Track inserts, updates and deletes of a model in its own event table.

    Args:
        updates: `STATEMENT` to record updates once per statement (the same
            events, for models updated in bulk); inserts and deletes are
            recorded per row.
    """
    return pghistory.track(
        pghistory.InsertEvent(),
        _StatementUpdateEvent() if updates == STATEMENT else pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        **kwargs,
    )
