"""What a seal is made with besides its PDF: the key (in a file, or in a PKCS#11 token such as
an HSM), a trusted timestamp and the revocation information that lets it outlive its
certificate.

The PAdES level follows the configuration:

- B-B (the embedded default): the sealing time is only what the portal's clock claims, and an
  outside validator rejects the seal once its certificate has expired or been revoked;
- B-T, with a timestamp authority (SEALING_TSA_URL): an RFC 3161 timestamp over the
  signature proves when it was made;
- B-LT, with a TSA and the trust roots of the sealing and TSA certificates
  (SEALING_TRUST_ROOTS): the certificate chains and their OCSP responses and CRLs, fetched at
  sealing time, are embedded in the PDF's document security store (/DSS), so the seal can be
  validated long after, without the CA's services.

Once a TSA is configured the portal never falls back to a lesser seal: a TSA, OCSP responder
or CRL that cannot be reached raises SealingServiceUnavailable, and the sealing task retries
(then the outbox redispatches it) until they answer.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from django.conf import settings
from pyhanko.sign import signers, timestamps
from pyhanko_certvalidator import ValidationContext

logger = logging.getLogger(__name__)


class SealingConfigurationError(Exception):
    """The configured sealing key, certificate, token or trust roots cannot be used."""


class SealingServiceUnavailable(Exception):
    """A service a seal needs (the timestamp authority, an OCSP responder or a CRL) did not
    answer: transient, so sealing is retried rather than done to a lesser level."""


class PadesLevel:
    B_B = "B-B"
    B_T = "B-T"
    B_LT = "B-LT"


def pades_level() -> str:
    """The PAdES level the current settings seal at."""
    if not settings.SEALING_TSA_URL:
        return PadesLevel.B_B
    return PadesLevel.B_LT if settings.SEALING_TRUST_ROOTS else PadesLevel.B_T


# --- Trust roots, timestamps and revocation information -------------------------------------
def trust_roots() -> list[asn1_x509.Certificate]:
    """The certificates in SEALING_TRUST_ROOTS (one PEM file, any number of certificates)."""
    if not settings.SEALING_TRUST_ROOTS:
        return []
    path = Path(settings.SEALING_TRUST_ROOTS)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SealingConfigurationError(f"SEALING_TRUST_ROOTS {str(path)!r}: {exc}") from exc
    roots = [
        asn1_x509.Certificate.load(der)
        for kind, _headers, der in asn1_pem.unarmor(data, multiple=True)
        if kind == "CERTIFICATE"
    ]
    if not roots:
        raise SealingConfigurationError(f"SEALING_TRUST_ROOTS {str(path)!r} holds no certificate")
    return roots


def timestamper() -> timestamps.TimeStamper | None:
    """The timestamp authority's client, or None when no TSA is configured (B-B)."""
    if not settings.SEALING_TSA_URL:
        return None
    return timestamps.HTTPTimeStamper(
        settings.SEALING_TSA_URL, timeout=settings.SEALING_TSA_TIMEOUT
    )


def revocation_context() -> ValidationContext | None:
    """For B-LT: a context that fetches OCSP responses and CRLs for the sealing and TSA
    certificates' chains up to SEALING_TRUST_ROOTS. 'hard-fail': a certificate that names a
    revocation service must have an answer from it (a certificate that names none passes)."""
    if pades_level() != PadesLevel.B_LT:
        return None
    return ValidationContext(
        trust_roots=trust_roots(), allow_fetching=True, revocation_mode="hard-fail"
    )


def signature_metadata(**fields) -> signers.PdfSignatureMetadata:
    """The seal's signature metadata at the configured level (`fields`: the rest of it)."""
    context = revocation_context()
    if context is None:
        return signers.PdfSignatureMetadata(**fields)
    return signers.PdfSignatureMetadata(
        **fields, validation_context=context, embed_validation_info=True, use_pades_lta=False
    )


# --- Keys in a PKCS#11 token ----------------------------------------------------------------
def pkcs11_configured() -> bool:
    return bool(settings.SEALING_PKCS11_MODULE)


def _pkcs11_pin() -> str:
    if settings.SEALING_PKCS11_PIN_FILE:
        try:
            return Path(settings.SEALING_PKCS11_PIN_FILE).read_text().strip()
        except OSError as exc:
            raise SealingConfigurationError(f"SEALING_PKCS11_PIN_FILE: {exc}") from exc
    return settings.SEALING_PKCS11_PIN


@contextmanager
def pkcs11_signer() -> Iterator[signers.Signer]:
    """A signer whose key never leaves the token: a session is open for as long as the
    context lasts (the seal's signing), then closed."""
    # python-pkcs11 is loaded only where a token is configured.
    from pkcs11 import PKCS11Error
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

    try:
        session = open_pkcs11_session(
            settings.SEALING_PKCS11_MODULE,
            token_criteria=TokenCriteria(label=settings.SEALING_PKCS11_TOKEN_LABEL or None),
            user_pin=_pkcs11_pin() or None,
        )
    except (PKCS11Error, OSError, RuntimeError) as exc:
        raise SealingConfigurationError(
            f"The PKCS#11 token {settings.SEALING_PKCS11_TOKEN_LABEL!r} in "
            f"{settings.SEALING_PKCS11_MODULE} cannot be opened: {type(exc).__name__} {exc}"
        ) from exc
    labels = {
        "key_label": settings.SEALING_PKCS11_KEY_LABEL,
        "cert_label": settings.SEALING_PKCS11_CERT_LABEL or settings.SEALING_PKCS11_KEY_LABEL,
    }
    try:
        signer = PKCS11Signer(session, **labels)
        try:
            certificate = signer.signing_cert  # loaded now: a clear error here, not mid-seal
        except Exception as exc:
            raise SealingConfigurationError(
                f"The PKCS#11 token has no certificate labelled {labels['cert_label']!r}: {exc}"
            ) from exc
        if certificate.public_key.algorithm == "ec":
            # Hash in software, sign the digest in the token (CKM_ECDSA): tokens offer the raw
            # mechanism, not always ECDSA-with-SHA-256 in one (SoftHSM2 does not).
            signer = PKCS11Signer(
                session, **labels, signing_cert=certificate, use_raw_mechanism=True
            )
        yield signer
    finally:
        session.close()
