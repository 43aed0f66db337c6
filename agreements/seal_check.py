"""Reading the seals of an uploaded PDF with a bounded amount of work, whatever the file.

Anyone may upload a file to the verify page, so the file is hostile until proven otherwise. A
PDF can make a reader do unbounded work: hundreds of thousands of objects, many revisions (each
one a cut-off point where a sealed prefix might end), streams that inflate to gigabytes. So:

- before any parsing, a cheap scan refuses files with more objects or more end-of-file markers
  than any agreement the portal seals (`too_complex`);
- the parsing runs in a separate process with a deadline, a memory ceiling and a cap on the
  cut-off points tried; on expiry the process is killed, so a web worker is never held longer
  than the deadline (`inspect_bounded`).

This module has no Django imports on purpose: the child process is forked from a clean
forkserver that preloads only this module, never from the web process (which holds database
connections and threads that must not be duplicated). The caller passes in plain values (the
trusted certificates as DER) and gets plain values back; the verdict is verification's job.
"""

import hashlib
import logging
import multiprocessing
import re
import resource
import time
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko_certvalidator import ValidationContext

logger = logging.getLogger(__name__)

EOF_MARKER = b"%%EOF"
# "12 0 obj": an indirect object written out in the file (objects packed inside object streams
# are counted through the cross-reference size, which must list them). Only the digit before
# the keyword is matched: `\d+\s+\d+` would backtrack quadratically over a long run of digits.
_OBJECT = re.compile(rb"\d\s+obj\b")
_XREF_SIZE = re.compile(rb"/Size\s+(\d{1,12})")
# Far more than any sealed agreement needs (a few hundred MB at most), far less than the host.
CHILD_MEMORY_BYTES = 1536 * 1024 * 1024

# A seal's certificate may carry either usage; both are a signature's.
KEY_USAGE = KeyUsageConstraints(
    key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False
)


@dataclass(frozen=True)
class SealFacts:
    """What pyHanko found about one signature, as plain values that cross a process boundary."""

    field_name: str
    intact: bool
    valid: bool
    chain_trusted: bool  # pyHanko's answer; the portal's own certificate list is checked later
    coverage: str
    modification_level: str | None
    docmdp_ok: bool | None
    signer: str
    signed_at: datetime | None  # the time the sealer's own clock claimed
    certificate_fingerprint: str
    # The signature's RFC 3161 timestamp (PAdES B-T and above), if it carries one: the time
    # it attests, whether the token is intact, valid and from a trusted authority, and who.
    timestamp_at: datetime | None = None
    timestamp_trusted: bool = False
    timestamp_authority: str = ""


@dataclass
class Inspection:
    """The seals of the whole file; or, when the whole file does not read as a PDF, the seals of
    the longest readable part ending at an end-of-file marker (`recovered`), if any."""

    seals: list[SealFacts] = field(default_factory=list)
    readable: bool = True
    recovered: bool = False
    error: str = ""


def too_complex(data: bytes, *, max_objects: int, max_revisions: int) -> str | None:
    """ "objects" or "revisions" when the file is past a bound, else None. Linear in the file's
    size and stops counting at the bound."""
    if data.count(EOF_MARKER) > max_revisions:
        return "revisions"
    for count, _match in enumerate(_OBJECT.finditer(data), start=1):
        if count > max_objects:
            return "objects"
    for size in _XREF_SIZE.finditer(data):
        if int(size.group(1)) > max_objects + 1:  # the table's size counts the free object 0
            return "objects"
    return None


