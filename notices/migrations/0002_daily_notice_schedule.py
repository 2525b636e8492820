"""The daily notice job in django-celery-beat, where an admin can see and change it."""

from django.conf import settings
from django.db import migrations

TASK_NAME = "Daily notice job"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="2", day_of_week="*", day_of_month="*", month_of_year="*",
        timezone=settings.TIME_ZONE,
    )
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": "notices.tasks.notices_daily_task",
            "crontab": crontab,
            "description": "Every notice due and not yet made: statement letters after the "
            "servicing run, §6.1 and §6.2 notices, cash in lieu (§7), maturity reminders, "
            "records of notices received; finishes runs a lost worker left (02:00 issuer time).",
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notices", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
