"""Verify an agreement: does an uploaded PDF match a signed agreement in the register, and is
its seal intact over the whole file?

The answer never rests on pyHanko's `valid` alone. A seal can be cryptographically valid and
still say nothing about the bytes after it, so each of these is checked and reported:

- intact: the digest of the sealed byte ranges matches (an altered byte breaks it);
- coverage: the seal covers the entire file (bytes appended after it, an incremental update
  or plain garbage, leave it covering only its own revision), or all of it but a B-LT seal's
  validation information, a revision that pyHanko finds adds nothing else;
- modification level and DocMDP: what any later revision changed, against the seal's
  "no changes" certification;
- trusted: the certificate is one of the SealingCertificates this portal has ever used;
- the time: a trusted RFC 3161 timestamp's (PAdES B-T and above, its authority chaining to
  SEALING_TRUST_ROOTS), or else only the time the portal's own clock claimed, said as such.

Anyone may use the verify page, signed in or not, so two more rules hold. The work done on a
file is bounded (seal_check: too many objects or revisions, or too slow, and the answer is
"this file cannot be checked"). And a viewer who may not see an agreement learns of it only
what its seal states: a file that is exactly a sealed, signed agreement names its reference
and title (written in the file they hold); anything else (a draft, an unsealed copy of an
agreement recorded outside the portal) reads to them as matching nothing.
"""

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _
from pyhanko.sign.validation.status import ModificationLevel, SignatureCoverageLevel

from . import seal_check
from .models import Agreement, SealingCertificate
from .sealing import SEAL_FIELD
from .sealing_pki import SealingConfigurationError, trust_roots

logger = logging.getLogger(__name__)


class Verdict:
    SEALED = "sealed"  # intact, whole file, trusted
    TAMPERED = "tampered"
    UNTRUSTED = "untrusted"  # intact, but sealed by a certificate the portal never used
    DRAFT = "draft"
    UNSEALED = "unsealed"
    UNREADABLE = "unreadable"
    UNCHECKABLE = "uncheckable"  # past a bound on the work a check may take


@dataclass
class SealReport:
    field_name: str
    intact: bool
    valid: bool
    trusted: bool
    # The certificate is one this portal has used, whatever became of the bytes since: a copy
    # changed after sealing is still known to have been sealed here (issue #12, item 4).
    by_portal: bool
    coverage: str
    modification_level: str | None
    docmdp_ok: bool | None
    signer: str
    signed_at: object
    certificate_fingerprint: str
    certificate: SealingCertificate | None = None
    timestamp_at: object = None
    timestamp_trusted: bool = False
    timestamp_authority: str = ""

    @property
    def only_validation_info_added(self) -> bool:
        """A B-LT seal: the revision after it adds only validation information (the /DSS of
        certificates, OCSP responses and CRLs), which pyHanko's diff analysis confirms."""
        return (
            self.coverage == SignatureCoverageLevel.ENTIRE_REVISION.name
            and self.modification_level == ModificationLevel.LTA_UPDATES.name
        )

    @property
    def covers_file(self) -> bool:
        return (
            self.coverage == SignatureCoverageLevel.ENTIRE_FILE.name
            or self.only_validation_info_added
        )

    @property
    def changed_after_sealing(self) -> bool:
        return not (self.intact and self.valid and self.covers_file)


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


def certificate_from_pem(text: str) -> asn1_x509.Certificate:
    _type, _headers, der = asn1_pem.unarmor(text.encode())
    return asn1_x509.Certificate.load(der)


