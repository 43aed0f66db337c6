"""Personas across organisations, proposals built through the services, and the services
tests need.

A test that needs PostgreSQL, Redis or Chromium and does not find it is skipped with a reason
naming it, except in CI (CI=true), where it fails: CI must run everything.
"""

import os
import shutil
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.urls import reverse

from isf_portal.services_probe import reachable
from organisations.models import Role
from sharing_requests import services
from sharing_requests.examples import VISION as VISION_PARTS  # noqa: F401 (for the tests)
from sharing_requests.examples import proposal_fill
from sharing_requests.models import Participant, Proposal
from tests.factories import (
    TEST_PASSWORD,
    OrganisationFactory,
    SteeringGroupMemberFactory,
    UserFactory,
    member_of,
)

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_service(name: str, available: bool, fix: str = "") -> None:
    if available:
        return
    message = f"{name} is not available{': ' + fix if fix else ''}"
    if IN_CI:
        pytest.fail(f"{message} (CI runs every test: the service must be there)")
    pytest.skip(message)


@pytest.fixture
def postgres():
    """Marks a test that must run on PostgreSQL (row locks, real concurrency)."""
    require_service(
        "PostgreSQL",
        connection.vendor == "postgresql",
        "set DATABASE_URL or start PostgreSQL on 127.0.0.1:5432",
    )


@pytest.fixture
def redis_url() -> str:
    url = getattr(settings, "REDIS_URL", "")
    parsed = urlparse(url) if url else None
    available = bool(parsed) and reachable(parsed.hostname or "127.0.0.1", parsed.port or 6379)
    require_service("Redis", available, "set REDIS_URL or start Redis on 127.0.0.1:6379")
    return url


@pytest.fixture
def chromium_path() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    require_service(
        "Chromium", os.path.exists(path), "install Debian's chromium (apt-get install chromium)"
    )
    return path


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def password() -> str:
    return TEST_PASSWORD


# --- Organisations and personas -------------------------------------------------------------
@pytest.fixture
def org_a(db):
    return OrganisationFactory(name="Ardwick Borough Council", short_name="Ardwick", slug="ardwick")


@pytest.fixture
def org_b(db):
    return OrganisationFactory(
        name="Bradford Park NHS Trust", short_name="BPNT", slug="bradford-park", sector="nhs"
    )


@pytest.fixture
def org_c(db):
    return OrganisationFactory(
        name="Collyhurst Housing", short_name="CH", slug="collyhurst", sector="housing"
    )


@pytest.fixture
def member_a(org_a):
    return member_of(org_a, Role.MEMBER, email="member.a@ardwick.example", full_name="Mia Member")


@pytest.fixture
def readonly_a(org_a):
    return member_of(org_a, email="readonly.a@ardwick.example", full_name="Rory Reader")


@pytest.fixture
def admin_a(org_a):
    return member_of(
        org_a, Role.MEMBER, Role.ORG_ADMIN, email="admin.a@ardwick.example", full_name="Ada Admin"
    )


@pytest.fixture
def approver_b(org_b):
    return member_of(
        org_b, Role.APPROVER, email="approver.b@bpnt.example", full_name="Abe Approver"
    )


@pytest.fixture
def signatory_b(org_b):
    return member_of(
        org_b, Role.SIGNATORY, email="signatory.b@bpnt.example", full_name="Sig Natory"
    )


@pytest.fixture
def admin_b(org_b):
    return member_of(org_b, Role.ORG_ADMIN, email="admin.b@bpnt.example", full_name="Bea Admin")


@pytest.fixture
def outsider(org_c):
    return member_of(
        org_c, Role.MEMBER, Role.ORG_ADMIN, email="outsider@ch.example", full_name="Otto Outsider"
    )


@pytest.fixture
def steering_member(db):
    seat = SteeringGroupMemberFactory(
        user=UserFactory(email="steering@gmca.example", full_name="Stella Steering"),
        organisation=OrganisationFactory(name="Steering Combined Authority", slug="sca"),
    )
    return seat.user


# --- Personas of the agreements and the review round (each defined here only) ----------------
# approver_a: org A's approver, who decides for the lead organisation. signatory_a: signs
# agreements for org A. governance_a, governance_b: the governance officers of org A and org B,
# who are told of their organisations' agreements and manage them once in force.
@pytest.fixture
def approver_a(org_a):
    return member_of(
        org_a, Role.APPROVER, email="approver.a@ardwick.example", full_name="Ann Approver"
    )


@pytest.fixture
def signatory_a(org_a):
    return member_of(
        org_a, Role.SIGNATORY, email="signatory.a@ardwick.example", full_name="Sue Signer"
    )


@pytest.fixture
def governance_a(org_a):
    return member_of(
        org_a, Role.GOVERNANCE_OFFICER, email="go.a@ardwick.example", full_name="Gina Governance"
    )


@pytest.fixture
def governance_b(org_b):
    return member_of(
        org_b, Role.GOVERNANCE_OFFICER, email="dpo.b@bpnt.example", full_name="Gail Governance"
    )


