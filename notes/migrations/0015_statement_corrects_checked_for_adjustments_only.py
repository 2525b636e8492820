"""InterestStatement.corrects checked by a trigger for adjustments only.

The foreign key queued its check for every statement written, originals
(corrects null, nearly every row) included, and ran each at commit;
`statement_corrects_exists` is a deferred constraint trigger whose condition
(corrects set) is evaluated as the row is written, so an original queues
nothing. Statements are never updated or deleted (append_only), so the insert
is the only way to a dangling link. The trigger is created before the key is
dropped, in one transaction; the reverse adds the key back (checking every
adjustment) and drops the trigger.
"""

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notes', '0014_merge_statement_and_allocation_checks'),
    ]

    operations = [
        pgtrigger.migrations.AddTrigger(
            model_name='intereststatement',
            trigger=pgtrigger.compiler.Trigger(name='statement_corrects_exists', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (NEW."corrects_id" IS NOT NULL)', constraint='CONSTRAINT', func="\n    IF NOT EXISTS (SELECT 1 FROM notes_intereststatement WHERE id = NEW.corrects_id) THEN\n        RAISE EXCEPTION 'statement_corrects_exists: statement % corrects %, which does not exist',\n            NEW.id, NEW.corrects_id USING ERRCODE = 'foreign_key_violation';\n    END IF;\n    RETURN NULL;\n", hash='6c5e589422d7bcd3db154d38fbe53f6ea005f87e', operation='INSERT', pgid='pgtrigger_statement_corrects_exists_a0349', table='notes_intereststatement', timing='DEFERRABLE INITIALLY DEFERRED', when='AFTER')),
        ),
        migrations.AlterField(
            model_name='intereststatement',
            name='corrects',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, help_text="The period's original statement this adjustment corrects.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='adjustments', to='notes.intereststatement'),
        ),
    ]
