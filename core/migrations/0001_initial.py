"""IdempotencyRecord moves from the register app to the shared machinery.

The table (``notes_idempotencyrecord``) stays as it is: only Django's idea of
which app owns the model changes, so nothing is copied or locked.
"""

import django.core.serializers.json
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("notes", "0006_keyed_fingerprints"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='IdempotencyRecord',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(max_length=200)),
                        ('scope', models.CharField(help_text='Method and path the key was used on.', max_length=200)),
                        ('fingerprint', models.CharField(max_length=100)),
                        ('status_code', models.PositiveSmallIntegerField(null=True)),
                        ('body', models.JSONField(encoder=django.core.serializers.json.DjangoJSONEncoder, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'notes_idempotencyrecord',
                        'constraints': [models.UniqueConstraint(fields=('key', 'scope'), name='idempotency_key_per_scope')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
