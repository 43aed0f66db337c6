"""Sealing: the final PDF (the agreement plus its signature page) gets a PAdES electronic seal
with pyHanko, a certification signature that allows no later changes. Its level (B-B, B-T with
a trusted timestamp, B-LT with revocation information embedded) follows the settings: see
sealing_pki.py.

Which certificate seals:

- production: a key in a PKCS#11 token (an HSM) named by the SEALING_PKCS11_* settings, or
  the key and certificate named by SEALING_KEY_FILE (PKCS#12, or a PEM/DER key with
  SEALING_CERT_FILE) and SEALING_KEY_PASSWORD;
- the embedded default: a key and self-signed certificate generated on first use and kept
  under SEALING_LOCAL_DIR (outside the media storage, never served).

Every certificate that ever sealed an agreement is recorded as a SealingCertificate, so old
seals still verify after a rotation (verification.py trusts all of them).

PDF/UA: the PDF is tagged (WeasyPrint's PDF/UA-1 variant) and the seal is an incremental
update, so the structure tree, language and metadata survive. The seal's widget annotation
is invisible and untagged, which PDF/UA-1 allows only for a hidden annotation outside the
page: hence InvisSigSettings(hidden, not printed, out of bounds). (PDF/A-2 would need the
print flag instead: the two cannot both hold for an untagged widget, and we choose PDF/UA.)
"""

import base64
import datetime
import hashlib
import logging
import os
import tempfile
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps import TimestampRequestError
from pyhanko_certvalidator.errors import InsufficientRevinfoError, PathError, ValidationError

from isf_portal.domain import audit
from notifications.models import NotificationKind
from sharing_requests.notices import lead_tell

from . import permissions
from .events import agreement_locked, timeline_add
from .lifecycle import on_activated, tell_parties
from .models import Agreement, AgreementStatus, SealingCertificate
from .sealing_pki import (
    PadesLevel,
    SealingConfigurationError,
    SealingServiceUnavailable,
    pades_level,
    pkcs11_configured,
    pkcs11_signer,
    signature_metadata,
    timestamper,
)

__all__ = ["SealingConfigurationError", "SealingServiceUnavailable"]

logger = logging.getLogger(__name__)

SEAL_FIELD = "PortalSeal"
LOCAL_KEY = "sealing-key.pem"
LOCAL_CERT = "sealing-certificate.pem"
LOCAL_VALIDITY_DAYS = 10 * 365

# An invisible seal that PDF/UA-1 accepts untagged (see the module docstring).
PDF_UA_INVISIBLE = fields.InvisSigSettings(
    set_print_flag=False, set_hidden_flag=True, box_out_of_bounds=True
)


@dataclass
class SealingCredentials:
    signer: signers.Signer
    certificate: SealingCertificate


# --- Keys and certificates -------------------------------------------------------------------
def _write_once(path: Path, data: bytes) -> bool:
    """Write `data` to `path` unless it exists (atomically: a concurrent first use by two
    workers keeps exactly one key). Returns whether this call wrote it."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        return True
    finally:
        os.unlink(tmp)


def _generate_local(directory: Path) -> None:
    """A sealing key and a self-signed certificate for the embedded default."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "GB"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Greater Manchester Combined Authority"),
            x509.NameAttribute(
                NameOID.COMMON_NAME, "ISF Portal agreement seal (locally generated)"
            ),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=LOCAL_VALIDITY_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # The key first: a certificate on disk always has its key beside it.
    if _write_once(directory / LOCAL_KEY, key_pem):
        (directory / LOCAL_CERT).unlink(missing_ok=True)
        _write_once(directory / LOCAL_CERT, certificate.public_bytes(serialization.Encoding.PEM))


