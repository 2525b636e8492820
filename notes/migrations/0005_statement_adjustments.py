"""Corrections of stated months become adjustment statements (§2).

Until now a statement issued for the month a note later (with an earlier
date) converted or was repaid in — or for a month after it — was only shown
as superseded. Each such statement now gets the void adjustment the servicing
rules issue today: a statement for minus its amount, pointing at it, so the
period's standing statements add up to zero, as the rules give it.
"""

import django.db.models.deletion
from django.db import migrations, models


def void_statements_after_the_end(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO notes_intereststatement
                (note_id, period_start, period_end, due_date, days, amount, amount_currency,
                 rate, day_count, calculation, reason, corrects_id, created_at)
            SELECT s.note_id, s.period_start, s.period_end, s.due_date, s.days, -s.amount,
                   s.amount_currency, s.rate, s.day_count,
                   'Void: ' || to_char(s.amount, 'FM999,999,999,990.00') || ' less '
                       || to_char(s.amount, 'FM999,999,999,990.00') || ' = 0.00',
                   'The note was ' || n.status || ' on ' || to_char(n.ended_on, 'YYYY-MM-DD')
                       || '; the interest of that month is part of the Note Amount or the'
                       || ' payoff, and no later month accrues (§2).',
                   s.id, now()
            FROM notes_intereststatement s JOIN notes_note n ON n.id = s.note_id
            WHERE s.corrects_id IS NULL AND s.amount > 0 AND n.ended_on IS NOT NULL
              AND s.period_end >= n.ended_on
            """
        )


class Migration(migrations.Migration):

    dependencies = [
        ("notes", "0004_idempotency_record"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="intereststatement",
            options={"ordering": ["note", "period_start", "id"]},
        ),
        migrations.RemoveConstraint(
            model_name="intereststatement",
            name="statement_one_per_note_and_period",
        ),
        migrations.RemoveConstraint(
            model_name="intereststatement",
            name="statement_amount",
        ),
        migrations.AddField(
            model_name="intereststatement",
            name="corrects",
            field=models.ForeignKey(
                blank=True,
                help_text="The period's original statement this adjustment corrects.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="adjustments",
                to="notes.intereststatement",
            ),
        ),
        migrations.AddField(
            model_name="intereststatement",
            name="reason",
            field=models.TextField(
                blank=True, db_default="", default="", help_text="Why an adjustment was issued."
            ),
        ),
        migrations.AddConstraint(
            model_name="intereststatement",
            constraint=models.UniqueConstraint(
                condition=models.Q(("corrects__isnull", True)),
                fields=("note", "period_start"),
                name="statement_one_per_note_and_period",
            ),
        ),
        migrations.AddConstraint(
            model_name="intereststatement",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("amount__gte", 0), ("corrects__isnull", True)),
                    models.Q(("corrects__isnull", False), models.Q(("amount", 0), _negated=True)),
                    _connector="OR",
                ),
                name="statement_amount",
            ),
        ),
        migrations.AddConstraint(
            model_name="intereststatement",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("corrects__isnull", True),
                    models.Q(("reason", ""), _negated=True),
                    _connector="OR",
                ),
                name="statement_adjustment_has_reason",
            ),
        ),
        migrations.RunPython(void_statements_after_the_end, migrations.RunPython.noop),
    ]
