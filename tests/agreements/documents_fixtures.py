"""Approved proposals built through the services, the agreements generated from them, and
the people who sign them: shared by the documents tests (generation, PDF, signing, sealing,
verification, pages). Import the fixtures a test module needs by name."""

import datetime

import pytest
from django.utils import timezone

from agreements.generation import services as generation
from agreements.models import Agreement
from organisations.models import Membership, Role, SignatoryCapacity
from sharing_requests import review, services
from sharing_requests.choices import Section
from sharing_requests.models import (
    Action,
    DataItem,
    LawfulBasis,
    MeasurableOutcome,
    Participant,
    Proposal,
)
from tests.conftest import VISION_PARTS
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
    """A draft with every section answered, through the services people use. `text`
    overrides free-text answers (e.g. to put markup in them)."""
    text = text or {}
    today = timezone.localdate()
    p = services.proposal_create(lead_organisation=lead, title=title, by=author)
    for organisation in partners:
        services.participant_save(
            proposal=p,
            instance=Participant(),
            data={
                "organisation": organisation,
                "role": "recipient",
                "controller_role": "controller",
                "contact_name": text.get("contact_name", "Casey Contact"),
                "contact_email": f"contact@{organisation.slug}.example",
            },
            by=author,
        )

    def update(section, data):
        services.proposal_update(
            proposal=p,
            section=section,
            data={k: text.get(k, v) for k, v in data.items()},
            by=author,
            revision=None,
        )

    update(Section.PURPOSE, {"problem": "Falls are not prevented.", "benefits": "Fewer falls."})
    services.vision_update(proposal=p, parts=VISION_PARTS, by=author, revision=None)
    services.item_save(
        proposal=p,
        section=Section.PURPOSE,
        instance=MeasurableOutcome(),
        data={"description": "Fewer falls", "measure": "Falls a year", "target": "10% fewer"},
        by=author,
        kind="outcome",
    )
    update(Section.NEEDS, {"data_subjects": "Adults receiving care at home"})
    for n in range(items):
        services.item_save(
            proposal=p,
            section=Section.NEEDS,
            instance=DataItem(),
            data={
                "name": item_name if n == 0 else f"{item_name} {n + 1}",
                "category": "special" if n == 1 else "personal",
                "identifiability": "identifiable",
                "is_health_or_care": n == 1,
                "necessity": text.get("necessity", "To know whom to visit."),
            },
            by=author,
            kind="dataitem",
        )
    services.participant_save(
        proposal=p,
        instance=p.participants.get(is_lead=True),
        data={"role": "provider", "controller_role": "controller"},
        by=author,
    )
    for party in p.participants.all():
        for direction in party.directions:
            data = {"article6": "e", "legal_power": text.get("legal_power", "Care Act 2014 s.6")}
            if items > 1:
                data.update({"article9": "h", "schedule1": "2"})
            services.lawful_basis_save(
                proposal=p,
                instance=LawfulBasis(participant=party, direction=direction),
                data=data,
                by=author,
            )
    practical = {"dpia_screened": True, "dpia_indicators": ["vulnerable"]}
    if items > 1:  # the second item is health or care data
        practical.update(
            {"confidentiality_basis": "public_interest", "national_data_opt_out": "applies"}
        )
    update(Section.PRACTICAL, practical)
    services.item_save(
        proposal=p,
        section=Section.PRACTICAL,
        instance=Action(),
        data={
            "description": "Update the privacy notice",
            "owner_name": "Dan Wright",
            "owner_organisation": lead,
            "due_date": today + datetime.timedelta(days=30),
        },
        by=author,
        kind="action",
    )
    update(
        Section.HOW,
        {
            "transfer_method": "Weekly encrypted file over SFTP",
            "frequency": "weekly",
            "security_measures": "Encryption in transit and at rest",
            "access_controls": "The prevention team",
            "storage_location": "UK-hosted CRM",
        },
    )
    update(
        Section.REVIEW,
        {
            "review_date": today + datetime.timedelta(days=365),
            "review_frequency": "12",
            "success_measures": "Falls counted",
        },
    )
    update(
        Section.EXIT,
        {
            "start_date": today + datetime.timedelta(days=10),
            "end_date": today + datetime.timedelta(days=3 * 365),
            "retention": "Two years after the last visit",
            "end_of_sharing": "delete",
            "early_termination": "A serious breach",
        },
    )
    return Proposal.objects.get(pk=p.pk)


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
