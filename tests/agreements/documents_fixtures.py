"""Approved proposals built through the services, the agreements generated from them, and
the people who sign them: shared by the documents tests (generation, PDF, signing, sealing,
verification, pages). Import the fixtures a test module needs by name."""

import pytest

from agreements.generation import services as generation
from agreements.models import Agreement
from organisations.models import Membership, Role, SignatoryCapacity
from sharing_requests import examples, review, services
from sharing_requests.examples import proposal_fill
from sharing_requests.models import Proposal
from sharing_requests.questions import questions
from tests.factories import OrganisationFactory, member_of


def build_proposal(
    *,
    lead,
    partners,
    author,
    title: str = "Falls prevention referrals",
    text: dict | None = None,
    items: int = 1,
    item_name: str = "Name and address",
) -> Proposal:
    """A draft with every section answered, through the shared builder. `text` overrides
    free-text answers (e.g. to put markup in them): plain questions by field name, and
    `contact_name`, `necessity` and `legal_power`. From the second data item on, the data
    includes special category health data."""
    text = text or {}
    p = services.proposal_create(lead_organisation=lead, title=title, by=author)
    declared = {q.name for q in questions()}
    return proposal_fill(
        proposal=p,
        by=author,
        answers={k: v for k, v in text.items() if k in declared},
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
    round_ = review.round_open(version_id=version.pk)
    for decision in round_.decisions.select_related("organisation"):
        review.decision_record(
            decision=decision,
            by=approvers[decision.organisation_id],
            status="approved",
            comment="",
        )
    proposal.refresh_from_db()
    assert proposal.status == "approved"
    return version


# --- People ---------------------------------------------------------------------------------
@pytest.fixture
def approver_a(org_a):
    return member_of(
        org_a, Role.APPROVER, email="approver.a@ardwick.example", full_name="Al Approver"
    )


@pytest.fixture
def signatory_a(org_a):
    return member_of(
        org_a, Role.SIGNATORY, email="signatory.a@ardwick.example", full_name="Sue Signer"
    )


@pytest.fixture
def governance_b(org_b):
    return member_of(
        org_b, Role.GOVERNANCE_OFFICER, email="dpo.b@bpnt.example", full_name="Gail Governance"
    )


@pytest.fixture
def caldicott_b(org_b, signatory_b):
    """Org B (a trust) needs its Caldicott Guardian's signature too."""
    org_b.requires_caldicott_signature = True
    org_b.save(update_fields=["requires_caldicott_signature"])
    user = member_of(org_b, Role.SIGNATORY, email="cg.b@bpnt.example", full_name="Cal Guardian")
    Membership.objects.filter(user=user, organisation=org_b).update(
        signatory_capacity=SignatoryCapacity.CALDICOTT
    )
    return user


# --- Proposals and agreements ---------------------------------------------------------------
@pytest.fixture
def approved_version(org_a, org_b, member_a, approver_a, approver_b):
    proposal = build_proposal(lead=org_a, partners=[org_b], author=member_a)
    return approve(
        proposal, author=member_a, approvers={org_a.pk: approver_a, org_b.pk: approver_b}
    )


@pytest.fixture
def agreement(approved_version, signatory_a, signatory_b) -> Agreement:
    """Generated (with the stand-in PDF unless the test renders real ones), awaiting the
    signatures of org A's and org B's signatories."""
    generation.agreement_generate(version_id=approved_version.pk)
    return Agreement.objects.get(version=approved_version)


# --- Sealing keys ---------------------------------------------------------------------------
@pytest.fixture(scope="session")
def _session_sealing_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("sealing")


@pytest.fixture(autouse=True)
def _sealing_dir(settings, _session_sealing_dir):
    """One generated sealing key for the whole run (RSA key generation takes a while)."""
    settings.SEALING_LOCAL_DIR = _session_sealing_dir
    settings.SEALING_KEY_FILE = ""
    settings.SEALING_CERT_FILE = ""


def other_organisation(n: int):
    return OrganisationFactory(name=f"Partner Council {n}", slug=f"partner-{n}")
