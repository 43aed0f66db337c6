"""Check every proposal's and agreement's timeline against its hash chain. It reads both apps,
so it lives in the top layer (isf_portal), beside seed_demo."""

from django.core.management.base import BaseCommand, CommandError

from agreements.events import agreement_chain
from agreements.models import Agreement
from sharing_requests.events import proposal_chain
from sharing_requests.models import Proposal


class Command(BaseCommand):
    help = (
        "Report, for each proposal and agreement, whether its timeline is intact or where its "
        "hash chain first breaks. Exits with status 1 when any chain is broken."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "references",
            nargs="*",
            metavar="REFERENCE",
            help="Check only these proposals or agreements (by reference); default: all.",
        )
        parser.add_argument(
            "--broken-only", action="store_true", help="List only the broken chains."
        )

    def handle(self, *args, references, broken_only, **options):
        proposals = Proposal.objects.order_by("pk")
        agreements = Agreement.objects.order_by("pk")
        if references:
            proposals = proposals.filter(reference__in=references)
            agreements = agreements.filter(reference__in=references)
            found = {p.reference for p in proposals} | {a.reference for a in agreements}
            missing = sorted(set(references) - found)
            if missing:
                raise CommandError(f"No proposal or agreement has the reference {missing[0]}.")
        checked = broken = 0
        for label, parents, check in (
            ("proposal", proposals, proposal_chain),
            ("agreement", agreements, agreement_chain),
        ):
            for parent in parents.only("pk", "reference", "events_count", "events_head"):
                report = check(parent)
                checked += 1
                if report.intact:
                    if not broken_only:
                        self.stdout.write(f"{label} {parent.reference}: intact")
                    continue
                broken += 1
                self.stdout.write(
                    self.style.ERROR(
                        f"{label} {parent.reference}: BROKEN at event {report.at}: {report.problem}"
                    )
                )
        summary = f"{checked} timelines checked, {broken} broken."
        if broken:
            self.stderr.write(self.style.ERROR(summary))
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS(summary))
