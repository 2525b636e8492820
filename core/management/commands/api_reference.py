"""`manage.py api_reference`: write docs/api.md from the OpenAPI schema (`--check` to verify)."""

from django.core.management.base import BaseCommand, CommandError

from core.api_reference import OUTPUT, api_schema, render


class Command(BaseCommand):
    help = "Render docs/api.md from the OpenAPI schema."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true",
            help="Fail if docs/api.md differs from what the code renders; write nothing.",
        )

    def handle(self, *args, check: bool = False, **options):
        text = render(api_schema())
        current = OUTPUT.read_text() if OUTPUT.exists() else ""
        if check:
            if current != text:
                raise CommandError(f"{OUTPUT} is out of date; run `make api-docs`.")
            self.stdout.write(f"{OUTPUT} is up to date.")
            return
        OUTPUT.parent.mkdir(parents=True, exist_ok=True)
        OUTPUT.write_text(text)
        self.stdout.write(f"Wrote {OUTPUT}.")
