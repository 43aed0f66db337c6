"""What needs an organisation's governance officers, for their home page: agreements due for
review or ending soon, signatures their organisation still owes, the actions before sharing
starts still open on its proposals (and who owns them), and its decisions now overdue.

A few small queries whatever the number of agreements and proposals: each list is capped
(LIMIT) and says how many more there are."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Prefetch, Q

from agreements.models import Agreement, AgreementParty, AgreementStatus, Signature
from sharing_requests.choices import ProposalStatus
from sharing_requests.models import Action, OrganisationDecision, Participant
from sharing_requests.models.rounds import DecisionStatus

from .figures import overdue_cutoff

DUE_WITHIN_DAYS = 60
LIMIT = 10


@dataclass
class Listed:
    rows: list = field(default_factory=list)
    more: int = 0


def _capped(queryset) -> Listed:
    rows = list(queryset[: LIMIT + 1])
    if len(rows) <= LIMIT:
        return Listed(rows)
    return Listed(rows[:LIMIT], queryset.count() - LIMIT)


def governance_work(*, organisations, today: date | None = None) -> dict:
    """The four lists for governance officers of `organisations` (a list of Organisation)."""
    today = today or date.today()
    ids = [o.pk for o in organisations]
    soon = today + timedelta(days=DUE_WITHIN_DAYS)
    party = AgreementParty.objects.filter(agreement=OuterRef("pk"), organisation_id__in=ids)
    due = (
        Agreement.objects.filter(Exists(party), status=AgreementStatus.ACTIVE)
        .filter(
            Q(review_date__range=(today, soon))
            | Q(end_date__range=(today, soon))
            | Q(terminates_on__range=(today, soon))
        )
        .only("reference", "title", "review_date", "end_date", "terminates_on")
        .order_by("review_date", "reference")
    )
    owing = (
        AgreementParty.objects.filter(
            organisation_id__in=ids, agreement__status=AgreementStatus.AWAITING_SIGNATURES
        )
        .exclude(required_signatures=[])
        .select_related("agreement")
        # The capacities already signed, in one query for every party listed.
        .prefetch_related(
            Prefetch("signatures", queryset=Signature.objects.only("party_id", "capacity"))
        )
        .only(
            "name",
            "required_signatures",
            "agreement__reference",
            "agreement__title",
            "agreement__created_at",
        )
        .order_by("agreement__created_at", "pk")
    )
    owed = [p for p in owing[: LIMIT * 3] if _still_owes(p)]
    in_scope = Participant.objects.filter(proposal=OuterRef("proposal"), organisation_id__in=ids)
    actions = (
        Action.objects.filter(Exists(in_scope), done_at__isnull=True)
        .exclude(proposal__status__in=[ProposalStatus.WITHDRAWN, ProposalStatus.DECLINED])
        .select_related("proposal", "owner_organisation")
        .only(
            "description",
            "owner_name",
            "due_date",
            "owner_organisation__short_name",
            "proposal__reference",
            "proposal__title",
            "proposal__status",
        )
        .order_by("due_date", "pk")
    )
    overdue = (
        OrganisationDecision.objects.filter(
            organisation_id__in=ids,
            status=DecisionStatus.PENDING,
            round__closed_at__isnull=True,
            round__opened_at__lt=overdue_cutoff(today),
        )
        .select_related("round__proposal", "organisation")
        .only(
            "organisation__short_name",
            "round__opened_at",
            "round__proposal__reference",
            "round__proposal__title",
        )
        .order_by("round__opened_at")
    )
    work = {
        "due": _capped(due),
        "owed": Listed(owed[:LIMIT], max(len(owed) - LIMIT, 0)),
        "actions": _capped(actions),
        "overdue": _capped(overdue),
    }
    return {
        **work,
        "anything": any(listed.rows for listed in work.values()),
        "due_within_days": DUE_WITHIN_DAYS,
    }


def _still_owes(party) -> bool:
    """Whether the party has a required signature not yet given (its agreement awaits it)."""
    given = {signature.capacity for signature in party.signatures.all()}
    return any(capacity not in given for capacity in party.required_signatures)
