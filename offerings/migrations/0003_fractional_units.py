"""Units of part of a share or warrant: "one share and one-half of one warrant" (§5.1).

Shares and warrants per unit become exact decimals; the audit-event table keeps
the same columns. Existing whole numbers convert unchanged (1 → 1.000000).
"""

from django.db import migrations, models

PER_UNIT = {"blank": True, "decimal_places": 6, "max_digits": 12, "null": True}
SHARES_HELP = "Shares of Common Stock in one unit, e.g. 1 or 0.5."
WARRANTS_HELP = "Warrants in one unit, e.g. 0.5 for one-half of one warrant."


class Migration(migrations.Migration):

    dependencies = [
        ("offerings", "0002_relay_schedule"),
    ]

    operations = [
        migrations.AlterField(
            model_name="offering",
            name="shares_per_unit",
            field=models.DecimalField(help_text=SHARES_HELP, **PER_UNIT),
        ),
        migrations.AlterField(
            model_name="offering",
            name="warrants_per_unit",
            field=models.DecimalField(help_text=WARRANTS_HELP, **PER_UNIT),
        ),
        migrations.AlterField(
            model_name="offeringevent",
            name="shares_per_unit",
            field=models.DecimalField(help_text=SHARES_HELP, **PER_UNIT),
        ),
        migrations.AlterField(
            model_name="offeringevent",
            name="warrants_per_unit",
            field=models.DecimalField(help_text=WARRANTS_HELP, **PER_UNIT),
        ),
        migrations.AddConstraint(
            model_name="offering",
            constraint=models.CheckConstraint(
                condition=models.Q(("shares_per_unit__isnull", True), ("shares_per_unit__gt", 0),
                                   _connector="OR"),
                name="offering_shares_per_unit_positive",
            ),
        ),
        migrations.AddConstraint(
            model_name="offering",
            constraint=models.CheckConstraint(
                condition=models.Q(("warrants_per_unit__isnull", True),
                                   ("warrants_per_unit__gte", 0), _connector="OR"),
                name="offering_warrants_per_unit_not_negative",
            ),
        ),
    ]
