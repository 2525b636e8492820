"""Sign-in receivers: start the session clocks and note the second-factor step."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from accounts.middleware import session_times_start, two_factor_step_store


@receiver(user_logged_in, dispatch_uid="accounts_session_times_start")
def _session_start(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        session_times_start(request.session)
        two_factor_step_store(request.session, user)
