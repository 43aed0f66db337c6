"""Verify an agreement: does an uploaded PDF match a signed agreement in the register, and is
its seal intact over the whole file?

The answer never rests on pyHanko's `valid` alone. A seal can be cryptographically valid and
still say nothing about the bytes after it, so each of these is checked and reported:

- intact: the digest of the sealed byte ranges matches (an altered byte breaks it);
- coverage: the seal covers the entire file (bytes appended after it, an incremental update
  or plain garbage, leave it covering only its own revision);
- modification level and DocMDP: what any later revision changed, against the seal's
  "no changes" certification;
- trusted: the certificate is one of the SealingCertificates this portal has ever used.
"""

import hashlib
import logging
from dataclasses import dataclass, field
from io import BytesIO

from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from django.db.models import Q
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import ModificationLevel, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from .models import Agreement, SealingCertificate
from .sealing import SEAL_FIELD

logger = logging.getLogger(__name__)


class Verdict:
    SEALED = "sealed"  # intact, whole file, trusted
    TAMPERED = "tampered"
    UNTRUSTED = "untrusted"  # intact, but sealed by a certificate the portal never used
    DRAFT = "draft"
    UNSEALED = "unsealed"
    UNREADABLE = "unreadable"


@dataclass
class SealReport:
    field_name: str
    intact: bool
    valid: bool
    trusted: bool
    coverage: str
    modification_level: str | None
    docmdp_ok: bool | None
    signer: str
    signed_at: object
    certificate_fingerprint: str
    certificate: SealingCertificate | None = None


@dataclass
class Verification:
    sha256: str
    size: int
    verdict: str
    headline: str
    problems: list[str] = field(default_factory=list)
    agreement: Agreement | None = None
    matches: str = ""  # "signed", "draft" or ""
    seals: list[SealReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.verdict == Verdict.SEALED and self.matches == "signed"


def _match(sha256: str) -> tuple[Agreement | None, str]:
    agreement = (
        Agreement.objects.filter(Q(signed_sha256=sha256) | Q(draft_sha256=sha256))
        .order_by("-pk")
        .first()
    )
    if agreement is None:
        return None, ""
    return agreement, "signed" if agreement.signed_sha256 == sha256 else "draft"


def _validation_context() -> tuple[ValidationContext, dict[str, SealingCertificate]]:
    known = {c.fingerprint_sha256: c for c in SealingCertificate.objects.all()}
    roots = [certificate_from_pem(c.certificate_pem) for c in known.values()]
    context = ValidationContext(
        trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail"
    )
    return context, known


def certificate_from_pem(text: str) -> asn1_x509.Certificate:
    _type, _headers, der = asn1_pem.unarmor(text.encode())
    return asn1_x509.Certificate.load(der)


# A seal's certificate may carry either usage; both are a signature's.
KEY_USAGE = KeyUsageConstraints(
    key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False
)


def _report(embedded, context, known) -> SealReport:
    status = validate_pdf_signature(
        embedded, signer_validation_context=context, key_usage_settings=KEY_USAGE
    )
    fingerprint = hashlib.sha256(status.signing_cert.dump()).hexdigest()
    level = status.modification_level
    return SealReport(
        field_name=embedded.field_name or "",
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted) and fingerprint in known,
        coverage=status.coverage.name if status.coverage is not None else "UNCLEAR",
        modification_level=level.name if level is not None else None,
        docmdp_ok=status.docmdp_ok,
        signer=status.signing_cert.subject.human_friendly,
        signed_at=status.signer_reported_dt,
        certificate_fingerprint=fingerprint,
        certificate=known.get(fingerprint),
    )


def _seal_problems(seal: SealReport, *, appended: bool = False) -> list[str]:
    problems = []
    if not seal.intact:
        problems.append(
            _(
                "The seal is broken: the sealed content does not match its fingerprint, so "
                "bytes inside the sealed document were changed after sealing."
            )
        )
    elif not seal.valid:
        problems.append(_("The seal's signature itself is not valid."))
    if not appended and seal.coverage != SignatureCoverageLevel.ENTIRE_FILE.name:
        if seal.modification_level and seal.modification_level != ModificationLevel.NONE.name:
            problems.append(
                _(
                    "The seal does not cover the whole file: changes were added after "
                    "sealing (%(level)s)."
                )
                % {"level": seal.modification_level.replace("_", " ").lower()}
            )
        else:
            problems.append(
                _(
                    "The seal does not cover the whole file: bytes were added after the "
                    "sealed document."
                )
            )
    if seal.docmdp_ok is False:
        problems.append(
            _("The seal allows no changes after sealing, and the file has been changed.")
        )
    return problems


