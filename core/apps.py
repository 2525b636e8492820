from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "NoteDesk machinery"

    def ready(self) -> None:
        # Connects their receivers; registers the money facts' system check.
        from core import encryption, money_facts, task_signals  # noqa: F401
