"""Recording an agreement signed outside the portal: the PDF checked by content and stored
with its SHA-256, the parties, the dates, who may see it, and who may record it."""

import datetime
import hashlib

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from agreements import external, lifecycle, permissions
from agreements.demo import minimal_pdf
from agreements.models import Agreement, AgreementStatus
from agreements.permissions import POLICY, Action
from isf_portal.domain import DomainError
from notifications.models import Notification
from tests.agreements.register_builders import pdf_upload

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
YEAR = datetime.timedelta(days=365)


def record(by, organisation, parties, **overrides) -> Agreement:
    fields = {
        "title": "Safeguarding adults: strategy meeting minutes",
        "start_date": TODAY() - YEAR,
        "end_date": TODAY() + 2 * YEAR,
        "review_date": TODAY() + YEAR,
        "has_special_category": True,
        "has_criminal_offence": False,
        "pdf": pdf_upload("Signed on paper"),
        **overrides,
    }
    return external.agreement_record_external(
        by=by, organisation=organisation, parties=parties, **fields
    )


def upload(data: bytes, name="agreement.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


# --- The PDF --------------------------------------------------------------------------------
def test_a_real_pdf_passes():
    assert external.pdf_problem(pdf_upload()) is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"Dear colleague, please find the agreement attached.\n", "must be a PDF"),
        (b"<html><body>%PDF-1.4</body></html>", "must be a PDF"),
        (b"PK\x03\x04 a Word document really", "must be a PDF"),
        (b"%PDF-1.4\nthe rest was cut off", "not a complete PDF"),
        (b"%PDF-1.4\n<script>alert(1)</script>\n%%EOF\n", "could not be read as a PDF"),
    ],
)
def test_a_fake_pdf_is_refused(data, message):
    assert message in external.pdf_problem(upload(data))


def test_a_pdf_over_20_mb_is_refused(monkeypatch):
    data = minimal_pdf(["Big"])
    monkeypatch.setattr(external, "MAX_PDF_BYTES", len(data) - 1)
    assert "20 MB" in external.pdf_problem(upload(data))


def test_the_cap_is_20_mb():
    assert external.MAX_PDF_BYTES == 20 * 1024 * 1024


# --- Recording ------------------------------------------------------------------------------
def test_governance_officer_records_an_agreement_signed_outside_the_portal(
    org_a, org_b, governance_a, governance_b, member_a, steering_member, outsider
):
    pdf = pdf_upload("Signed on paper")
    data = pdf.read()
    agreement = record(governance_a, org_a, [org_b], pdf=pdf)
    agreement.refresh_from_db()
    assert agreement.is_external
    assert agreement.status == AgreementStatus.ACTIVE
    assert agreement.reference.startswith(f"DSA-{TODAY().year}-")
    assert agreement.has_special_category and not agreement.has_criminal_offence
    assert agreement.review_date == TODAY() + YEAR
    # Stored through the storage API, byte for byte, with its SHA-256.
    assert agreement.signed_sha256 == hashlib.sha256(data).hexdigest()
    with default_storage.open(agreement.signed_pdf.name, "rb") as stored:
        assert stored.read() == data
    assert agreement.signed_pdf.name.endswith(f"{agreement.reference}-signed.pdf")
    # Both organisations are parties, snapshotted, owing no signature on the portal.
    parties = list(agreement.parties.order_by("name"))
    assert [p.organisation for p in parties] == [org_a, org_b]
    assert parties[1].name == "Bradford Park NHS Trust" and parties[1].required_signatures == []
    # Parties' members and the steering group may open it; an outsider may not.
    for user in (member_a, governance_b, steering_member):
        assert user.has_perm(f"agreements.{POLICY[Action.VIEW].grant}", agreement), user
    assert not outsider.has_perm(f"agreements.{POLICY[Action.VIEW].grant}", agreement)
    # Audited, on the timeline, and the other party's governance officer is told.
    assert agreement.history.first().history_change_reason == "isf.agreement.recorded_external"
    assert agreement.history.first().history_user == governance_a
    assert agreement.events.get().kind == "recorded_external"
    told = Notification.objects.get(user=governance_b)
    assert agreement.reference in told.title and "Ardwick" in told.title
    assert not Notification.objects.filter(user=governance_a).exists()


