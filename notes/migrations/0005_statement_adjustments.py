"""Corrections of stated months become adjustment statements (§2).

Until now a statement issued for the month a note later (with an earlier
date) converted or was repaid in — or for a month after it — was only shown
as superseded, and a note whose principal was repaid while interest stayed
owed went on being stated (at 0.00 after its repayment month). Each such
statement now gets the void adjustment the servicing rules issue today: a
statement for minus its amount, pointing at it, so the period's standing
statements add up to zero, as the rules give it. (Statements of 0.00 are left
as they are: they add nothing, and the statement list leaves them out.)
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
        # Notes whose principal was repaid in full while interest stayed owed: nothing
        # accrues after that day, and its month gets no statement either (§2).
        cursor.execute(
            """
            WITH repaid AS (
                SELECT p.note_id, max(p.paid_on) AS zero_day
                FROM notes_payment p JOIN notes_note n ON n.id = p.note_id
                WHERE p.applies_to = 'principal' AND n.ended_on IS NULL
                GROUP BY p.note_id, n.principal
                HAVING sum(p.amount) = n.principal
            )
            INSERT INTO notes_intereststatement
                (note_id, period_start, period_end, due_date, days, amount, amount_currency,
                 rate, day_count, calculation, reason, corrects_id, created_at)
            SELECT s.note_id, s.period_start, s.period_end, s.due_date, s.days, -s.amount,
                   s.amount_currency, s.rate, s.day_count,
                   'Void: ' || to_char(s.amount, 'FM999,999,999,990.00') || ' less '
                       || to_char(s.amount, 'FM999,999,999,990.00') || ' = 0.00',
                   'The principal was repaid in full on ' || to_char(r.zero_day, 'YYYY-MM-DD')
                       || '; that month gets no statement and nothing accrues after it (§2).',
                   s.id, now()
            FROM notes_intereststatement s JOIN repaid r ON r.note_id = s.note_id
            WHERE s.corrects_id IS NULL AND s.amount > 0 AND s.period_end >= r.zero_day
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
