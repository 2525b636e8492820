from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "NoteDesk machinery"

    def ready(self) -> None:
        from core import money_facts  # noqa: F401 - registers the money facts' system check