def _seals_of(data: bytes) -> list[SealReport]:
    reader = PdfFileReader(BytesIO(data), strict=False)
    embedded = list(reader.embedded_signatures)
    if not embedded:
        return []
    context, known = _validation_context()
    return [_report(sig, context, known) for sig in embedded]


def _sealed_prefix(data: bytes, *, tries: int = 20) -> list[SealReport] | None:
    """The seals of the longest readable part of `data` that ends at an end-of-file marker,
    if that part is sealed: how a sealed PDF with junk appended is recognised."""
    end = len(data)
    for _attempt in range(tries):
        end = data.rfind(b"%%EOF", 0, end)
        if end < 0:
            return None
        prefix = data[: end + 5]
        try:
            seals = _seals_of(prefix)
        except Exception as exc:  # still unreadable: try the previous marker
            logger.debug("Verify: no readable PDF ends at byte %s: %s", end, exc)
            continue
        if seals:
            return seals
    return None


def verify_pdf(data: bytes) -> Verification:
    """Everything the verify page says about an uploaded file."""
    sha256 = hashlib.sha256(data).hexdigest()
    agreement, matches = _match(sha256)
    result = Verification(
        sha256=sha256,
        size=len(data),
        verdict=Verdict.UNSEALED,
        headline="",
        agreement=agreement,
        matches=matches,
    )
    try:
        if not data.lstrip()[:5] == b"%PDF-":
            raise ValueError("not a PDF")
        result.seals = _seals_of(data)
    except Exception as exc:  # any parsing failure: a damaged file or not a PDF at all
        logger.info("Verify: unreadable PDF %s: %s", sha256, exc)
        recovered = _sealed_prefix(data) if data.lstrip()[:5] == b"%PDF-" else None
        if recovered is not None:
            # A sealed document with bytes added after it that break the file's structure.
            result.seals = recovered
            result.verdict = Verdict.TAMPERED
            result.headline = _("This PDF has been changed since it was sealed.")
            result.problems = [
                _(
                    "The seal does not cover the whole file: bytes were added after the "
                    "sealed document, and the file no longer reads as a PDF."
                ),
                *[p for seal in recovered for p in _seal_problems(seal, appended=True)],
            ]
            if matches != "signed":
                result.problems.append(_("It does not match any signed agreement in the register."))
            return result
        result.verdict = Verdict.UNREADABLE
        result.headline = _("This file cannot be read as a PDF.")
        result.problems = [
            _(
                "It may be damaged, or not a PDF at all. If it was a sealed agreement, it has "
                "been changed."
            )
        ]
        return result

    if not result.seals:
        if matches == "draft":
            result.verdict = Verdict.DRAFT
            result.headline = _(
                "This is the draft for signature of %(ref)s, not the signed agreement."
            ) % {"ref": agreement.reference}
            result.problems = [_("A draft carries no seal. Ask the parties for the signed PDF.")]
        else:
            result.verdict = Verdict.UNSEALED
            result.headline = _("This PDF carries no seal from the portal.")
            result.problems = [_("It does not match any signed agreement in the register.")]
        return result

    problems = []
    for seal in result.seals:
        problems.extend(_seal_problems(seal))
    portal_seals = [s for s in result.seals if s.field_name == SEAL_FIELD] or result.seals
    last = portal_seals[-1]
    if problems:
        result.verdict = Verdict.TAMPERED
        result.headline = _("This PDF has been changed since it was sealed.")
    elif not last.trusted:
        result.verdict = Verdict.UNTRUSTED
        result.headline = _("This PDF is sealed, but not by this portal.")
        problems.append(
            _(
                "The seal is intact, but its certificate (%(signer)s) is not one this portal "
                "has used to seal agreements."
            )
            % {"signer": last.signer}
        )
    else:
        result.verdict = Verdict.SEALED
        if matches == "signed":
            result.headline = _(
                "This is the signed agreement %(ref)s, exactly as the portal sealed it."
            ) % {"ref": agreement.reference}
        else:
            result.headline = _("The seal is intact and was made by this portal.")
            problems.append(
                _(
                    "But the file does not match a signed agreement in the register: it may "
                    "belong to an agreement recorded elsewhere."
                )
            )
    if result.verdict == Verdict.TAMPERED and matches != "signed":
        problems.append(_("It does not match any signed agreement in the register."))
    result.problems = problems
    return result