def test_an_agreement_past_its_end_date_is_recorded_as_expired(org_a, org_b, governance_a):
    agreement = record(
        governance_a,
        org_a,
        [org_b],
        start_date=TODAY() - 3 * YEAR,
        end_date=TODAY() - YEAR,
        review_date=TODAY() - 2 * YEAR,
    )
    assert agreement.status == AgreementStatus.EXPIRED
    assert agreement.ended_at is not None
    assert list(agreement.events.values_list("kind", flat=True)) == ["expired", "recorded_external"]


def test_the_same_pdf_is_not_recorded_twice(org_a, org_b, governance_a):
    first = record(governance_a, org_a, [org_b], pdf=pdf_upload("Same"))
    with pytest.raises(DomainError, match=f"already in the register as {first.reference}"):
        record(governance_a, org_a, [org_b], pdf=pdf_upload("Same"))
    assert Agreement.objects.count() == 1


@pytest.mark.parametrize("persona", ["member_a", "admin_a", "approver_b"])
def test_only_a_governance_officer_of_the_organisation_may_record(persona, org_a, org_b, request):
    with pytest.raises(lifecycle.NotAllowed):
        record(request.getfixturevalue(persona), org_a, [org_b])
    assert not Agreement.objects.exists()


def test_a_governance_officer_records_only_for_their_own_organisation(org_a, org_b, governance_b):
    with pytest.raises(lifecycle.NotAllowed):
        record(governance_b, org_a, [org_b])


def test_an_agreement_needs_another_party(org_a, governance_a):
    with pytest.raises(DomainError, match="at least one other organisation"):
        record(governance_a, org_a, [org_a])
    assert not Agreement.objects.exists()


@pytest.mark.parametrize(
    ("dates", "message"),
    [
        ({"end_date": TODAY() - 2 * YEAR}, "end date must be the same as or after"),
        ({"review_date": TODAY() - 2 * YEAR}, "review date must be after the start date"),
        ({"review_date": TODAY() + 3 * YEAR}, "on or before the end date"),
    ],
)
def test_dates_must_be_in_order(org_a, org_b, governance_a, dates, message):
    with pytest.raises(DomainError, match=message):
        record(governance_a, org_a, [org_b], **dates)


def test_a_fake_pdf_records_nothing(org_a, org_b, governance_a):
    with pytest.raises(DomainError, match="must be a PDF"):
        record(governance_a, org_a, [org_b], pdf=upload(b"<html>not a pdf</html>", name="fake.pdf"))
    assert not Agreement.objects.exists()


def test_a_failure_after_storing_leaves_no_file_behind(org_a, org_b, governance_a, monkeypatch):
    def broken(*, agreement):
        raise RuntimeError("database went away")

    monkeypatch.setattr(permissions, "agreement_grant_parties", broken)
    with pytest.raises(RuntimeError):
        record(governance_a, org_a, [org_b])
    assert not Agreement.objects.exists()
    folders, files = default_storage.listdir(f"agreements/signed/{timezone.now().year}")
    assert files == []


# --- Serving and verifying the uploaded PDF -------------------------------------------------
def test_the_uploaded_pdf_is_only_ever_served_as_an_attachment(org_a, org_b, governance_a, client):
    # Whatever a governance officer uploaded (scripts included) never opens in the portal's
    # origin: an attachment, not sniffed, whatever the query asks.
    data = pdf_upload("Signed on paper").read()
    agreement = record(governance_a, org_a, [org_b], pdf=pdf_upload("Signed on paper"))
    client.force_login(governance_a, backend="django.contrib.auth.backends.ModelBackend")
    download = reverse("agreements:download", args=[agreement.reference, "signed"])
    for query in ("", "?view=1"):
        response = client.get(download + query)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == data


def test_verifying_an_unsealed_external_pdf_reveals_nothing_to_a_non_party(
    org_a, org_b, governance_a, member_a, client
):
    data = pdf_upload("Signed on paper").read()
    agreement = record(governance_a, org_a, [org_b], pdf=pdf_upload("Signed on paper"))
    verify = reverse("agreements:verify")
    upload = SimpleUploadedFile("a.pdf", data, content_type="application/pdf")
    page = client.post(verify, {"pdf": upload}).content.decode()
    assert "This PDF carries no seal from the portal." in page
    assert agreement.reference not in page and agreement.title not in page
    client.force_login(member_a, backend="django.contrib.auth.backends.ModelBackend")
    upload = SimpleUploadedFile("a.pdf", data, content_type="application/pdf")
    page = client.post(verify, {"pdf": upload}).content.decode()
    assert agreement.reference in page  # a party's member is told which agreement it is
