"""An allocation's payment and note checked by triggers instead of a foreign-key constraint.

The constraint (migration 0013) checked each allocation alone: an index probe
and a FOR KEY SHARE row lock on its payment. `allocation_payment_with_its_note`
checks each INSERT's (or UPDATE's) new rows at once, `payment_kept_while_allocated`
refuses to delete a payment that has allocations, or change its id or note; an
advisory lock serialises the two (notes/models.py, above Payment, says how). The
triggers are created before the constraint is dropped, in one transaction, and
the payments' unique (id, note_id), which existed only for the constraint to
name, goes last; the reverse adds both back (checking every allocation) before
dropping the triggers.
"""


import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('notes', '0014_merge_statement_and_allocation_checks'),
    ]

    operations = [
        pgtrigger.migrations.AddTrigger(
            model_name='payment',
            trigger=pgtrigger.compiler.Trigger(name='payment_kept_while_allocated', sql=pgtrigger.compiler.UpsertTriggerSql(func="\n    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.note_id = OLD.note_id THEN\n        RETURN NEW;\n    END IF;\n    IF current_setting('transaction_isolation') <> 'read committed' THEN\n        RAISE EXCEPTION 'payment_kept_while_allocated: payment % may be deleted'\n            ' only in READ COMMITTED', OLD.id USING ERRCODE = 'invalid_transaction_state';\n    END IF;\n    PERFORM pg_advisory_xact_lock(hashtext('notedesk.allocation_payments'));\n    IF EXISTS (SELECT 1 FROM notes_paymentallocation WHERE payment_id = OLD.id) THEN\n        RAISE EXCEPTION 'payment_kept_while_allocated: payment % has allocations', OLD.id\n            USING ERRCODE = 'foreign_key_violation';\n    END IF;\n    IF TG_OP = 'UPDATE' THEN\n        RETURN NEW;\n    END IF;\n    RETURN OLD;\n", hash='48f07160447da5b361edfa0d7ce797d5355bf9af', operation='DELETE OR UPDATE OF "id", "note_id"', pgid='pgtrigger_payment_kept_while_allocated_c2be3', table='notes_payment', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='paymentallocation',
            trigger=pgtrigger.compiler.Trigger(name='allocation_payment_with_its_note', sql=pgtrigger.compiler.UpsertTriggerSql(declare='DECLARE bad_payment bigint; bad_note bigint;', func="\n    PERFORM pg_advisory_xact_lock_shared(hashtext('notedesk.allocation_payments'));\n    IF current_setting('transaction_isolation') <> 'read committed' THEN\n        PERFORM 1 FROM notes_payment\n        WHERE id IN (SELECT payment_id FROM new_allocations) FOR KEY SHARE;\n    END IF;\n    SELECT a.payment_id, a.note_id INTO bad_payment, bad_note\n    FROM (SELECT DISTINCT payment_id, note_id FROM new_allocations) a\n    WHERE (SELECT p.note_id FROM notes_payment p WHERE p.id = a.payment_id)\n          IS DISTINCT FROM a.note_id\n    LIMIT 1;\n    IF bad_payment IS NOT NULL THEN\n        RAISE EXCEPTION 'allocation_payment_with_its_note: an allocation of payment % to note %,'\n            ' which is not a payment of that note', bad_payment, bad_note\n            USING ERRCODE = 'foreign_key_violation';\n    END IF;\n    RETURN NULL;\n", hash='a811639a835e9924e0961070938a1ba99fbcf2c3', level='STATEMENT', operation='INSERT', pgid='pgtrigger_allocation_payment_with_its_note_8daa8', referencing='REFERENCING NEW TABLE AS new_allocations ', table='notes_paymentallocation', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='paymentallocation',
            trigger=pgtrigger.compiler.Trigger(name='allocation_payment_with_its_note_on_update', sql=pgtrigger.compiler.UpsertTriggerSql(declare='DECLARE bad_payment bigint; bad_note bigint;', func="\n    PERFORM pg_advisory_xact_lock_shared(hashtext('notedesk.allocation_payments'));\n    IF current_setting('transaction_isolation') <> 'read committed' THEN\n        PERFORM 1 FROM notes_payment\n        WHERE id IN (SELECT payment_id FROM new_allocations) FOR KEY SHARE;\n    END IF;\n    SELECT a.payment_id, a.note_id INTO bad_payment, bad_note\n    FROM (SELECT DISTINCT payment_id, note_id FROM new_allocations) a\n    WHERE (SELECT p.note_id FROM notes_payment p WHERE p.id = a.payment_id)\n          IS DISTINCT FROM a.note_id\n    LIMIT 1;\n    IF bad_payment IS NOT NULL THEN\n        RAISE EXCEPTION 'allocation_payment_with_its_note: an allocation of payment % to note %,'\n            ' which is not a payment of that note', bad_payment, bad_note\n            USING ERRCODE = 'foreign_key_violation';\n    END IF;\n    RETURN NULL;\n", hash='176afe1ebe2dbc87071a9fa029cdb6bce5e17d31', level='STATEMENT', operation='UPDATE', pgid='pgtrigger_allocation_payment_with_its_note_on_update_7c848', referencing='REFERENCING NEW TABLE AS new_allocations ', table='notes_paymentallocation', when='AFTER')),
        ),
        migrations.RunSQL(
            sql="ALTER TABLE notes_paymentallocation DROP CONSTRAINT allocation_payment_with_its_note",
            reverse_sql=(
                "ALTER TABLE notes_paymentallocation ADD CONSTRAINT"
                " allocation_payment_with_its_note FOREIGN KEY (payment_id, note_id)"
                " REFERENCES notes_payment (id, note_id) DEFERRABLE INITIALLY DEFERRED"
            ),
        ),
        migrations.RemoveConstraint(
            model_name='payment',
            name='payment_with_its_note',
        ),
    ]
