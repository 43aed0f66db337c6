"""Approved proposals built through the services, for the agreement tests (generation, PDF,
signing, sealing, verification, pages) and the agreement's browser journey. The fixtures built
on these are in tests/agreements/conftest.py."""

from sharing_requests import examples, services
from sharing_requests.examples import proposal_fill
from sharing_requests.models import Proposal
from sharing_requests.questions import questions
from sharing_requests.rounds import rounds
from tests.factories import OrganisationFactory


def build_proposal(
    *,
    lead,
    partners,
    author,
    title: str = "Falls prevention referrals",
    text: dict | None = None,
    items: int = 1,
    item_name: str = "Name and address",
    outcomes: list[dict] | None = None,
) -> Proposal:
    """A draft with every section answered, through the shared builder. `text` overrides
    free-text answers (e.g. to put markup in them): plain questions by field name, and
    `contact_name`, `necessity` and `legal_power`. From the second data item on, the data
    includes special category health data. `outcomes` replaces the example's measurable
    outcome."""
    text = text or {}
    p = services.proposal_create(lead_organisation=lead, title=title, by=author)
    declared = {q.name for q in questions()}
    return proposal_fill(
        proposal=p,
        by=author,
        answers={k: v for k, v in text.items() if k in declared},
        outcomes=outcomes,
        partners=[
            {
                "organisation": organisation,
                "role": "recipient",
                "controller_role": "controller",
                "contact_name": text.get("contact_name", "Casey Contact"),
                "contact_email": f"contact@{organisation.slug}.example",
            }
            for organisation in partners
        ],
        items=[
            {
                **examples.DATA_ITEM,
                "name": item_name if n == 0 else f"{item_name} {n + 1}",
                "category": "special" if n == 1 else "personal",
                "is_health_or_care": n == 1,
                "necessity": text.get("necessity", examples.DATA_ITEM["necessity"]),
            }
            for n in range(items)
        ],
        basis={**examples.BASIS, "legal_power": text.get("legal_power", "Care Act 2014 s.6")},
    )


def approve(proposal, *, author, approvers):
    """Submit `proposal` and have every organisation approve it (no steering group seats):
    returns the approved version."""
    try:
        version = services.proposal_submit(proposal=proposal, by=author)
    except services.SubmitBlocked as blocked:
        raise AssertionError([p.message for p in blocked.problems]) from blocked
    round_ = rounds.round_open(version_id=version.pk)
    for decision in round_.decisions.select_related("organisation"):
        rounds.decision_record(
            decision=decision,
            by=approvers[decision.organisation_id],
            status="approved",
            comment="",
        )
    proposal.refresh_from_db()
    assert proposal.status == "approved"
    return version


def other_organisation(n: int):
    return OrganisationFactory(name=f"Partner Council {n}", slug=f"partner-{n}")
