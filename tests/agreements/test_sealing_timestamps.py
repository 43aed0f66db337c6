"""Seals that outlive their certificate (issue #13, item 6): with a timestamp authority a seal
is PAdES B-T, with the trust roots too B-LT (OCSP responses and CRLs in the PDF's /DSS), the
verify page shows the trusted time, and a TSA that is down makes sealing retry, never fall back
to B-B. Against a real RFC 3161 TSA, OCSP responder and CRL served by certomancer on loopback
(loopback_pki.py)."""

import importlib.util
import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import date as date_filter
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import DocumentSecurityStore, validate_pdf_signature

from agreements import sealing
from agreements.models import AgreementStatus
from agreements.sealing_pki import PadesLevel, pades_level, trust_roots
from agreements.tasks import seal
from agreements.verification import Verdict, verify_pdf
from outbox.models import OutboxTask
from outbox.services import outbox_dispatch
from tests.conftest import require_service

from .loopback_pki import free_port, start_loopback_pki
from .test_sealing import sign_all, stored

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    require_service(
        "certomancer",
        importlib.util.find_spec("certomancer") is not None,
        "install the dev extra (pip install -c constraints.txt -e '.[dev]')",
    )
    served = start_loopback_pki(tmp_path_factory.mktemp("pki"))
    yield served
    served.stop()


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def signed(agreement, signatory_a, signatory_b, password):
    sign_all(agreement, [signatory_a, signatory_b], password)
    return agreement


def verify_page(pdf: bytes) -> str:
    upload = SimpleUploadedFile("agreement.pdf", pdf, content_type="application/pdf")
    response = Client().post(reverse("agreements:verify"), {"pdf": upload})
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


def shown(moment) -> str:
    return date_filter(timezone.localtime(moment), "j F Y, H:i:s T")


def test_without_a_tsa_the_seal_says_it_carries_only_the_portals_time(signed):
    assert pades_level() == PadesLevel.B_B
    pdf = stored(sealing.agreement_seal(agreement_id=signed.pk))
    [seal_report] = verify_pdf(pdf).seals
    assert seal_report.timestamp_at is None
    page = verify_page(pdf)
    assert "Genuine and unchanged" in page
    assert "Only the time the portal's own clock claimed: the seal carries no trusted" in page


def test_a_b_t_seal_carries_a_timestamp_that_validates_and_its_time_is_shown(signed, settings, pki):
    settings.SEALING_TSA_URL = pki.tsa_url
    assert pades_level() == PadesLevel.B_T
    before = timezone.now()
    pdf = stored(sealing.agreement_seal(agreement_id=signed.pk))
    assert "/DSS" not in PdfFileReader(io.BytesIO(pdf)).root  # B-T, not B-LT

    # Unless the TSA's root is trusted, its time is not vouched for.
    [untrusted] = verify_pdf(pdf).seals
    assert untrusted.timestamp_at is not None and not untrusted.timestamp_trusted
    assert "is not from a timestamp authority this portal trusts" in verify_page(pdf)

    settings.SEALING_TRUST_ROOTS = str(pki.root_pem)
    result = verify_pdf(pdf)
    assert result.ok, result.problems
    [seal_report] = result.seals
    assert seal_report.timestamp_trusted
    assert "Loopback Time Stamping Authority" in seal_report.timestamp_authority
    assert before <= seal_report.timestamp_at <= timezone.now()
    page = verify_page(pdf)
    assert "Genuine and unchanged" in page
    assert shown(seal_report.timestamp_at) in page
    assert "A trusted time: a timestamp from Common Name: Loopback Time Stamping" in page


