"""Events of default (§3): DefaultEvent, append-only and audited, with its field rules."""

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notes', '0007_delete_idempotencyrecord'),
        ('pghistory', '0007_auto_20250421_0444'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='DefaultEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('payment_default_notice', 'Notice of payment default (§3(i))'), ('voluntary_bankruptcy', 'Voluntary bankruptcy or insolvency (§3(ii))'), ('involuntary_proceeding', 'Involuntary proceeding (§3(iii))'), ('receiver_appointment', 'Receiver or trustee appointed (§3(iii))'), ('resolved', 'Dismissed, stayed or vacated (§3(iii))'), ('acceleration', 'Declaration of acceleration (§3)')], max_length=24)),
                ('date', models.DateField(help_text="A notice: the day it was personally received or deposited in the mail. A proceeding or appointment: its commencement. Resolved: the dismissal, stay or vacatur. Acceleration: the declaration's delivery or deposit.")),
                ('delivery_method', models.CharField(blank=True, choices=[('personal', 'Personal delivery'), ('mail', 'United States mail')], default='', help_text='Written notices only (§12).', max_length=8)),
                ('deemed_delivered_on', models.DateField(blank=True, help_text='§12: the receipt date in person; business days after deposit by mail.', null=True)),
                ('description', models.TextField(blank=True, default='')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('note', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='default_events', to='notes.note')),
                ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('resolves', models.ForeignKey(blank=True, help_text='The proceeding or appointment that was dismissed, stayed or vacated.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='resolutions', to='notes.defaultevent')),
            ],
            options={
                'ordering': ['note', 'date', 'id'],
            },
        ),
        migrations.CreateModel(
            name='DefaultEventEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('kind', models.CharField(choices=[('payment_default_notice', 'Notice of payment default (§3(i))'), ('voluntary_bankruptcy', 'Voluntary bankruptcy or insolvency (§3(ii))'), ('involuntary_proceeding', 'Involuntary proceeding (§3(iii))'), ('receiver_appointment', 'Receiver or trustee appointed (§3(iii))'), ('resolved', 'Dismissed, stayed or vacated (§3(iii))'), ('acceleration', 'Declaration of acceleration (§3)')], max_length=24)),
                ('date', models.DateField(help_text="A notice: the day it was personally received or deposited in the mail. A proceeding or appointment: its commencement. Resolved: the dismissal, stay or vacatur. Acceleration: the declaration's delivery or deposit.")),
                ('delivery_method', models.CharField(blank=True, choices=[('personal', 'Personal delivery'), ('mail', 'United States mail')], default='', help_text='Written notices only (§12).', max_length=8)),
                ('deemed_delivered_on', models.DateField(blank=True, help_text='§12: the receipt date in person; business days after deposit by mail.', null=True)),
                ('description', models.TextField(blank=True, default='')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('note', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='notes.note')),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='notes.defaultevent')),
                ('recorded_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL)),
                ('resolves', models.ForeignKey(blank=True, db_constraint=False, help_text='The proceeding or appointment that was dismissed, stayed or vacated.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='notes.defaultevent')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.AddConstraint(
            model_name='defaultevent',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['payment_default_notice', 'voluntary_bankruptcy', 'involuntary_proceeding', 'receiver_appointment', 'resolved', 'acceleration'])), name='default_event_kind'),
        ),
        migrations.AddConstraint(
            model_name='defaultevent',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('deemed_delivered_on__gte', models.F('date')), ('delivery_method__in', ['personal', 'mail']), ('kind__in', ['payment_default_notice', 'acceleration'])), models.Q(models.Q(('kind__in', ['payment_default_notice', 'acceleration']), _negated=True), ('deemed_delivered_on__isnull', True), ('delivery_method', '')), _connector='OR'), name='default_event_delivery'),
        ),
        migrations.AddConstraint(
            model_name='defaultevent',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('delivery_method', 'personal'), _negated=True), ('deemed_delivered_on', models.F('date')), _connector='OR'), name='default_event_personal_delivered_on_receipt'),
        ),
        migrations.AddConstraint(
            model_name='defaultevent',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'resolved'), ('resolves__isnull', False)), models.Q(models.Q(('kind', 'resolved'), _negated=True), ('resolves__isnull', True)), _connector='OR'), name='default_event_resolved_names_what'),
        ),
        migrations.AddConstraint(
            model_name='defaultevent',
            constraint=models.UniqueConstraint(fields=('resolves',), name='default_event_resolved_once'),
        ),
        migrations.AddConstraint(
            model_name='defaultevent',
            constraint=models.UniqueConstraint(condition=models.Q(('kind', 'acceleration')), fields=('note',), name='default_event_one_acceleration'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='defaultevent',
            trigger=pgtrigger.compiler.Trigger(name='append_only', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;", hash='a63b56a19b2a1ef17495651d1577e61155e62b91', operation='UPDATE OR DELETE', pgid='pgtrigger_append_only_8691c', table='notes_defaultevent', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='defaultevent',
            trigger=pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "notes_defaulteventevent" ("created_at", "date", "deemed_delivered_on", "delivery_method", "description", "id", "kind", "note_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "recorded_by_id", "resolves_id") VALUES (NEW."created_at", NEW."date", NEW."deemed_delivered_on", NEW."delivery_method", NEW."description", NEW."id", NEW."kind", NEW."note_id", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."recorded_by_id", NEW."resolves_id"); RETURN NULL;', hash='20719486f994eb79ef8d8e583a61f04e2c02f5ae', operation='INSERT', pgid='pgtrigger_insert_insert_a1f18', table='notes_defaultevent', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='defaultevent',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "notes_defaulteventevent" ("created_at", "date", "deemed_delivered_on", "delivery_method", "description", "id", "kind", "note_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "recorded_by_id", "resolves_id") VALUES (NEW."created_at", NEW."date", NEW."deemed_delivered_on", NEW."delivery_method", NEW."description", NEW."id", NEW."kind", NEW."note_id", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."recorded_by_id", NEW."resolves_id"); RETURN NULL;', hash='d05e02c2fa07081f8e6836367ba9240e54573d41', operation='UPDATE', pgid='pgtrigger_update_update_63ab4', table='notes_defaultevent', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='defaultevent',
            trigger=pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "notes_defaulteventevent" ("created_at", "date", "deemed_delivered_on", "delivery_method", "description", "id", "kind", "note_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "recorded_by_id", "resolves_id") VALUES (OLD."created_at", OLD."date", OLD."deemed_delivered_on", OLD."delivery_method", OLD."description", OLD."id", OLD."kind", OLD."note_id", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."recorded_by_id", OLD."resolves_id"); RETURN NULL;', hash='ce09f5bb8b3f1fa79aaa261da8ec8cdd145f1126', operation='DELETE', pgid='pgtrigger_delete_delete_049c5', table='notes_defaultevent', when='AFTER')),
        ),
    ]
