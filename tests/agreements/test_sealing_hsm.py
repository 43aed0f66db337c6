"""The sealing key in a PKCS#11 token (an HSM in production), through pyHanko's PKCS#11 signer
(issue #13, item 6): tested with Debian's SoftHSM2, a token made in a temporary folder, the key
and its certificate imported with python-pkcs11."""

import datetime
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from agreements import sealing
from agreements.models import AgreementStatus
from agreements.verification import Verdict, verify_pdf
from tests.conftest import require_service

from .test_sealing import sign_all, stored

pytestmark = pytest.mark.django_db

SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
TOKEN = "isf-seal"
PIN = "2468"
KEY_LABEL = "agreement-seal"


def _certificate(key) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "GMCA Agreement Seal (HSM)")])
    now = datetime.datetime.now(datetime.UTC)
    return (
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


@pytest.fixture(scope="session")
def softhsm_token(tmp_path_factory):
    """A SoftHSM2 token holding an EC sealing key and its certificate; the DER certificate.

    Session-wide: a PKCS#11 module reads SOFTHSM2_CONF once per process, when it is first
    initialised."""
    require_service(
        "SoftHSM2",
        os.path.exists(SOFTHSM_MODULE) and shutil.which("softhsm2-util") is not None,
        "install Debian's softhsm2 (apt-get install softhsm2)",
    )
    import pkcs11
    from pkcs11 import Attribute
    from pkcs11.util.ec import decode_ec_private_key
    from pkcs11.util.x509 import decode_x509_certificate

    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    config = folder / "softhsm2.conf"
    config.write_text(
        f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\n"
        "log.level = ERROR\n"
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOFTHSM2_CONF", str(config))
        subprocess.run(
            ["softhsm2-util", "--init-token", "--free", "--label", TOKEN]
            + ["--pin", PIN, "--so-pin", "13579111"],
            check=True,
            capture_output=True,
        )
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _certificate(key).public_bytes(serialization.Encoding.DER)
        key_der = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.TraditionalOpenSSL,  # ECPrivateKey, as python-pkcs11 reads
            serialization.NoEncryption(),
        )
        token = pkcs11.lib(SOFTHSM_MODULE).get_token(token_label=TOKEN)
        with token.open(rw=True, user_pin=PIN) as session:
            common = {Attribute.TOKEN: True, Attribute.LABEL: KEY_LABEL, Attribute.ID: b"\x01"}
            session.create_object(
                {
                    **decode_ec_private_key(key_der),
                    **common,
                    Attribute.PRIVATE: True,
                    Attribute.SENSITIVE: True,
                    Attribute.EXTRACTABLE: False,
                    Attribute.SIGN: True,
                }
            )
            session.create_object({**decode_x509_certificate(cert), **common})
        yield cert


@pytest.fixture
def hsm_settings(settings, softhsm_token, tmp_path):
    pin_file = tmp_path / "pin"
    pin_file.write_text(PIN + "\n")
    settings.SEALING_PKCS11_MODULE = SOFTHSM_MODULE
    settings.SEALING_PKCS11_TOKEN_LABEL = TOKEN
    settings.SEALING_PKCS11_PIN_FILE = str(pin_file)
    settings.SEALING_PKCS11_KEY_LABEL = KEY_LABEL
    return settings


@pytest.fixture
def signed(agreement, signatory_a, signatory_b, password):
    sign_all(agreement, [signatory_a, signatory_b], password)
    return agreement


def test_a_seal_made_with_the_hsm_key_verifies_on_the_verify_page(
    signed, hsm_settings, softhsm_token
):
    agreement = sealing.agreement_seal(agreement_id=signed.pk)

    assert agreement.status == AgreementStatus.ACTIVE
    certificate = agreement.sealing_certificate
    assert certificate.fingerprint_sha256 == hashlib.sha256(softhsm_token).hexdigest()
    assert not certificate.generated_locally and "(HSM)" in certificate.subject
    pdf = stored(agreement)
    result = verify_pdf(pdf)
    assert result.ok and result.verdict == Verdict.SEALED, result.problems
    assert result.seals[0].certificate == certificate
    cache.clear()
    upload = SimpleUploadedFile("agreement.pdf", pdf, content_type="application/pdf")
    page = Client().post(reverse("agreements:verify"), {"pdf": upload}).content.decode()
    assert "Genuine and unchanged" in page and "GMCA Agreement Seal (HSM)" in page


def test_a_wrong_pin_stops_sealing_with_a_configuration_error(signed, hsm_settings, tmp_path):
    wrong = Path(tmp_path / "wrong-pin")
    wrong.write_text("0000")
    hsm_settings.SEALING_PKCS11_PIN_FILE = str(wrong)
    with pytest.raises(sealing.SealingConfigurationError, match="cannot be opened"):
        sealing.agreement_seal(agreement_id=signed.pk)
    signed.refresh_from_db()
    assert signed.status == AgreementStatus.SEALING and not signed.signed_pdf
