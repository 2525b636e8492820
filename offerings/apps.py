from django.apps import AppConfig


class OfferingsConfig(AppConfig):
    name = "offerings"
    verbose_name = "Offerings and corporate events"

    def ready(self) -> None:
        from notes.signals import (
            note_timeline_collecting,
            payment_reversing,
            servicing_cycle_starting,
        )
        from offerings.receivers import (
            conversions_before_servicing,
            note_timeline_entries,
            reversal_refused_after_automatic_conversion,
        )

        servicing_cycle_starting.connect(
            conversions_before_servicing, dispatch_uid="offerings.conversions_before_servicing"
        )
        payment_reversing.connect(
            reversal_refused_after_automatic_conversion,
            dispatch_uid="offerings.reversal_refused_after_automatic_conversion",
        )
        note_timeline_collecting.connect(
            note_timeline_entries, dispatch_uid="offerings.note_timeline_entries"
        )
        from offerings.services.four_eyes import four_eyes_effects_register

        four_eyes_effects_register()
        from core.related_rows import related_rows_register
        from offerings.models import Conversion, Election

        for model in (Election, Conversion):
            related_rows_register(model, "note")