def _load_configured() -> signers.SimpleSigner:
    key_file = settings.SEALING_KEY_FILE
    password = settings.SEALING_KEY_PASSWORD.encode() if settings.SEALING_KEY_PASSWORD else None
    if not os.access(key_file, os.R_OK):
        raise SealingConfigurationError(f"SEALING_KEY_FILE {key_file!r} cannot be read")
    if settings.SEALING_CERT_FILE:
        signer = signers.SimpleSigner.load(
            key_file, settings.SEALING_CERT_FILE, key_passphrase=password
        )
    else:
        signer = signers.SimpleSigner.load_pkcs12(key_file, passphrase=password)
    if signer is None:
        raise SealingConfigurationError(
            "The sealing key in SEALING_KEY_FILE (with SEALING_CERT_FILE and "
            "SEALING_KEY_PASSWORD) could not be loaded"
        )
    return signer


def _load_local() -> signers.SimpleSigner:
    directory = Path(settings.SEALING_LOCAL_DIR)
    if not (directory / LOCAL_KEY).exists() or not (directory / LOCAL_CERT).exists():
        _generate_local(directory)
    signer = signers.SimpleSigner.load(str(directory / LOCAL_KEY), str(directory / LOCAL_CERT))
    if signer is None:
        raise SealingConfigurationError(f"The local sealing key in {directory} cannot be loaded")
    return signer


def _record(cert: asn1_x509.Certificate, *, generated_locally: bool) -> SealingCertificate:
    """The SealingCertificate row of `cert`, made the current one."""
    der = cert.dump()
    fingerprint = hashlib.sha256(der).hexdigest()
    with transaction.atomic():
        row = (
            SealingCertificate.objects.select_for_update()
            .filter(fingerprint_sha256=fingerprint)
            .first()
        )
        if row is not None and row.is_current:
            return row
        SealingCertificate.objects.filter(is_current=True).exclude(
            fingerprint_sha256=fingerprint
        ).update(is_current=False)
        if row is None:
            pem = "-----BEGIN CERTIFICATE-----\n"
            pem += "\n".join(textwrap.wrap(base64.b64encode(der).decode(), 64))
            pem += "\n-----END CERTIFICATE-----\n"
            validity = cert["tbs_certificate"]["validity"]
            row = SealingCertificate(
                subject=cert.subject.human_friendly[:300],
                certificate_pem=pem,
                fingerprint_sha256=fingerprint,
                not_before=validity["not_before"].native,
                not_after=validity["not_after"].native,
                generated_locally=generated_locally,
            )
        row.is_current = True
        row.save()
    return row


@contextmanager
def sealing_credentials() -> Iterator[SealingCredentials]:
    """The signer to seal with now, and its certificate's record: from the PKCS#11 token if
    one is configured (its session open while the context lasts), else from the key file,
    else the locally generated key."""
    if pkcs11_configured():
        with pkcs11_signer() as signer:
            yield SealingCredentials(
                signer=signer, certificate=_record(signer.signing_cert, generated_locally=False)
            )
        return
    configured = bool(settings.SEALING_KEY_FILE)
    signer = _load_configured() if configured else _load_local()
    yield SealingCredentials(
        signer=signer,
        certificate=_record(signer.signing_cert, generated_locally=not configured),
    )


