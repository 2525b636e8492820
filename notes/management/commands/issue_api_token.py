from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token

from core.permissions import is_staff_reader


class Command(BaseCommand):
    help = "Print the API token of a staff user (Finance or Auditor), creating it if needed."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if not is_staff_reader(user):
            raise CommandError(
                f"{username!r} is not Finance or Auditor staff; holders get no API token."
            )
        token, _ = Token.objects.get_or_create(user=user)
        self.stdout.write(token.key)
