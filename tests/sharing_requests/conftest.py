"""The people around a proposal, and documents to attach.

`proposal` and `complete_proposal` (and the helpers that build them) are in tests/conftest.py,
shared with the workflow tests; the tests here import the helpers from this module.
"""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from organisations.models import Role
from tests import upload_files
from tests.conftest import (  # noqa: F401 (re-exported for the tests here)
    PARTNER_CONTACT,
    PARTNER_IG,
    VISION_PARTS,
    fill,
    fresh,
    invite,
    url,
)
from tests.factories import member_of

# Minimal documents, real by content (uploads are parsed in full: isf_portal/uploads.py).
PDF_BYTES = upload_files.pdf()


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", '<?xml version="1.0"?><w:document/>')
    return buffer.getvalue()


# --- People ---------------------------------------------------------------------------------
@pytest.fixture
def partner_b(org_b):
    """A member (role) of the invited partner organisation."""
    return member_of(org_b, Role.MEMBER, email="partner.b@bpnt.example", full_name="Pat Partner")


@pytest.fixture
def colleague_a(org_a):
    """A second member of the lead organisation, for concurrent edits."""
    return member_of(org_a, Role.MEMBER, email="colleague.a@ardwick.example", full_name="Cal Lee")


# --- Documents ------------------------------------------------------------------------------
@pytest.fixture
def pdf_upload():
    def make(name="dpia.pdf", content=PDF_BYTES):
        return SimpleUploadedFile(name, content, content_type="application/pdf")

    return make
