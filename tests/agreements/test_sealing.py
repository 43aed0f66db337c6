"""Sealing: the final PDF with its signature page, a PAdES seal from the local or the
configured certificate, every certificate kept, the agreement active and governance officers
told."""

import hashlib
import io

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pypdf import PdfReader

from agreements import sealing, signing
from agreements.generation import services as generation
from agreements.models import AgreementEvent, AgreementStatus, SealingCertificate
from agreements.verification import Verdict, verify_pdf
from notifications.models import Email, Notification, NotificationKind

from .proposal_builders import approve, build_proposal

pytestmark = pytest.mark.django_db


def sign_all(agreement, users, password):
    for user in users:
        for owed in signing.owed_by(user=user, agreement=agreement):
            signing.signature_record(
                agreement=agreement,
                by=user,
                party=owed.party,
                capacity=owed.capacity,
                password=password,
                pdf_sha256=agreement.draft_sha256,
                job_title="Senior Information Risk Owner",
            )
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SEALING


def stored(agreement) -> bytes:
    with agreement.signed_pdf.open("rb") as handle:
        return handle.read()


@pytest.fixture
def signed(agreement, signatory_a, signatory_b, password):
    sign_all(agreement, [signatory_a, signatory_b], password)
    return agreement


def test_sealing_activates_the_agreement_and_tells_governance_officers(signed, governance_b):
    agreement = sealing.agreement_seal(agreement_id=signed.pk)

    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE
    assert agreement.activated_at is not None
    pdf = stored(agreement)
    assert hashlib.sha256(pdf).hexdigest() == agreement.signed_sha256
    assert agreement.sealing_certificate.is_current
    assert agreement.sealing_certificate.generated_locally
    assert AgreementEvent.objects.filter(agreement=agreement, kind="sealed").count() == 1
    assert agreement.history.first().history_change_reason == "isf.agreement.sealed"
    told = Notification.objects.get(user=governance_b, kind=NotificationKind.AGREEMENT)
    assert told.url == f"/agreements/{agreement.reference}/"
    assert agreement.signed_sha256 in told.email.body_text
    result = verify_pdf(pdf)
    assert result.verdict == Verdict.SEALED and result.matches == "signed"


def test_a_party_without_governance_officer_hears_of_the_seal_through_its_ig_mailbox(
    signed, org_a, org_b, governance_b
):
    """Like every other agreement notice (tell_parties): org_a has no governance officer on
    the portal, so its IG mailbox is told; org_b's officer is told, the mailbox copied."""
    org_a.ig_mailbox = "ig@lead.example"
    org_a.save(update_fields=["ig_mailbox"])
    org_b.ig_mailbox = "ig@partner.example"
    org_b.save(update_fields=["ig_mailbox"])

    agreement = sealing.agreement_seal(agreement_id=signed.pk)

    mailbox = Email.objects.get(to="ig@lead.example", recipient=None)
    assert mailbox.subject == f"{agreement.reference} is signed and sealed: {agreement.title}"
    assert "As the governance contact of" in mailbox.body_text
    assert agreement.signed_sha256 in mailbox.body_text
    officer = Email.objects.get(recipient=governance_b, subject=mailbox.subject)
    assert officer.cc == ["ig@partner.example"]
    assert "As a governance officer of" in officer.body_text


def test_sealing_twice_seals_once(signed):
    first = sealing.agreement_seal(agreement_id=signed.pk)
    second = sealing.agreement_seal(agreement_id=signed.pk)
    assert first.signed_sha256 == second.signed_sha256
    assert AgreementEvent.objects.filter(kind="sealed").count() == 1


def test_nothing_is_sealed_before_every_signature_is_in(agreement, signatory_a, password):
    sealing.agreement_seal(agreement_id=agreement.pk)
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.AWAITING_SIGNATURES
    assert not agreement.signed_pdf


