from django.apps import AppConfig


class NotesConfig(AppConfig):
    name = "notes"
    verbose_name = "Note register"

    def ready(self) -> None:
        from notes.services.four_eyes import four_eyes_effects_register

        four_eyes_effects_register()
        # What a note's pages may skip reading when the note has none (core.related_rows).
        from core.related_rows import related_rows_register
        from notes.models import DefaultEvent, StopTransferInstruction, Transfer

        for model in (Transfer, StopTransferInstruction, DefaultEvent):
            related_rows_register(model, "note")
