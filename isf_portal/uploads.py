"""What an uploaded document is, judged by reading all of it, then scanned (isf_portal.scanning).

Every upload form calls `checked_kind`. A file's name, its browser-given type, its first bytes
or a zip's list of names prove nothing: a PDF is accepted only when it parses and carries no
JavaScript, launch actions, opening actions other than "go to a page", embedded files or web
page markup; a Word file only when every entry decompresses (stream-read, within bounds on
entries and total size, whatever the headers claim) and it holds no macros. The work is
bounded too (objects walked, seconds spent), so a crafted file cannot hold a web worker.
"""

import io
import logging
import re
import time
import zipfile
from collections.abc import Collection

from django.utils.translation import gettext as _
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from . import scanning

logger = logging.getLogger(__name__)

PDF = "pdf"
DOCX = "docx"

# Bounds on the work one check may do. A long agreement exported from Word has a few thousand
# PDF objects; a scanned one a few per page. A DOCX's parts are a few dozen, images included.
MAX_PDF_OBJECTS = 10_000
MAX_PDF_NESTING = 64
MAX_CHECK_SECONDS = 3.0
MAX_DOCX_ENTRIES = 1_000
MAX_DOCX_UNPACKED_BYTES = 64 * 1024 * 1024
READ_CHUNK = 1024 * 1024

# Dictionary keys and action types that make a PDF do something when opened or clicked,
# beyond showing pages and following links: scripts, programs, attached files, Flash, XFA forms.
ACTIVE_KEYS = frozenset(
    {"/JS", "/JavaScript", "/EmbeddedFile", "/EmbeddedFiles", "/EF", "/RichMedia", "/XFA"}
)
ACTIVE_ACTIONS = frozenset(
    {"/JavaScript", "/Launch", "/GoToE", "/ImportData", "/RichMediaExecute", "/Rendition"}
)
# Markup a browser would run if it ever took the file for a web page (a PDF/HTML polyglot).
# Compressed streams are binary, so in a genuine PDF these appear at most by accident.
WEB_MARKUP = re.compile(rb"<(?:script|html|iframe|svg|body|object|embed)[\s>/]", re.IGNORECASE)
# A macro-enabled Word file: its VBA project part, or the content types that declare one.
MACRO_PARTS = ("vbaproject.bin", "vbadata.xml")
MACRO_TYPES = re.compile(rb"macroEnabled|vbaProject|ms-office\.activeX", re.IGNORECASE)


