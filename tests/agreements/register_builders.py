"""Agreements for the register and lifecycle tests, made directly with the models (the
generation makes real ones from proposals), and the people around them."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from agreements.demo import minimal_pdf
from agreements.models import Agreement, AgreementParty, AgreementStatus
from agreements.permissions import agreement_grant_parties
from organisations.models import Role
from sharing_requests.services import next_reference
from tests.factories import member_of


def make_agreement(
    *parties,
    title: str = "Falls prevention referrals",
    status: str = AgreementStatus.ACTIVE,
    special: bool = False,
    criminal: bool = False,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    review: datetime.date | None = None,
    external: bool = False,
    proposal=None,
) -> Agreement:
    """An agreement between `parties` (organisations), viewable by their members and the
    steering group, as the workflow would leave it."""
    agreement = Agreement.objects.create(
        reference=next_reference("DSA"),
        title=title,
        status=status,
        is_external=external,
        has_special_category=special,
        has_criminal_offence=criminal,
        start_date=start,
        end_date=end,
        review_date=review,
        proposal=proposal,
    )
    for organisation in parties:
        AgreementParty.objects.create(
            agreement=agreement,
            organisation=organisation,
            name=organisation.name,
            short_name=organisation.short_name,
        )
    agreement_grant_parties(agreement=agreement)
    return agreement


def governance_officer(organisation, email: str, full_name: str = "Gwen Governance"):
    return member_of(organisation, Role.GOVERNANCE_OFFICER, email=email, full_name=full_name)


def pdf_upload(text: str = "Signed agreement", name: str = "agreement.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, minimal_pdf([text]), content_type="application/pdf")
