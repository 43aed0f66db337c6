from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Load the Greater Manchester demo data (idempotent). Refuses to run in production."

    def handle(self, *args, **options):
        if settings.ENVIRONMENT == "production":
            raise CommandError("seed_demo refuses to run with production settings.")
        from organisations import demo

        counts = demo.seed()
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data ready: {organisations} organisations, {people} people. "
                "Every demo account's password is '{password}'.".format(
                    password=demo.DEMO_PASSWORD, **counts
                )
            )
        )
