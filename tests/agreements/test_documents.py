"""Who downloads what (issue #12 item 14): every member of a party reads the agreement page and
downloads the signed PDF; the draft is for the parties' signatories, approvers and governance
officers and the proposal's lead members; each download is shown on the timeline to the
parties' governance officers, and to nobody else."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from agreements.models import AgreementDownload
from organisations.models import Role
from tests.conftest import tiny_pdf
from tests.factories import member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(agreement):
    """The generated agreement (a draft awaiting signatures) with a signed copy stored."""
    agreement.signed_pdf.save("signed.pdf", ContentFile(tiny_pdf("Signed")), save=True)
    return agreement


@pytest.fixture
def partner_member_b(org_b):
    return member_of(org_b, Role.MEMBER, email="pm.b@bpnt.example", full_name="Pam Partner")


def download(agreement, kind):
    return reverse("agreements:download", args=[agreement.reference, kind])


def detail(agreement):
    return reverse("agreements:detail", args=[agreement.reference])


def test_a_read_only_member_reads_the_page_and_the_signed_pdf_not_the_draft(
    client_for, signed, readonly_a
):
    client = client_for(readonly_a)
    page = client.get(detail(signed)).content.decode()
    assert download(signed, "signed") in page
    assert download(signed, "draft") not in page
    assert "The draft for signature is for the parties' signatories" in page
    assert client.get(download(signed, "signed")).status_code == 200
    assert client.get(download(signed, "draft")).status_code == 403
    assert list(AgreementDownload.objects.values_list("kind", flat=True)) == ["signed"]


@pytest.mark.parametrize(
    "persona,status",
    [
        ("member_a", 200),  # a member of the proposal's lead
        ("approver_b", 200),
        ("signatory_b", 200),
        ("governance_b", 200),
        ("steering_member", 200),
        ("partner_member_b", 403),  # a member of a partner, without those roles
        ("outsider", 404),
    ],
)
def test_the_draft_is_for_the_roles_that_work_on_it(
    client_for, signed, persona, status, request, governance_b
):
    user = request.getfixturevalue(persona)
    assert client_for(user).get(download(signed, "draft")).status_code == status


def test_downloads_show_on_the_timeline_to_governance_officers_only(
    client_for, signed, readonly_a, governance_b, member_a
):
    client_for(readonly_a).get(download(signed, "signed"))
    lifecycle = reverse("agreements:lifecycle", args=[signed.reference])
    for address in (detail(signed), lifecycle):
        officer_page = client_for(governance_b).get(address).content.decode()
        assert "Downloaded the signed PDF" in officer_page
        assert "Rory Reader" in officer_page
        member_page = client_for(member_a).get(address).content.decode()
        assert "Downloaded the signed PDF" not in member_page
