"""Public pages that describe the whole service, reading from every app: how it works.

They belong to the top layer: they show the proposal stages (sharing_requests), the roles
(organisations), the configured decision rule (sharing_requests) and the agreement statuses
(agreements) together.
"""

from django.shortcuts import render

from agreements.models import AgreementStatus
from organisations.models import ROLE_HINTS, Role
from sharing_requests.choices import ProposalStatus
from sharing_requests.rounds.rule import RoundRule, rule_description
from sharing_requests.views.guidance import stage_links


def decision_rule() -> list[str]:
    """The review round's rule as configured, in plain English: the same sentences a proposal
    shows for its own round, so the tour never drifts from what the portal does."""
    return rule_description(RoundRule.from_settings())


def how_it_works(request):
    """The product tour: stages, roles, the decision rule, the agreement and the process."""
    return render(
        request,
        "pages/how_it_works.html",
        {
            "stages": stage_links(),
            "roles": [(role.label, ROLE_HINTS[role]) for role in Role],
            "decision_rule": decision_rule(),
            # The diagram and its text equivalent name the statuses people see on the pages.
            "status": {
                "draft": ProposalStatus.DRAFT.label,
                "in_review": ProposalStatus.IN_REVIEW.label,
                "changes_requested": ProposalStatus.CHANGES_REQUESTED.label,
                "approved": ProposalStatus.APPROVED.label,
                "declined": ProposalStatus.DECLINED.label,
                "withdrawn": ProposalStatus.WITHDRAWN.label,
                "awaiting_signatures": AgreementStatus.AWAITING_SIGNATURES.label,
                "active": AgreementStatus.ACTIVE.label,
                "expired": AgreementStatus.EXPIRED.label,
                "terminated": AgreementStatus.TERMINATED.label,
            },
        },
    )
