from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = "Notices and deadlines"

    def ready(self) -> None:
        from notes.signals import note_timeline_collecting, servicing_run_finished
        from notices.receivers import note_timeline_entries, notices_after_servicing

        note_timeline_collecting.connect(
            note_timeline_entries, dispatch_uid="notices.note_timeline_entries"
        )
        servicing_run_finished.connect(
            notices_after_servicing, dispatch_uid="notices.notices_after_servicing"
        )
        from core.related_rows import related_rows_register
        from notices.models import Notice

        related_rows_register(Notice, "note")
