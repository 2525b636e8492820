from django.apps import AppConfig


class AmendmentsConfig(AppConfig):
    name = "amendments"
    verbose_name = "Amendments and waivers"

    def ready(self) -> None:
        from amendments.receivers import amendments_effect_before_servicing
        from notes.signals import servicing_cycle_starting

        servicing_cycle_starting.connect(
            amendments_effect_before_servicing,
            dispatch_uid="amendments.amendments_effect_before_servicing",
        )
