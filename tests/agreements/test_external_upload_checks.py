"""An agreement signed outside the portal is recorded only with a plain PDF, read in full
(issue 13, item 3): the error summary, the other answers kept, no agreement and no file."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from agreements import external
from agreements.models import Agreement
from isf_portal.domain import DomainError
from tests import upload_files as files
from tests.agreements.test_register_views import RECORD, record_data

pytestmark = pytest.mark.django_db


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.parametrize(
    "content, message",
    [
        (files.pdf_with_open_action_script(), "contains scripts, actions or attached files"),
        (files.pdf_with_hidden_script(), "contains scripts, actions or attached files"),
        (files.pdf_html_polyglot(), "contains web page code"),
        (files.malformed_pdf(), "could not be read as a PDF"),
    ],
    ids=["script", "hidden-script", "html-polyglot", "malformed"],
)
def test_a_refused_pdf_records_nothing_and_keeps_the_other_answers(
    client_for, governance_a, org_a, org_b, content, message
):
    pdf = SimpleUploadedFile("signed.pdf", content, content_type="application/pdf")
    response = client_for(governance_a).post(
        RECORD, record_data(org_a, parties=[org_b.pk], title="Hoarding panel referrals", pdf=pdf)
    )
    assert response.status_code == 200
    page = response.content.decode()
    summary = page.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    assert 'href="#id_pdf"' in summary and message in summary
    assert 'value="Hoarding panel referrals"' in page
    assert f'value="{org_b.pk}" checked' in page
    assert not Agreement.objects.exists()
    assert stored_files() == []


def test_the_service_refuses_a_pdf_with_a_script_whoever_calls_it(governance_a, org_a, org_b):
    today = timezone.localdate()
    with pytest.raises(DomainError, match="scripts, actions or attached files"):
        external.agreement_record_external(
            by=governance_a,
            organisation=org_a,
            parties=[org_b],
            title="Paper agreement",
            start_date=today,
            end_date=None,
            review_date=today + datetime.timedelta(days=365),
            has_special_category=False,
            has_criminal_offence=False,
            pdf=files.upload(files.pdf_with_launch_action()),
        )
    assert not Agreement.objects.exists()
    assert stored_files() == []
