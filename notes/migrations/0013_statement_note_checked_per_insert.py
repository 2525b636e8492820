"""InterestStatement.note checked by triggers instead of a foreign-key constraint.

The constraint checked each statement alone (an index probe and a FOR KEY SHARE
row lock on its note); `statement_note_exists` checks each INSERT's new rows at
once and `stated_note_kept` refuses to delete a note that has statements, the
two serialised by an advisory lock (notes/models.py, above Note, says how).
The triggers are created before the constraint is dropped, in one transaction;
the reverse adds the constraint back (checking every statement) and drops them.
"""

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notes', '0012_merge_transfers_and_statement_indexes'),
    ]

    operations = [
        pgtrigger.migrations.AddTrigger(
            model_name='intereststatement',
            trigger=pgtrigger.compiler.Trigger(name='statement_note_exists', sql=pgtrigger.compiler.UpsertTriggerSql(declare='DECLARE lowest bigint; highest bigint; missing bigint;', func="\n    PERFORM pg_advisory_xact_lock_shared(hashtext('notedesk.statement_notes'));\n    IF current_setting('transaction_isolation') <> 'read committed' THEN\n        PERFORM 1 FROM notes_note\n        WHERE id IN (SELECT note_id FROM new_statements) FOR KEY SHARE;\n    END IF;\n    SELECT min(note_id), max(note_id) INTO lowest, highest FROM new_statements;\n    IF lowest IS NULL OR (SELECT count(*) FROM notes_note\n                          WHERE id BETWEEN lowest AND highest) = highest - lowest + 1 THEN\n        RETURN NULL;\n    END IF;\n    SELECT s.note_id INTO missing\n    FROM (SELECT DISTINCT note_id FROM new_statements) s\n    WHERE (SELECT n.id FROM notes_note n WHERE n.id = s.note_id) IS NULL\n    LIMIT 1;\n    IF missing IS NOT NULL THEN\n        RAISE EXCEPTION 'statement_note_exists: a statement of note %, which does not exist',\n            missing USING ERRCODE = 'foreign_key_violation';\n    END IF;\n    RETURN NULL;\n", hash='6f61df1ad8f167692416f6c92401ec334ef76425', level='STATEMENT', operation='INSERT', pgid='pgtrigger_statement_note_exists_e5519', referencing='REFERENCING NEW TABLE AS new_statements ', table='notes_intereststatement', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='note',
            trigger=pgtrigger.compiler.Trigger(name='stated_note_kept', sql=pgtrigger.compiler.UpsertTriggerSql(func="\n    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN\n        RETURN NEW;\n    END IF;\n    IF current_setting('transaction_isolation') <> 'read committed' THEN\n        RAISE EXCEPTION 'stated_note_kept: note % may be deleted only in READ COMMITTED', OLD.id\n            USING ERRCODE = 'invalid_transaction_state';\n    END IF;\n    PERFORM pg_advisory_xact_lock(hashtext('notedesk.statement_notes'));\n    IF EXISTS (SELECT 1 FROM notes_intereststatement WHERE note_id = OLD.id) THEN\n        RAISE EXCEPTION 'stated_note_kept: note % has statements', OLD.id\n            USING ERRCODE = 'foreign_key_violation';\n    END IF;\n    IF TG_OP = 'UPDATE' THEN\n        RETURN NEW;\n    END IF;\n    RETURN OLD;\n", hash='153d9d6e83e569ab9d0bf6685fa4618dda72077d', operation='DELETE OR UPDATE OF "id"', pgid='pgtrigger_stated_note_kept_3f35a', table='notes_note', when='BEFORE')),
        ),
        migrations.AlterField(
            model_name='intereststatement',
            name='note',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='statements', to='notes.note'),
        ),
    ]