# One generated sealing key for the whole run (RSA key generation takes a while): every test
# under tests/agreements uses it (its conftest), and any other test that seals asks for it.
@pytest.fixture(scope="session")
def _session_sealing_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("sealing")


@pytest.fixture
def one_sealing_key(settings, _session_sealing_dir):
    settings.SEALING_LOCAL_DIR = _session_sealing_dir
    settings.SEALING_KEY_FILE = ""
    settings.SEALING_CERT_FILE = ""


@pytest.fixture
def staff_user(db):
    return UserFactory(
        email="staff@gmca.example", full_name="Portal Admin", is_staff=True, is_superuser=True
    )


@pytest.fixture
def client_for(client):
    """Sign the test client in as a user: client_for(user)."""

    def sign_in(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return sign_in


# --- Proposals ------------------------------------------------------------------------------
# Built through the services, as demo.py builds its scenarios. `proposal`: a draft led by
# org_a (member_a wrote it) with org_b invited as a recipient; `complete_proposal`: the same
# draft with every section answered, ready to submit.
LEAD_IG = "ig@ardwick.example"
PARTNER_IG = "ig@bpnt.example"
PARTNER_CONTACT = "contact@bradford-park.example"  # whom invite() names at org_b


def url(name: str, proposal: Proposal | None = None, *args) -> str:
    return reverse(f"requests:{name}", args=[proposal.reference, *args] if proposal else args)


def fresh(proposal) -> Proposal:
    return Proposal.objects.get(pk=proposal.pk)


def invite(proposal, organisation, *, by, role="recipient", email=None):
    return services.participant_save(
        proposal=proposal,
        instance=Participant(),
        data={
            "organisation": organisation,
            "role": role,
            "controller_role": "controller",
            "contact_name": "Casey Contact",
            "contact_email": email or f"contact@{organisation.slug}.example",
        },
        by=by,
    )


def fill(p, *, by) -> Proposal:
    """Answer every section of `p` through the services (the shared builder)."""
    return proposal_fill(proposal=p, by=by)


def build_proposal(*, lead, partners, by, title="Falls prevention referrals") -> Proposal:
    p = services.proposal_create(lead_organisation=lead, title=title, by=by)
    for organisation in partners:
        invite(p, organisation, by=by)
    return fill(fresh(p), by=by)


@pytest.fixture
def proposal(org_a, org_b, member_a, django_capture_on_commit_callbacks):
    for organisation, mailbox in ((org_a, LEAD_IG), (org_b, PARTNER_IG)):
        organisation.ig_mailbox = mailbox
        organisation.save(update_fields=["ig_mailbox"])
    # The invitation goes out here, as after a real commit, so tests see only their own mail
    # (and no invitation is left waiting in the outbox for a later dispatch to send).
    with django_capture_on_commit_callbacks(execute=True):
        p = services.proposal_create(
            lead_organisation=org_a, title="Falls prevention referrals", by=member_a
        )
        invite(p, org_b, by=member_a)
    mail.outbox.clear()
    return fresh(p)


@pytest.fixture
def complete_proposal(proposal, member_a):
    return fill(proposal, by=member_a)


# --- Agreement PDFs -------------------------------------------------------------------------
def tiny_pdf(text: str) -> bytes:
    """A valid one-page PDF saying `text`, made in a millisecond (pydyf, WeasyPrint's writer)."""
    import io

    import pydyf

    pdf = pydyf.PDF()
    font = pydyf.Dictionary({"Type": "/Font", "Subtype": "/Type1", "BaseFont": "/Helvetica"})
    pdf.add_object(font)
    stream = pydyf.Stream()
    stream.begin_text()
    stream.set_font_size("F1", 11)
    stream.set_text_matrix(1, 0, 0, 1, 72, 760)
    stream.show_text_string(text)
    stream.end_text()
    pdf.add_object(stream)
    resources = pydyf.Dictionary({"Font": pydyf.Dictionary({"F1": font.reference})})
    page = pydyf.Dictionary(
        {
            "Type": "/Page",
            "Parent": pdf.pages.reference,
            "MediaBox": pydyf.Array([0, 0, 595, 842]),
            "Contents": stream.reference,
            "Resources": resources,
        }
    )
    pdf.add_page(page)
    output = io.BytesIO()
    pdf.write(output)
    return output.getvalue()


@pytest.fixture(autouse=True)
def _fast_agreement_pdfs(request, monkeypatch):
    """Approving a proposal generates its agreement, and a real WeasyPrint render takes
    seconds: tests get a tiny stand-in PDF (unique to the rendered HTML) unless they are
    marked `real_pdf`."""
    if request.node.get_closest_marker("real_pdf"):
        return
    import hashlib

    from agreements import pdf

    def stand_in(html, **kwargs):
        return tiny_pdf("Test PDF " + hashlib.sha256(html.encode()).hexdigest()[:16])

    monkeypatch.setattr(pdf, "render_pdf", stand_in)
