"""Verifying a PDF: the signed agreement as sealed, a draft recognised as a draft, and every
way a copy can differ from what was sealed reported as tampered, with the reason."""

import io

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers

from agreements import sealing
from agreements.models import SealingCertificate
from agreements.verification import Verdict, verify_pdf
from tests.conftest import tiny_pdf

from .test_sealing import sign_all, stored

pytestmark = pytest.mark.django_db


@pytest.fixture
def sealed_pdf(agreement, signatory_a, signatory_b, password):
    sign_all(agreement, [signatory_a, signatory_b], password)
    return stored(sealing.agreement_seal(agreement_id=agreement.pk))


def test_the_signed_agreement_is_recognised_with_an_intact_seal(sealed_pdf, agreement):
    result = verify_pdf(sealed_pdf)
    assert result.ok
    assert result.verdict == Verdict.SEALED
    assert result.matches == "signed" and result.agreement == agreement
    [seal] = result.seals
    assert seal.intact and seal.valid and seal.trusted
    assert seal.coverage == "ENTIRE_FILE"
    assert seal.certificate == SealingCertificate.objects.get(is_current=True)
    assert result.problems == []


def test_appended_bytes_are_reported_as_tampered(sealed_pdf):
    result = verify_pdf(sealed_pdf + b"\n% an extra line after the seal\n")
    assert result.verdict == Verdict.TAMPERED
    assert not result.ok
    assert result.matches == ""
    [seal] = result.seals
    assert seal.intact  # the sealed bytes are untouched...
    assert seal.coverage != "ENTIRE_FILE"  # ...but the seal no longer covers the file
    assert any("does not cover the whole file" in p for p in result.problems)


def test_an_altered_byte_is_reported_as_tampered(sealed_pdf):
    position = sealed_pdf.index(b"Test PDF ") + len(b"Test PDF ")  # inside the page's text
    altered = bytearray(sealed_pdf)
    altered[position] = ord("X") if altered[position] != ord("X") else ord("Y")
    result = verify_pdf(bytes(altered))
    assert result.verdict == Verdict.TAMPERED
    [seal] = result.seals
    assert not seal.intact
    assert any("seal is broken" in p for p in result.problems)


def test_a_change_added_as_a_new_revision_is_reported(sealed_pdf):
    writer = IncrementalPdfFileWriter(io.BytesIO(sealed_pdf))
    writer.root["/Lang"] = generic.pdf_string("fr-FR")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    result = verify_pdf(out.getvalue())
    assert result.verdict == Verdict.TAMPERED
    assert any("does not cover the whole file" in p for p in result.problems)


def test_the_draft_is_recognised_as_a_draft(agreement):
    with agreement.draft_pdf.open("rb") as handle:
        result = verify_pdf(handle.read())
    assert result.verdict == Verdict.DRAFT
    assert result.matches == "draft" and result.agreement == agreement
    assert "draft" in result.headline and not result.ok


def test_an_unknown_pdf_matches_nothing(db):
    result = verify_pdf(tiny_pdf("Something else"))
    assert result.verdict == Verdict.UNSEALED and result.agreement is None


def test_a_file_that_is_not_a_pdf_is_unreadable(db):
    result = verify_pdf(b"PK\x03\x04 a zip file")
    assert result.verdict == Verdict.UNREADABLE


def test_a_seal_by_another_certificate_is_not_trusted(sealed_pdf, tmp_path, settings):
    # Someone seals a PDF with a key of their own: intact, but not the portal's.
    settings.SEALING_LOCAL_DIR = tmp_path / "elsewhere"
    sealing._generate_local(tmp_path / "elsewhere")
    signer = signers.SimpleSigner.load(
        str(tmp_path / "elsewhere" / sealing.LOCAL_KEY),
        str(tmp_path / "elsewhere" / sealing.LOCAL_CERT),
    )
    fake = sealing.seal_pdf(
        tiny_pdf("A forged agreement"),
        credentials=sealing.SealingCredentials(signer=signer, certificate=None),
        reference="DSA-2026-9999",
    )
    result = verify_pdf(fake)
    assert result.verdict == Verdict.UNTRUSTED
    [seal] = result.seals
    assert seal.intact and not seal.trusted


@pytest.mark.parametrize("tail", [b"%%EOF\n", b"\nxref\n0 1\n%%EOF", b"\x00" * 64])
def test_bytes_that_break_the_file_after_the_seal_are_reported_as_tampered(sealed_pdf, tail):
    result = verify_pdf(sealed_pdf + tail)
    assert result.verdict == Verdict.TAMPERED
    assert any("bytes were added after" in p for p in result.problems)
