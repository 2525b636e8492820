"""IdempotencyRecord now belongs to the shared machinery (core); its table stays."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("notes", "0006_keyed_fingerprints"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="IdempotencyRecord")],
            database_operations=[],
        ),
    ]
