"""`manage.py outbox_redispatch_claimed --before=<when the worker stopped>`: hand over again, at
once, the outbox work a stopped worker had taken. `make run` (scripts/run_embedded.py) runs it
as it starts its one worker again; see outbox_redispatch_claimed for why nothing else should."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError

from outbox.services import outbox_redispatch_claimed


def aware_time(value: str) -> datetime:
    try:
        when = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--before {value!r} is not an ISO 8601 date and time.") from exc
    if when.tzinfo is None:
        raise CommandError(f"--before {value!r} needs its time zone, e.g. +00:00.")
    return when


class Command(BaseCommand):
    help = (
        "Hand over again now the pending outbox work handed to the broker before --before "
        "(when the only worker stopped). Only when no live worker can hold that work: "
        "`make run` runs it as it restarts its one worker; with several workers, leave it to "
        "the periodic redispatch (OUTBOX_REDISPATCH_AFTER)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--before",
            required=True,
            help="ISO 8601 date and time with its zone: when the worker stopped.",
        )

    def handle(self, *args, before, **options):
        handed = outbox_redispatch_claimed(before=aware_time(before))
        self.stdout.write(
            f"Outbox: {handed} task(s) the stopped worker had taken handed over again."
        )