class UploadRefused(Exception):
    """Why an upload is refused, in words for the person who sent it. `code` names the check
    (`kind` when the file is not a kind asked for, so a form can word that in its own terms)."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


def checked_kind(upload, *, kinds: Collection[str]) -> str:
    """The upload's kind (PDF or DOCX), having read all of it and had it scanned; raises
    UploadRefused. Checking the same upload object again (a form, then its service) is free."""
    done = getattr(upload, "isf_checked_kind", None)
    if done in kinds:
        return done
    data = _read_all(upload)
    if data.startswith(b"%PDF-") and PDF in kinds:
        kind = PDF
        _check_pdf(data)
    elif data.startswith(b"PK\x03\x04") and DOCX in kinds:
        kind = DOCX
        _check_docx(upload)
    else:
        raise UploadRefused(_wrong_kind(kinds), code="kind")
    verdict = scanning.scan(upload)
    if verdict == scanning.FLAGGED:
        raise UploadRefused(_("The selected file contains a virus"), code="virus")
    if verdict != scanning.CLEAN:
        raise UploadRefused(
            _(
                "The selected file cannot be checked for viruses at the moment. "
                "Try again in a few minutes"
            ),
            code="scan_unavailable",
        )
    upload.isf_checked_kind = kind
    return kind


def _wrong_kind(kinds: Collection[str]) -> str:
    if DOCX in kinds:
        return _("The selected file must be a PDF or a Word (.docx) file")
    return _("The selected file must be a PDF")


def _read_all(upload) -> bytes:
    # Forms cap the size before this runs (20 MB at most), so the whole file fits in memory.
    upload.seek(0)
    try:
        return b"".join(upload.chunks())
    finally:
        upload.seek(0)


# --- PDF ------------------------------------------------------------------------------------
def _unreadable_pdf() -> UploadRefused:
    return UploadRefused(
        _("The selected file could not be read as a PDF. Save it as a PDF again"),
        code="unreadable",
    )


def _too_complex() -> UploadRefused:
    return UploadRefused(
        _("The selected file is too complex to check. Save it as a PDF again, or split it"),
        code="too_complex",
    )


def _active_content() -> UploadRefused:
    return UploadRefused(
        _(
            "The selected PDF contains scripts, actions or attached files. Save it as a plain "
            "PDF (for example, print it to PDF) and upload that"
        ),
        code="active_content",
    )


def _check_pdf(data: bytes) -> None:
    # A cheap bound before parsing: each object in plain sight says "obj" and "endobj".
    if data.count(b"obj") > 2 * MAX_PDF_OBJECTS + 2:
        raise _too_complex()
    deadline = time.monotonic() + MAX_CHECK_SECONDS
    try:
        # Its cross-reference table, every object in it and the page tree must read.
        reader = PdfReader(io.BytesIO(data), xref_stream_maximum_entries=MAX_PDF_OBJECTS)
        if reader.is_encrypted and not reader.decrypt(""):
            raise UploadRefused(
                _("The selected PDF is protected with a password. Remove the password"),
                code="encrypted",
            )
        root = reader.trailer["/Root"].get_object()
        if not isinstance(root, DictionaryObject) or len(reader.pages) < 1:
            raise _unreadable_pdf()
        references = {(n, gen) for gen, table in reader.xref.items() for n in table}
        references |= {(n, 0) for n in reader.xref_objStm}
        if len(references) > MAX_PDF_OBJECTS:
            raise _too_complex()
        _check_open_action(root)
        for number, generation in sorted(references):
            if time.monotonic() > deadline:
                raise _too_complex()
            _walk(IndirectObject(number, generation, reader).get_object(), depth=0)
    except UploadRefused:
        raise
    except RecursionError:
        raise _too_complex() from None
    except Exception as exc:  # pypdf raises many kinds on a broken file; all mean the same
        logger.info("Upload refused: the PDF does not parse (%s: %s)", type(exc).__name__, exc)
        raise _unreadable_pdf() from None
    if WEB_MARKUP.search(data):
        raise UploadRefused(
            _("The selected file contains web page code as well as a PDF. Save it as a PDF again"),
            code="polyglot",
        )


def _check_open_action(root: DictionaryObject) -> None:
    """An opening action may only go to a page (a destination, or a GoTo action)."""
    action = root.get("/OpenAction")
    if action is None:
        return
    action = action.get_object()
    if isinstance(action, ArrayObject):
        return
    if isinstance(action, DictionaryObject) and action.get("/S") == "/GoTo":
        return
    raise _active_content()


def _walk(obj, *, depth: int) -> None:
    """Refuse active content anywhere in one object; its references are walked as objects
    of their own (every object in the file is), so they are not followed here."""
    if depth > MAX_PDF_NESTING:
        raise _too_complex()
    if isinstance(obj, IndirectObject):
        return
    if isinstance(obj, DictionaryObject):
        if ACTIVE_KEYS.intersection(obj.keys()) or obj.get("/S") in ACTIVE_ACTIONS:
            raise _active_content()
        if obj.get("/Type") in ("/EmbeddedFile", "/Filespec") and "/EF" in obj:
            raise _active_content()
        for value in obj.values():
            _walk(value, depth=depth + 1)
    elif isinstance(obj, ArrayObject):
        for value in obj:
            _walk(value, depth=depth + 1)


# --- DOCX -----------------------------------------------------------------------------------
def _unreadable_docx() -> UploadRefused:
    return UploadRefused(
        _("The selected file could not be read as a Word document. Save it as a .docx again"),
        code="unreadable",
    )


def _too_large_unpacked() -> UploadRefused:
    return UploadRefused(
        _("The selected Word file is too large when unpacked. Save it again with smaller images"),
        code="too_large_unpacked",
    )


def _check_docx(upload) -> None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_DOCX_ENTRIES:
                raise UploadRefused(
                    _("The selected Word file has too many parts to check. Save it again"),
                    code="too_many_parts",
                )
            names = {entry.filename for entry in entries}
            if "[Content_Types].xml" not in names or "word/document.xml" not in names:
                raise UploadRefused(_wrong_kind((PDF, DOCX)), code="kind")
            if any(name.lower().rsplit("/", 1)[-1] in MACRO_PARTS for name in names) or any(
                name.lower().startswith("word/activex/") for name in names
            ):
                raise _macros()
            if MACRO_TYPES.search(archive.read("[Content_Types].xml")[:READ_CHUNK]):
                raise _macros()
            _read_bounded(archive, entries)
    except UploadRefused:
        raise
    except Exception as exc:  # a bad zip, a wrong CRC, an unknown method, an encrypted entry
        logger.info("Upload refused: the DOCX does not read (%s: %s)", type(exc).__name__, exc)
        raise _unreadable_docx() from None
    finally:
        upload.seek(0)


def _macros() -> UploadRefused:
    return UploadRefused(
        _(
            "The selected Word file contains macros. Save it as a Word Document (.docx) "
            "without macros"
        ),
        code="macros",
    )


def _read_bounded(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo]) -> None:
    """Decompress every entry, counting what comes out: the sizes in the headers are what the
    file claims, not what it holds. Past the bound the reading stops at once."""
    deadline = time.monotonic() + MAX_CHECK_SECONDS
    total = 0
    for entry in entries:
        with archive.open(entry) as stream:
            while chunk := stream.read(READ_CHUNK):
                total += len(chunk)
                if total > MAX_DOCX_UNPACKED_BYTES:
                    raise _too_large_unpacked()
                if time.monotonic() > deadline:
                    raise _too_large_unpacked()
