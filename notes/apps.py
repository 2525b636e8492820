from django.apps import AppConfig


class NotesConfig(AppConfig):
    name = "notes"
    verbose_name = "Note register"

    def ready(self) -> None:
        from notes.services.four_eyes import four_eyes_effects_register

        four_eyes_effects_register()
