"""The DPIA upload refuses what is not a plain PDF or Word file, read in full (issue 13, item 3):
a GOV.UK error summary, the reference kept, and nothing stored or recorded."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from sharing_requests import services
from sharing_requests.choices import Section
from tests import upload_files as files

from .conftest import fresh, url
from .test_validation import assert_error_page

pytestmark = pytest.mark.django_db

SCRIPTS = "The selected PDF contains scripts, actions or attached files"


@pytest.fixture
def dpia_proposal(complete_proposal, member_a):
    services.proposal_update(
        proposal=complete_proposal,
        section=Section.PRACTICAL,
        data={"dpia_indicators": ["matching"]},
        by=member_a,
        revision=None,
    )
    return fresh(complete_proposal)


@pytest.fixture
def lead(member_a):
    client = Client()
    client.force_login(member_a, backend="django.contrib.auth.backends.ModelBackend")
    return client


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("dpia.pdf", files.pdf_with_open_action_script(), SCRIPTS),
        ("dpia.pdf", files.pdf_with_embedded_file(), SCRIPTS),
        ("dpia.pdf", files.pdf_html_polyglot(), "contains web page code"),
        ("dpia.pdf", files.malformed_pdf(), "could not be read as a PDF"),
        ("dpia.docx", files.docx_unpacking_to(512), "too large when unpacked"),
        ("dpia.docx", files.docx(types=files.DOCM_TYPES), "contains macros"),
    ],
    ids=[
        "pdf-script",
        "pdf-attachment",
        "pdf-html-polyglot",
        "malformed-pdf",
        "docx-512mb",
        "docm",
    ],
)
def test_a_refused_dpia_shows_why_keeps_the_reference_and_stores_nothing(
    dpia_proposal, lead, name, content, message
):
    p = dpia_proposal
    history_before = p.history.count()
    response = lead.post(
        url("dpia", p),
        {"dpia_reference": "DPIA-2024-07", "dpia_file": SimpleUploadedFile(name, content)},
    )
    assert_error_page(response, message, kept=['value="DPIA-2024-07"'])
    p = fresh(p)
    assert not p.dpia_file and p.dpia_file_name == "" and p.dpia_reference == ""
    assert p.history.count() == history_before
    assert stored_files() == []


def test_a_refused_replacement_leaves_the_attached_dpia_in_place(dpia_proposal, lead):
    p = dpia_proposal
    first = SimpleUploadedFile("first.pdf", files.pdf())
    assert lead.post(url("dpia", p), {"dpia_file": first}).status_code == 302
    attached = fresh(p).dpia_file.name
    kept = stored_files()

    replacement = SimpleUploadedFile("second.pdf", files.pdf_with_launch_action())
    assert_error_page(lead.post(url("dpia", p), {"dpia_file": replacement}), SCRIPTS)
    assert fresh(p).dpia_file.name == attached and fresh(p).dpia_file_name == "first.pdf"
    assert stored_files() == kept