# --- Sealing --------------------------------------------------------------------------------
def _unreachable(exc: BaseException) -> bool:
    """Whether signing failed for want of an answer from a revocation service (transient), not
    because a certificate is revoked or untrusted (a configuration problem)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, InsufficientRevinfoError | TimestampRequestError | OSError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def seal_pdf(pdf: bytes, *, credentials: SealingCredentials, reference: str) -> bytes:
    """A PAdES certification seal over the whole of `pdf`, no later change allowed: B-B, or
    B-T/B-LT when a timestamp authority (and trust roots) are configured (sealing_pki)."""
    metadata = signature_metadata(
        field_name=SEAL_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
        reason=f"Data-sharing agreement {reference}: signed by every party and sealed",
        location="Greater Manchester Information Sharing Portal",
        name="Greater Manchester Information Sharing Portal",
    )
    pdf_signer = signers.PdfSigner(
        metadata,
        signer=credentials.signer,
        timestamper=timestamper(),
        new_field_spec=fields.SigFieldSpec(
            sig_field_name=SEAL_FIELD, invis_sig_settings=PDF_UA_INVISIBLE
        ),
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    try:
        output = pdf_signer.sign_pdf(writer)
    except TimestampRequestError as exc:
        raise SealingServiceUnavailable(f"The timestamp authority did not answer: {exc}") from exc
    except (SigningError, ValidationError, PathError) as exc:
        if _unreachable(exc):
            raise SealingServiceUnavailable(
                f"Revocation information could not be fetched: {exc}"
            ) from exc
        cause = exc.__cause__ or exc.__context__ or exc
        hint = ""
        if pades_level() == PadesLevel.B_LT:
            hint = (
                " At PAdES B-LT the sealing certificate must chain to a root in "
                "SEALING_TRUST_ROOTS and not be revoked."
            )
        raise SealingConfigurationError(
            f"The seal could not be made: {exc} ({cause}).{hint}"
        ) from exc
    return output.getvalue()


def agreement_seal(*, agreement_id: int) -> Agreement:
    """Render the final PDF, seal it, store it with its SHA-256, make the agreement active and
    tell each party's governance officers. Idempotent: once sealed, nothing more happens."""
    # The renderer loads WeasyPrint (a second of start-up): this module is imported by every
    # web process (verification needs SEAL_FIELD), the renderer only by the worker's work.
    from .pdf import render_agreement_pdf

    agreement = Agreement.objects.get(pk=agreement_id)
    if agreement.status != AgreementStatus.SEALING or agreement.signed_pdf:
        return agreement
    # Rendering and sealing take seconds: no lock is held. Two runs may both seal; only the
    # first to store keeps its file.
    with sealing_credentials() as credentials:
        sealed = seal_pdf(
            render_agreement_pdf(agreement, final=True),
            credentials=credentials,
            reference=agreement.reference,
        )
    with transaction.atomic():
        agreement = agreement_locked(agreement_id)
        if agreement.status != AgreementStatus.SEALING or agreement.signed_pdf:
            return agreement
        agreement.signed_sha256 = hashlib.sha256(sealed).hexdigest()
        agreement.signed_pdf.save(
            f"{agreement.reference}-signed.pdf", ContentFile(sealed), save=False
        )
        agreement.sealing_certificate = credentials.certificate
        agreement.status = AgreementStatus.ACTIVE
        agreement.activated_at = timezone.now()
        if agreement.start_date is None:
            agreement.start_date = timezone.localdate()
        audit(agreement, reason="isf.agreement.sealed")
        agreement.save(
            update_fields=[
                "signed_pdf",
                "signed_sha256",
                "sealing_certificate",
                "status",
                "activated_at",
                "start_date",
            ]
        )
        timeline_add(
            agreement,
            kind="sealed",
            description=(
                _("Signed by every party and sealed; the agreement is active (SHA-256 %(sha)s)")
                % {"sha": agreement.signed_sha256}
            ),
        )
        on_activated(agreement)
        tell_parties(
            agreement,
            kind=NotificationKind.AGREEMENT,
            title=_("%(ref)s is signed and sealed: %(title)s")
            % {"ref": agreement.reference, "title": agreement.title},
            template="agreement_sealed",
            context={},
            url=reverse("agreements:detail", args=[agreement.reference]),
        )
        _tell_proposal_lead(agreement)
    return agreement


def _tell_proposal_lead(agreement: Agreement) -> None:
    """The people who wrote the proposal hear that its agreement is sealed (those told above
    as a party's governance officers are not told twice)."""
    told = set(
        permissions.holders(permissions.Action.OVERSEE, agreement).values_list("user_id", flat=True)
    )
    lead_tell(
        agreement.proposal,
        kind=NotificationKind.AGREEMENT,
        title=_("%(ref)s is signed and sealed: %(title)s")
        % {"ref": agreement.reference, "title": agreement.title},
        url=reverse("agreements:detail", args=[agreement.reference]),
        template="agreement_sealed",
        context={"agreement": agreement, "lead": True},
        exclude=told,
    )
