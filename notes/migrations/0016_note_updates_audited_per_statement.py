"""A note's update events written once per UPDATE statement instead of once per row.

The same pghistory trigger name and event table; the trigger now runs once per
statement with the statement's old and new rows (transition tables), writes the
events of every changed row in one INSERT … SELECT and attaches the pghistory
context once (core.audit). A conversion ends 10,000 notes in one UPDATE.
"""


import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('notes', '0015_allocation_checked_per_insert'),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name='note',
            name='update_update',
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='note',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "notes_noteevent" ("created_at", "ended_on", "holder_id", "id", "issue_date", "maturity_date", "number", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "principal", "principal_currency", "series_id", "status") SELECT new_values."created_at", new_values."ended_on", new_values."holder_id", new_values."id", new_values."issue_date", new_values."maturity_date", new_values."number", _pgh_attached_context.value, NOW(), \'update\', new_values."id", new_values."principal", new_values."principal_currency", new_values."series_id", new_values."status" FROM ( SELECT new_values.* FROM new_values LEFT JOIN old_values ON (old_values."id") = (new_values."id") WHERE (old_values.* IS DISTINCT FROM new_values.*) ) AS new_values, _pgh_attached_context; RETURN NULL;', hash='2ce8b424afb95947ae7ef0130e95f87c6821efdf', level='STATEMENT', operation='UPDATE', pgid='pgtrigger_update_update_38f06', referencing='REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ', table='notes_note', when='AFTER')),
        ),
    ]
