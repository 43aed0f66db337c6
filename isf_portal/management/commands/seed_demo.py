"""Demo seeding reads every app, so it lives in the top layer (isf_portal), not in one app."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from agreements import demo as agreements_demo
from api import demo as api_demo
from insight import demo as history_demo
from organisations import demo
from sharing_requests import demo as proposals_demo


class Command(BaseCommand):
    help = "Load the Greater Manchester demo data (idempotent). Refuses to run in production."

    def handle(self, *args, **options):
        if settings.ENVIRONMENT == "production":
            raise CommandError("seed_demo refuses to run with production settings.")
        counts = demo.seed()
        counts["proposals"] = proposals_demo.seed()
        # After the proposals: the approved one's agreement awaits signatures.
        counts["agreements"] = agreements_demo.seed()
        # A year of history behind the insight page: proposals decided, signed, still waiting.
        counts["history"] = history_demo.seed()
        # Some of that history's agreements, every party having agreed to publish them.
        agreements_demo.publish()
        # Last, naming proposals and agreements: API tokens, webhooks and their delivery log.
        api_demo.seed()
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data ready: {organisations} organisations, {people} people, "
                "{proposals} new proposals, {agreements} new agreements, "
                "{history} proposals of the past year. "
                "Every demo account's password is '{password}'.".format(
                    password=demo.DEMO_PASSWORD, **counts
                )
            )
        )
        self.stdout.write("\nDemo accounts (sign in with the e-mail address):")
        for email, full_name, _job, roles_at in demo.PEOPLE:
            roles = "; ".join(
                f"{slug}: {', '.join(str(r.label).lower() for r in roles) or 'read only'}"
                for slug, roles in roles_at.items()
            )
            self.stdout.write(f"  {email:<36} {full_name:<22} {roles or 'portal administrator'}")
