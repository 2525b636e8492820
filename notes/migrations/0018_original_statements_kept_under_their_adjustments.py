"""An original statement is not deleted or renumbered from under its adjustments.

The other end of `statement_corrects_exists` (0015): what the corrects foreign key
refused at the end of a DELETE or UPDATE, checked once per statement over its old
rows. Statements are append-only, so it acts only when a data migration lifts that
guard; deleting an original together with its adjustments stays possible.
"""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('notes', '0017_merge_corrects_check_and_statement_level_audit'),
    ]

    operations = [
        pgtrigger.migrations.AddTrigger(
            model_name='intereststatement',
            trigger=pgtrigger.compiler.Trigger(name='corrected_statement_kept_on_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func="\n    IF EXISTS (\n        SELECT 1 FROM notes_intereststatement adjustment\n        WHERE adjustment.corrects_id IN (SELECT id FROM old_statements)\n          AND NOT EXISTS (\n              SELECT 1 FROM notes_intereststatement s WHERE s.id = adjustment.corrects_id\n          )\n    ) THEN\n        RAISE EXCEPTION 'corrected_statement_kept: a statement that adjustments correct'\n            ' would be gone' USING ERRCODE = 'foreign_key_violation';\n    END IF;\n    RETURN NULL;\n", hash='09e56415eb85775704f1af51da587cd71f6cb77b', level='STATEMENT', operation='DELETE', pgid='pgtrigger_corrected_statement_kept_on_delete_2e34a', referencing='REFERENCING OLD TABLE AS old_statements ', table='notes_intereststatement', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='intereststatement',
            trigger=pgtrigger.compiler.Trigger(name='corrected_statement_kept_on_update', sql=pgtrigger.compiler.UpsertTriggerSql(func="\n    IF EXISTS (\n        SELECT 1 FROM notes_intereststatement adjustment\n        WHERE adjustment.corrects_id IN (SELECT id FROM old_statements)\n          AND NOT EXISTS (\n              SELECT 1 FROM notes_intereststatement s WHERE s.id = adjustment.corrects_id\n          )\n    ) THEN\n        RAISE EXCEPTION 'corrected_statement_kept: a statement that adjustments correct'\n            ' would be gone' USING ERRCODE = 'foreign_key_violation';\n    END IF;\n    RETURN NULL;\n", hash='5ba7970572ff5c34d81abe7e82b416b61df02f06', level='STATEMENT', operation='UPDATE', pgid='pgtrigger_corrected_statement_kept_on_update_6d033', referencing='REFERENCING OLD TABLE AS old_statements ', table='notes_intereststatement', when='AFTER')),
        ),
    ]