def _facts(embedded, context) -> SealFacts:
    status = validate_pdf_signature(
        embedded, signer_validation_context=context, key_usage_settings=KEY_USAGE
    )
    level = status.modification_level
    stamp = status.timestamp_validity
    return SealFacts(
        field_name=embedded.field_name or "",
        intact=bool(status.intact),
        valid=bool(status.valid),
        chain_trusted=bool(status.trusted),
        coverage=status.coverage.name if status.coverage is not None else "UNCLEAR",
        modification_level=level.name if level is not None else None,
        docmdp_ok=status.docmdp_ok,
        signer=status.signing_cert.subject.human_friendly,
        signed_at=status.signer_reported_dt,
        certificate_fingerprint=hashlib.sha256(status.signing_cert.dump()).hexdigest(),
        timestamp_at=stamp.timestamp if stamp is not None else None,
        timestamp_trusted=bool(stamp and stamp.intact and stamp.valid and stamp.trusted),
        timestamp_authority=stamp.signing_cert.subject.human_friendly if stamp else "",
    )


def _seals_of(data: bytes, roots: list[bytes]) -> list[SealFacts]:
    reader = PdfFileReader(BytesIO(data), strict=False)
    embedded = list(reader.embedded_signatures)
    if not embedded:
        return []
    context = ValidationContext(
        trust_roots=[asn1_x509.Certificate.load(der) for der in roots],
        allow_fetching=False,
        revocation_mode="soft-fail",
    )
    return [_facts(signature, context) for signature in embedded]


def _sealed_prefix(data: bytes, roots: list[bytes], *, tries: int) -> list[SealFacts] | None:
    """The seals of the longest readable part of `data` that ends at an end-of-file marker,
    if that part is sealed: how a sealed PDF with junk appended is recognised. At most `tries`
    markers are tried, from the end."""
    end = len(data)
    for _attempt in range(tries):
        end = data.rfind(EOF_MARKER, 0, end)
        if end < 0:
            return None
        try:
            seals = _seals_of(data[: end + len(EOF_MARKER)], roots)
        except Exception as exc:  # still unreadable: try the previous marker
            logger.debug("Verify: no readable PDF ends at byte %s: %s", end, exc)
            continue
        if seals:
            return seals
    return None


def inspect(data: bytes, *, roots: list[bytes], max_revisions: int) -> Inspection:
    """Read the seals, in this process and without a deadline: call `inspect_bounded`."""
    if data.lstrip()[:5] != b"%PDF-":
        return Inspection(readable=False, error="not a PDF")
    try:
        return Inspection(seals=_seals_of(data, roots))
    except Exception as exc:  # any parsing failure: a damaged file or not a PDF at all
        recovered = _sealed_prefix(data, roots, tries=max_revisions)
        if recovered is not None:
            return Inspection(seals=recovered, readable=False, recovered=True, error=str(exc))
        return Inspection(readable=False, error=str(exc))


def _inspect_in_child(data, roots, max_revisions, sender) -> None:
    # A stream that inflates without end fails here with MemoryError, not by starving the host.
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY_BYTES, CHILD_MEMORY_BYTES))
    try:
        outcome = inspect(data, roots=roots, max_revisions=max_revisions)
    except MemoryError:
        outcome = None
    sender.send(outcome)
    sender.close()


def _context():
    context = multiprocessing.get_context("forkserver")
    # Only this module (and pyHanko through it) is loaded in the server the children fork
    # from: not the web process's __main__, settings or open connections.
    context.set_forkserver_preload([__name__])
    return context


def inspect_bounded(
    data: bytes, *, roots: list[bytes], max_revisions: int, timeout: float
) -> Inspection | None:
    """`inspect` in a child process; None when it did not answer within `timeout` seconds
    (the child is then killed) or died on the way (out of memory, crashed)."""
    deadline = time.monotonic() + timeout
    context = _context()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_inspect_in_child, args=(data, roots, max_revisions, sender), daemon=True
    )
    try:
        process.start()
        sender.close()
        if not receiver.poll(max(0.0, deadline - time.monotonic())):
            logger.warning("Verify: gave up on a file after %s seconds", timeout)
            return None
        return receiver.recv()
    except (EOFError, OSError) as exc:
        logger.warning("Verify: the checking process failed: %s", exc)
        return None
    finally:
        if process.pid is not None:
            if process.is_alive():
                process.kill()
            process.join(timeout=5)
        receiver.close()
