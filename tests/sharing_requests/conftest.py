"""Proposals built through the services, and the people around them.

`proposal`: a draft led by org_a (member_a wrote it) with org_b invited as a recipient.
`complete_proposal`: the same draft with every section answered, ready to submit.
"""

import io
import zipfile
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from organisations.models import Role
from sharing_requests import services
from sharing_requests.choices import Section
from sharing_requests.models import (
    Action,
    DataItem,
    LawfulBasis,
    MeasurableOutcome,
    Participant,
    Proposal,
)
from tests.factories import member_of

PARTNER_CONTACT = "contact.b@bpnt.example"
PARTNER_IG_MAILBOX = "ig@bpnt.example"

VISION_PARTS = {
    "for_who": "older people receiving care at home",
    "need": "are more likely to fall",
    "proposal_name": "the falls prevention scheme",
    "outcome": "prevent falls",
    "data_shared": "names, addresses and mobility flags",
    "between_whom": "Ardwick and the trust",
    "today": "ad hoc phone referrals",
    "benefit": "reach everyone at risk",
}

# Minimal documents, real by content.
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", '<?xml version="1.0"?><w:document/>')
    return buffer.getvalue()


def url(name: str, proposal: Proposal | None = None, *args) -> str:
    return reverse(f"requests:{name}", args=[proposal.reference, *args] if proposal else args)


def revision(proposal, section) -> int:
    return services.section_revision(proposal, section)


def fresh(proposal) -> Proposal:
    return Proposal.objects.get(pk=proposal.pk)


# --- People ---------------------------------------------------------------------------------
@pytest.fixture
def partner_b(org_b):
    """A member (role) of the invited partner organisation."""
    return member_of(org_b, Role.MEMBER, email="partner.b@bpnt.example", full_name="Pat Partner")


@pytest.fixture
def colleague_a(org_a):
    """A second member of the lead organisation, for concurrent edits."""
    return member_of(org_a, Role.MEMBER, email="colleague.a@ardwick.example", full_name="Cal Lee")


# --- Proposals ------------------------------------------------------------------------------
def invite(proposal, organisation, *, by, role="recipient", email=PARTNER_CONTACT):
    return services.participant_save(
        proposal=proposal,
        instance=Participant(),
        data={
            "organisation": organisation,
            "role": role,
            "controller_role": "controller",
            "contact_name": "Casey Contact",
            "contact_email": email,
        },
        by=by,
    )


@pytest.fixture
def proposal(org_a, org_b, member_a):
    org_b.ig_mailbox = PARTNER_IG_MAILBOX
    org_b.save(update_fields=["ig_mailbox"])
    p = services.proposal_create(
        lead_organisation=org_a, title="Falls prevention referrals", by=member_a
    )
    invite(p, org_b, by=member_a)
    return fresh(p)


def fill(p, *, by, data_item=None):
    """Answer every section of `p` through the services (as demo.py builds its scenarios)."""
    today = timezone.localdate()
    services.proposal_update(
        proposal=p,
        section=Section.PURPOSE,
        data={"problem": "Falls are not prevented.", "benefits": "Fewer falls."},
        by=by,
        revision=None,
    )
    services.vision_update(proposal=p, parts=VISION_PARTS, by=by, revision=None)
    services.item_save(
        proposal=p,
        section=Section.PURPOSE,
        instance=MeasurableOutcome(),
        data={"description": "Fewer falls", "measure": "Falls a year", "target": "10% fewer"},
        by=by,
        kind="outcome",
    )
    services.proposal_update(
        proposal=p,
        section=Section.NEEDS,
        data={"data_subjects": "Adults receiving care at home"},
        by=by,
        revision=None,
    )
    services.item_save(
        proposal=p,
        section=Section.NEEDS,
        instance=DataItem(),
        data=data_item
        or {
            "name": "Name and address",
            "category": "personal",
            "identifiability": "identifiable",
            "is_health_or_care": False,
            "necessity": "To know whom to visit.",
        },
        by=by,
        kind="dataitem",
    )
    lead = p.participants.get(is_lead=True)
    services.participant_save(
        proposal=p,
        instance=lead,
        data={"role": "provider", "controller_role": "controller"},
        by=by,
    )
    for party in p.participants.all():
        for direction in party.directions:
            services.lawful_basis_save(
                proposal=p,
                instance=LawfulBasis(participant=party, direction=direction),
                data={"article6": "e", "legal_power": "Care Act 2014 s.6 (co-operation)"},
                by=by,
            )
    services.proposal_update(
        proposal=p,
        section=Section.PRACTICAL,
        data={"dpia_screened": True, "dpia_indicators": ["vulnerable"]},
        by=by,
        revision=None,
    )
    services.item_save(
        proposal=p,
        section=Section.PRACTICAL,
        instance=Action(),
        data={
            "description": "Update the privacy notice",
            "owner_name": "Dan Wright",
            "owner_organisation": p.lead_organisation,
            "due_date": today + timedelta(days=30),
        },
        by=by,
        kind="action",
    )
    services.proposal_update(
        proposal=p,
        section=Section.HOW,
        data={
            "transfer_method": "SFTP",
            "frequency": "weekly",
            "security_measures": "Encryption",
            "access_controls": "The prevention team",
            "storage_location": "UK-hosted CRM",
        },
        by=by,
        revision=None,
    )
    services.proposal_update(
        proposal=p,
        section=Section.REVIEW,
        data={
            "review_date": today + timedelta(days=365),
            "review_frequency": "12",
            "success_measures": "Falls counted",
        },
        by=by,
        revision=None,
    )
    services.proposal_update(
        proposal=p,
        section=Section.EXIT,
        data={
            "start_date": today + timedelta(days=10),
            "end_date": today + timedelta(days=3 * 365),
            "retention": "Two years",
            "end_of_sharing": "delete",
            "early_termination": "A serious breach",
        },
        by=by,
        revision=None,
    )
    return fresh(p)


@pytest.fixture
def complete_proposal(proposal, member_a):
    return fill(proposal, by=member_a)


@pytest.fixture
def pdf_upload():
    def make(name="dpia.pdf", content=PDF_BYTES):
        return SimpleUploadedFile(name, content, content_type="application/pdf")

    return make
