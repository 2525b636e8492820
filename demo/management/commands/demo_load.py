from django.core.management.base import BaseCommand

from demo.loader import demo_load, demo_users_ensure


class Command(BaseCommand):
    help = "Load the demo register and logins (idempotent: running twice changes nothing)."

    def add_arguments(self, parser):
        parser.add_argument("--no-users", action="store_true", help="Skip the demo logins.")
        parser.add_argument(
            "--no-letters", action="store_true",
            help="Skip the register's letters (a few hundred PDFs; quicker).",
        )

    def handle(self, *args, **options):
        counts = demo_load(with_letters=not options["no_letters"])
        self.stdout.write(
            "Demo register: " + ", ".join(f"{n} {what}" for what, n in counts.items())
        )
        if options["no_users"]:
            return
        self.stdout.write("Demo logins (username / password — role):")
        for username, password, role in demo_users_ensure():
            self.stdout.write(f"  {username:<8} / {password} — {role}")