def _report(facts: seal_check.SealFacts, known: dict[str, SealingCertificate]) -> SealReport:
    fingerprint = facts.certificate_fingerprint
    return SealReport(
        field_name=facts.field_name,
        intact=facts.intact,
        valid=facts.valid,
        trusted=facts.chain_trusted and fingerprint in known,
        by_portal=fingerprint in known,
        coverage=facts.coverage,
        modification_level=facts.modification_level,
        docmdp_ok=facts.docmdp_ok,
        signer=facts.signer,
        signed_at=facts.signed_at,
        certificate_fingerprint=fingerprint,
        certificate=known.get(fingerprint),
        timestamp_at=facts.timestamp_at,
        timestamp_trusted=facts.timestamp_trusted,
        timestamp_authority=facts.timestamp_authority,
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
    if not appended and not seal.covers_file:
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


def _seal_verdict(seals: list[SealReport]) -> tuple[str, list[str]]:
    """SEALED, TAMPERED or UNTRUSTED for a whole, readable file that carries seals."""
    problems = [problem for seal in seals for problem in _seal_problems(seal)]
    portal_seals = [s for s in seals if s.field_name == SEAL_FIELD] or seals
    last = portal_seals[-1]
    if problems:
        return Verdict.TAMPERED, problems
    if not last.trusted:
        problems.append(
            _(
                "The seal is intact, but its certificate (%(signer)s) is not one this portal "
                "has used to seal agreements."
            )
            % {"signer": last.signer}
        )
        return Verdict.UNTRUSTED, problems
    return Verdict.SEALED, problems


def _uncheckable(reason: str) -> list[str]:
    """Why a file was not checked, and what to do instead."""
    if reason == "objects":
        why = _(
            "It holds more than %(n)s objects: no agreement the portal seals is that complex, "
            "so it is not one exactly as the portal sealed it."
        ) % {"n": settings.AGREEMENT_VERIFY_MAX_OBJECTS}
    elif reason == "revisions":
        why = _(
            "It has more than %(n)s revisions: no agreement the portal seals has that many, "
            "so it is not one exactly as the portal sealed it."
        ) % {"n": settings.AGREEMENT_VERIFY_MAX_REVISIONS}
    else:
        why = _(
            "Checking it would take longer than the %(n)s seconds the portal spends on one "
            "file. Try again later."
        ) % {"n": settings.AGREEMENT_VERIFY_TIMEOUT}
    return [
        why,
        _("To check an agreement, ask one of its parties for the signed PDF from the portal."),
    ]


def _inspect(
    data: bytes, known: dict[str, SealingCertificate]
) -> tuple[seal_check.Inspection | None, str]:
    """The seals of `data` read within the bounds, or None and the bound it went past."""
    if data.lstrip()[:5] != b"%PDF-":
        return seal_check.Inspection(readable=False, error="not a PDF"), ""
    reason = seal_check.too_complex(
        data,
        max_objects=settings.AGREEMENT_VERIFY_MAX_OBJECTS,
        max_revisions=settings.AGREEMENT_VERIFY_MAX_REVISIONS,
    )
    if reason:
        return None, reason
    roots = [certificate_from_pem(c.certificate_pem).dump() for c in known.values()]
    try:
        # The roots of a timestamp authority (and of a CA-issued sealing certificate).
        roots += [root.dump() for root in trust_roots()]
    except SealingConfigurationError as exc:
        logger.error("Verify: %s", exc)
    inspection = seal_check.inspect_bounded(
        data,
        roots=roots,
        max_revisions=settings.AGREEMENT_VERIFY_MAX_REVISIONS,
        timeout=settings.AGREEMENT_VERIFY_TIMEOUT,
    )
    return inspection, "" if inspection is not None else "time"


def verify_pdf(data: bytes, *, may_see: Callable[[Agreement], bool] | None = None) -> Verification:
    """Everything the verify page says about an uploaded file. `may_see(agreement)` says whether
    the viewer may see an agreement the file matches; without it, every match is shown."""
    sha256 = hashlib.sha256(data).hexdigest()
    result = Verification(sha256=sha256, size=len(data), verdict=Verdict.UNSEALED, headline="")
    known = {c.fingerprint_sha256: c for c in SealingCertificate.objects.all()}
    inspection, bound = _inspect(data, known)
    seals = [_report(facts, known) for facts in inspection.seals] if inspection else []

    agreement, matches = _match(sha256)
    if agreement is not None and may_see is not None and not may_see(agreement):
        sealed_copy = (
            matches == "signed"
            and inspection is not None
            and inspection.readable
            and seals
            and _seal_verdict(seals)[0] == Verdict.SEALED
        )
        if not sealed_copy:
            agreement, matches = None, ""
    result.agreement, result.matches, result.seals = agreement, matches, seals
    not_in_register = _("It does not match any signed agreement in the register.")

    if inspection is None:
        logger.info("Verify: %s not checked, past the bound on %s", sha256, bound)
        result.verdict = Verdict.UNCHECKABLE
        result.headline = _("This file cannot be checked.")
        result.problems = _uncheckable(bound)
        return result

    if inspection.recovered:
        # A sealed document with bytes added after it that break the file's structure.
        logger.info("Verify: unreadable PDF %s: %s", sha256, inspection.error)
        result.verdict = Verdict.TAMPERED
        result.headline = _("This PDF has been changed since it was sealed.")
        result.problems = [
            _(
                "The seal does not cover the whole file: bytes were added after the "
                "sealed document, and the file no longer reads as a PDF."
            ),
            *[p for seal in seals for p in _seal_problems(seal, appended=True)],
        ]
        if matches != "signed":
            result.problems.append(not_in_register)
        return result

    if not inspection.readable:
        logger.info("Verify: unreadable PDF %s: %s", sha256, inspection.error)
        result.verdict = Verdict.UNREADABLE
        result.headline = _("This file cannot be read as a PDF.")
        result.problems = [
            _(
                "It may be damaged, or not a PDF at all. If it was a sealed agreement, it has "
                "been changed."
            )
        ]
        return result

    if not seals:
        if matches == "draft":
            result.verdict = Verdict.DRAFT
            result.headline = _(
                "This is the draft for signature of %(ref)s, not the signed agreement."
            ) % {"ref": agreement.reference}
            result.problems = [_("A draft carries no seal. Ask the parties for the signed PDF.")]
        else:
            result.verdict = Verdict.UNSEALED
            result.headline = _("This PDF carries no seal from the portal.")
            result.problems = [not_in_register]
        return result

    result.verdict, problems = _seal_verdict(seals)
    if result.verdict == Verdict.SEALED:
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
    elif result.verdict == Verdict.UNTRUSTED:
        result.headline = _("This PDF is sealed, but not by this portal.")
    else:
        result.headline = _("This PDF has been changed since it was sealed.")
        if matches != "signed":
            problems.append(not_in_register)
    result.problems = problems
    return result