def test_a_rotated_certificate_still_verifies_old_seals(
    signed,
    settings,
    tmp_path,
    org_a,
    org_b,
    member_a,
    approver_a,
    approver_b,
    signatory_a,
    signatory_b,
    password,
):
    old = sealing.agreement_seal(agreement_id=signed.pk)
    settings.SEALING_LOCAL_DIR = tmp_path / "rotated"  # a new key on first use
    proposal = build_proposal(lead=org_a, partners=[org_b], author=member_a, title="Second")
    version = approve(
        proposal, author=member_a, approvers={org_a.pk: approver_a, org_b.pk: approver_b}
    )
    newer = generation.agreement_generate(version_id=version.pk)
    sign_all(newer, [signatory_a, signatory_b], password)
    newer = sealing.agreement_seal(agreement_id=newer.pk)

    assert SealingCertificate.objects.count() == 2
    assert SealingCertificate.objects.get(is_current=True) == newer.sealing_certificate
    assert old.sealing_certificate != newer.sealing_certificate
    for sealed in (old, newer):
        result = verify_pdf(stored(sealed))
        assert result.verdict == Verdict.SEALED, result.problems
        assert result.seals[-1].certificate == sealed.sealing_certificate


def test_a_configured_pkcs12_certificate_seals_in_production(signed, settings, tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "GMCA Agreement Seal 2026")])
    import datetime

    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), True
        )
        .sign(key, hashes.SHA256())
    )
    bundle = tmp_path / "seal.p12"
    bundle.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"seal", key, cert, None, serialization.BestAvailableEncryption(b"s3cret-pass")
        )
    )
    settings.SEALING_KEY_FILE = str(bundle)
    settings.SEALING_KEY_PASSWORD = "s3cret-pass"

    agreement = sealing.agreement_seal(agreement_id=signed.pk)

    certificate = agreement.sealing_certificate
    assert not certificate.generated_locally
    assert "GMCA Agreement Seal 2026" in certificate.subject
    assert (
        certificate.fingerprint_sha256
        == hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()
    )
    assert verify_pdf(stored(agreement)).verdict == Verdict.SEALED


def test_an_unreadable_configured_key_stops_sealing(signed, settings, tmp_path):
    settings.SEALING_KEY_FILE = str(tmp_path / "missing.p12")
    with pytest.raises(sealing.SealingConfigurationError, match="SEALING_KEY_FILE"):
        sealing.agreement_seal(agreement_id=signed.pk)
    signed.refresh_from_db()
    assert signed.status == AgreementStatus.SEALING  # the outbox retries later


@pytest.mark.real_pdf
def test_the_sealed_pdf_keeps_its_tags_and_has_a_signature_page(signed, org_a, org_b):
    """PDF/UA with a seal: the seal is an incremental update, so the tagged structure stays;
    its widget is hidden and outside the page, which PDF/UA-1 allows untagged."""
    agreement = sealing.agreement_seal(agreement_id=signed.pk)
    pdf = stored(agreement)
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "en-GB"
    [field] = [f.get_object() for f in root["/AcroForm"]["/Fields"]]
    assert field["/FT"] == "/Sig"
    assert int(field["/F"]) & 2  # hidden
    assert not int(field["/F"]) & 4  # not printed
    assert all(float(c) < 0 for c in field["/Rect"])  # outside the page
    assert "/Perms" in root and "/DocMDP" in root["/Perms"]  # certification: no changes

    last_pages = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages[-2:])
    assert "Signature page" in last_pages
    assert "Sue Signer" in last_pages and "Sig Natory" in last_pages
    assert org_a.name in last_pages and org_b.name in last_pages
    assert signed.draft_sha256 in last_pages.replace(" ", "")
    first = " ".join((reader.pages[0].extract_text() or "").split())
    assert "Signed and sealed" in first
    assert verify_pdf(pdf).verdict == Verdict.SEALED


def test_sealing_tells_the_proposals_lead(signed, member_a):
    """Issue #12 item 13: the people who wrote the proposal hear that it is sealed."""
    sealing.agreement_seal(agreement_id=signed.pk)

    told = Notification.objects.get(user=member_a, kind=NotificationKind.AGREEMENT)
    assert told.url == f"/agreements/{signed.reference}/"
    assert "sealed" in told.title
