"""Personas across organisations, and the services tests need.

A test that needs PostgreSQL, Redis or Chromium and does not find it is skipped with a reason
naming it, except in CI (CI=true), where it fails: CI must run everything.
"""

import os
import shutil
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.db import connection

from isf_portal.services_probe import reachable
from organisations.models import Role
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

    from agreements import documents

    def stand_in(html, **kwargs):
        return tiny_pdf("Test PDF " + hashlib.sha256(html.encode()).hexdigest()[:16])

    monkeypatch.setattr(documents, "render_pdf", stand_in)