def test_a_b_lt_seal_embeds_the_chains_ocsp_and_crl_and_validates_offline(signed, settings, pki):
    settings.SEALING_TSA_URL = pki.tsa_url
    settings.SEALING_TRUST_ROOTS = str(pki.root_pem)
    settings.SEALING_KEY_FILE = str(pki.seal_key)  # issued by the loopback CA
    settings.SEALING_CERT_FILE = str(pki.seal_cert)
    assert pades_level() == PadesLevel.B_LT

    agreement = sealing.agreement_seal(agreement_id=signed.pk)
    pdf = stored(agreement)

    assert "loopback CA" in agreement.sealing_certificate.subject
    reader = PdfFileReader(io.BytesIO(pdf))
    dss = reader.root["/DSS"]
    assert len(dss["/OCSPs"]) >= 1  # for the sealing certificate (its AIA names the responder)
    assert len(dss["/CRLs"]) >= 1  # for the TSA certificate (its CRL distribution point)
    assert len(dss["/Certs"]) >= 3  # root, sealing and TSA certificates
    # Long-term validation from what the file holds: no fetching, and revocation information
    # required for every certificate of both chains (the seal's and the timestamp's).
    offline = DocumentSecurityStore.read_dss(reader).as_validation_context(
        {"trust_roots": trust_roots(), "allow_fetching": False, "revocation_mode": "require"}
    )
    status = validate_pdf_signature(reader.embedded_signatures[0], offline)
    assert status.intact and status.valid and status.trusted
    assert status.timestamp_validity.trusted
    result = verify_pdf(pdf)
    assert result.ok, result.problems
    [seal_report] = result.seals
    assert seal_report.only_validation_info_added and seal_report.timestamp_trusted
    page = verify_page(pdf)
    assert "Genuine and unchanged" in page
    assert "only the certificates' validation information was added after it" in page
    assert shown(seal_report.timestamp_at) in page


def test_with_the_tsa_down_sealing_retries_and_never_falls_back_to_b_b(
    signed, settings, pki, monkeypatch
):
    settings.SEALING_TSA_URL = f"http://127.0.0.1:{free_port()}/tsa"  # nothing listens there
    attempts = []
    real_seal_pdf = sealing.seal_pdf

    def counted(*args, **kwargs):
        attempts.append(1)
        return real_seal_pdf(*args, **kwargs)

    monkeypatch.setattr(sealing, "seal_pdf", counted)
    row = OutboxTask.objects.get(task_name=seal.name, kwargs={"agreement_id": signed.pk})

    assert not outbox_dispatch(outbox_id=row.pk)

    assert len(attempts) == 1
    signed.refresh_from_db()
    assert signed.status == AgreementStatus.SEALING and not signed.signed_pdf  # no B-B seal
    row.refresh_from_db()
    assert row.status == OutboxTask.Status.PENDING  # the periodic redispatch hands it over again
    # The task asked Celery for a retry (eager here, so the Retry surfaces to the dispatcher).
    assert row.last_error.startswith("Retry in ")
    assert "SealingServiceUnavailable('The timestamp authority did not answer" in row.last_error

    settings.SEALING_TSA_URL = pki.tsa_url  # the TSA is back: the redispatch seals B-T
    assert outbox_dispatch(outbox_id=row.pk)
    assert len(attempts) == 2
    signed.refresh_from_db()
    assert signed.status == AgreementStatus.ACTIVE
    result = verify_pdf(stored(signed))
    assert result.verdict == Verdict.SEALED
    assert result.seals[0].timestamp_at is not None
    row.refresh_from_db()
    assert row.status == OutboxTask.Status.DONE


def test_b_lt_with_the_revocation_services_down_retries_too(signed, settings, tmp_path):
    down = start_loopback_pki(tmp_path / "pki")  # its OCSP responder and CRL: then gone
    down.stop()
    settings.SEALING_TSA_URL = down.tsa_url
    settings.SEALING_TRUST_ROOTS = str(down.root_pem)
    settings.SEALING_KEY_FILE = str(down.seal_key)
    settings.SEALING_CERT_FILE = str(down.seal_cert)
    with pytest.raises(sealing.SealingServiceUnavailable, match="Revocation information"):
        sealing.agreement_seal(agreement_id=signed.pk)
    signed.refresh_from_db()
    assert signed.status == AgreementStatus.SEALING and not signed.signed_pdf


def test_b_lt_with_a_certificate_outside_the_trust_roots_is_a_configuration_error(
    signed, settings, pki
):
    """The generated self-signed key cannot be B-LT: no root vouches for it. Said plainly, not
    retried as if a service were down."""
    settings.SEALING_TSA_URL = pki.tsa_url
    settings.SEALING_TRUST_ROOTS = str(pki.root_pem)
    with pytest.raises(sealing.SealingConfigurationError, match="SEALING_TRUST_ROOTS"):
        sealing.agreement_seal(agreement_id=signed.pk)
    signed.refresh_from_db()
    assert signed.status == AgreementStatus.SEALING and not signed.signed_pdf
