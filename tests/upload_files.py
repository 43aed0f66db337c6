"""Crafted uploads, built here byte by byte: PDFs with scripts, actions, attachments or web page
markup, broken PDFs, macro-enabled Word files and a Word file that unpacks to 512 MB."""

import io
import struct
import zipfile
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile

# A string the tests' own ClamAV signature matches (tests/test_upload_scanning.py).
SCAN_MARKER = b"ISF-UPLOAD-SCAN-TEST-MARKER-7f3a"

DOCUMENT_XML = (
    b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
    b'wordprocessingml/2006/main"><w:body><w:p/></w:body></w:document>'
)
DOCX_TYPES = (
    b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'content-types"><Override PartName="/word/document.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
DOCM_TYPES = DOCX_TYPES.replace(
    b"vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    b"vnd.ms-word.document.macroEnabled.main+xml",
)


def upload(content: bytes, name: str = "document.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def pdf(*, catalog: bytes = b"", objects: tuple[bytes, ...] = (), comment: bytes = b"") -> bytes:
    """A one-page PDF with a correct cross-reference table. `catalog` is added to the
    catalog's dictionary, `objects` become objects 5, 6, ..., `comment` follows the header."""
    text = b"BT /F1 12 Tf 56 780 Td (A data protection impact assessment) Tj ET"
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"
        b" /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
        *objects,
    ]
    out = bytearray(b"%PDF-1.7\n" + comment + b"\n")
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(bodies) + 1,
        xref,
    )
    return bytes(out)


def pdf_with_open_action_script() -> bytes:
    return pdf(
        catalog=b"/OpenAction 5 0 R",
        objects=(b"<< /Type /Action /S /JavaScript /JS (app.alert\\('opened'\\)) >>",),
    )


def pdf_with_hidden_script() -> bytes:
    """JavaScript in the document's name tree, its names spelt with #-escapes."""
    return pdf(catalog=b"/Names << /J#61vaScript 5 0 R >>", objects=(b"<< /Names [] >>",))


def pdf_with_launch_action() -> bytes:
    return pdf(catalog=b"/OpenAction << /S /Launch /F (cmd.exe) >>")


def pdf_with_embedded_file() -> bytes:
    payload = b"MZ not really a program"
    return pdf(
        catalog=b"/Names << /EmbeddedFiles 5 0 R >>",
        objects=(
            b"<< /Names [(invoice.exe) 6 0 R] >>",
            b"<< /Type /Filespec /F (invoice.exe) /EF << /F 7 0 R >> >>",
            b"<< /Type /EmbeddedFile /Length %d >>\nstream\n" % len(payload)
            + payload
            + b"\nendstream",
        ),
    )


def pdf_html_polyglot() -> bytes:
    """A valid PDF that is also a web page with a script, hidden in a PDF comment."""
    return pdf(comment=b"%<html><body><script>alert(document.cookie)</script></body></html>")


def malformed_pdf() -> bytes:
    """The header and the end marker of a PDF around something that is not one."""
    return b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R\nendobj\ntrailer\n%%EOF\n"


def pdf_opening_at_its_first_page() -> bytes:
    """An opening action that only goes to a page: harmless, and common."""
    return pdf(catalog=b"/OpenAction [3 0 R /Fit]")


def docx(*, extra: dict[str, bytes] | None = None, types: bytes = DOCX_TYPES) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("word/document.xml", DOCUMENT_XML)
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def docx_with_many_entries(count: int) -> bytes:
    return docx(extra={f"word/media/image{n}.png": b"" for n in range(count)})


def docx_unpacking_to(megabytes: int, *, claimed_size: int | None = None) -> bytes:
    """A small .docx with one more part that inflates to `megabytes` MB of zeros: built from one
    compressed megabyte repeated (each full flush resets the compressor, so the output repeats),
    and zipped by hand. `claimed_size` makes its headers lie about the unpacked size."""
    megabyte = bytes(1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(megabyte) + compressor.flush(zlib.Z_FULL_FLUSH)
    last = compressor.compress(megabyte) + compressor.flush(zlib.Z_FINISH)
    data = block * (megabytes - 1) + last
    crc = 0
    for _ in range(megabytes):
        crc = zlib.crc32(megabyte, crc)
    size = (megabytes << 20) if claimed_size is None else claimed_size
    return _append_entry(docx(), b"word/media/image1.bin", data, crc=crc, size=size)


def _append_entry(archive: bytes, name: bytes, data: bytes, *, crc: int, size: int) -> bytes:
    """`archive` with one more deflated entry, its central directory rewritten."""
    end = archive.rindex(b"PK\x05\x06")
    (_sig, _d, _cd, _n_disk, count, cd_size, cd_offset, _c) = struct.unpack(
        "<IHHHHIIH", archive[end : end + 22]
    )
    local_offset = cd_offset
    local = struct.pack(
        "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), size, len(name), 0
    )
    central = struct.pack(
        "<IHHHHHHIIIHHHHHII",
        0x02014B50,
        20,
        20,
        0,
        8,
        0,
        0,
        crc,
        len(data),
        size,
        len(name),
        0,
        0,
        0,
        0,
        0,
        local_offset,
    )
    entries = archive[:cd_offset] + local + name + data
    directory = archive[cd_offset : cd_offset + cd_size] + central + name
    eocd = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, count + 1, count + 1, len(directory), len(entries), 0
    )
    return entries + directory + eocd
