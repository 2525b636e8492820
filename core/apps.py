from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "NoteDesk machinery"

    def ready(self):
        from core import encryption, task_signals  # noqa: F401 - connects their receivers
