from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and sign-in"

    def ready(self):
        from accounts import receivers  # noqa: F401 - connects the sign-in receivers
