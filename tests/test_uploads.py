"""isf_portal.uploads: a document is judged by reading all of it, not its header or its zip's
list of names. Every file here is crafted in tests/upload_files.py."""

import io
import time

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.writer import PdfFileWriter

from isf_portal import uploads
from tests import upload_files as files
from tests.agreements.crafted_pdf import crafted_pdf

BOTH = (uploads.PDF, uploads.DOCX)


def refusal(data: bytes, kinds=BOTH) -> uploads.UploadRefused:
    with pytest.raises(uploads.UploadRefused) as caught:
        uploads.checked_kind(files.upload(data), kinds=kinds)
    return caught.value


def pdf_with_script_in_object_stream() -> bytes:
    """JavaScript in the name tree, both objects inside a compressed object stream: nothing
    of it is visible in the file's bytes."""
    writer = PdfFileWriter(stream_xrefs=True)
    stream = writer.prepare_object_stream()
    script = writer.add_object(
        generic.DictionaryObject(
            {
                generic.NameObject("/S"): generic.NameObject("/JavaScript"),
                generic.NameObject("/JS"): generic.TextStringObject("app.alert(1)"),
            }
        ),
        obj_stream=stream,
    )
    tree = writer.add_object(
        generic.DictionaryObject(
            {generic.NameObject("/Names"): generic.ArrayObject([generic.pdf_string("x"), script])}
        ),
        obj_stream=stream,
    )
    writer.root["/Names"] = generic.DictionaryObject({generic.NameObject("/Dests"): tree})
    box = [generic.NumberObject(n) for n in (0, 0, 595, 842)]
    writer.insert_page(
        generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/Page"),
                generic.NameObject("/MediaBox"): generic.ArrayObject(box),
            }
        )
    )
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    assert b"JavaScript" not in data
    return data


@pytest.mark.parametrize(
    "data, kind",
    [
        (files.pdf(), uploads.PDF),
        (files.pdf_opening_at_its_first_page(), uploads.PDF),
        (files.docx(), uploads.DOCX),
    ],
    ids=["pdf", "pdf-opening-at-a-page", "docx"],
)
def test_a_plain_document_is_accepted_for_what_it_is(data, kind):
    upload = files.upload(data, name="anything.txt")
    assert uploads.checked_kind(upload, kinds=BOTH) == kind
    assert upload.tell() == 0  # left ready to be stored


@pytest.mark.parametrize(
    "build",
    [
        files.pdf_with_open_action_script,
        files.pdf_with_hidden_script,
        files.pdf_with_launch_action,
        files.pdf_with_embedded_file,
        pdf_with_script_in_object_stream,
    ],
)
def test_a_pdf_that_would_run_or_carry_something_is_refused(build):
    assert refusal(build()).code == "active_content"


def test_a_pdf_that_is_also_a_web_page_is_refused():
    found = refusal(files.pdf_html_polyglot())
    assert found.code == "polyglot"
    assert "web page code" in found.message


def test_a_malformed_pdf_is_refused():
    assert refusal(files.malformed_pdf()).code == "unreadable"


def test_the_verify_page_attack_file_is_refused_before_it_is_parsed():
    """330,000 objects and twenty end markers in 14 MB: refused in a moment, not parsed."""
    data = crafted_pdf()
    started = time.monotonic()
    assert refusal(data).code == "too_complex"
    assert time.monotonic() - started < 1


def test_a_pdf_that_takes_too_long_to_walk_is_refused(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_CHECK_SECONDS", -1)
    assert refusal(files.pdf()).code == "too_complex"


def test_a_zip_is_not_a_pdf_where_only_a_pdf_will_do():
    found = refusal(files.docx(), kinds=(uploads.PDF,))
    assert (found.code, found.message) == ("kind", "The selected file must be a PDF")


@pytest.mark.parametrize(
    "data",
    [
        files.docx(extra={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0 VBA"}),
        files.docx(types=files.DOCM_TYPES),
    ],
    ids=["vba-project-part", "macro-enabled-content-type"],
)
def test_a_macro_enabled_word_file_is_refused(data):
    assert refusal(data).code == "macros"


def test_a_word_file_unpacking_to_512_mb_is_refused_at_once():
    """Its parts are inflated and counted, stopping at the cap: never 512 MB of work."""
    data = files.docx_unpacking_to(512)
    assert len(data) < 1024 * 1024  # a small upload, well inside the 10 MB limit
    started = time.monotonic()
    assert refusal(data).code == "too_large_unpacked"
    assert time.monotonic() - started < 1


def test_a_word_file_whose_headers_understate_its_size_is_refused():
    """Its headers say 1 KB; the part inflates to 512 MB. It is read, not believed."""
    started = time.monotonic()
    assert refusal(files.docx_unpacking_to(512, claimed_size=1024)).code == "unreadable"
    assert time.monotonic() - started < 1


def test_a_word_file_with_too_many_parts_is_refused():
    assert refusal(files.docx_with_many_entries(uploads.MAX_DOCX_ENTRIES)).code == "too_many_parts"
