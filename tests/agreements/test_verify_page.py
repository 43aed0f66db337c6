"""The verify page open to anyone: bounded work whatever the file, limits per IP address and
per person, CSRF for people who are not signed in, and nothing of an agreement shown beyond
what its seal states."""

import multiprocessing
import time

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from agreements import sealing
from agreements.verification import Verdict, verify_pdf
from tests.conftest import tiny_pdf

from .crafted_pdf import crafted_pdf
from .test_sealing import sign_all, stored

pytestmark = pytest.mark.django_db
VERIFY = reverse("agreements:verify")


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sealed_pdf(agreement, signatory_a, signatory_b, password):
    sign_all(agreement, [signatory_a, signatory_b], password)
    return stored(sealing.agreement_seal(agreement_id=agreement.pk))


def upload(content: bytes):
    return SimpleUploadedFile("agreement.pdf", content, content_type="application/pdf")


def check(client, content: bytes, address="192.0.2.10", **extra):
    return client.post(VERIFY, {"pdf": upload(content)}, REMOTE_ADDR=address, **extra)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


# --- Bounded work ---------------------------------------------------------------------------
def test_the_crafted_file_is_answered_cannot_be_checked_within_the_bound(db):
    data = crafted_pdf()
    assert len(data) > 14 * 1024 * 1024
    started = time.monotonic()
    response = check(Client(), data)
    elapsed = time.monotonic() - started
    page = response.content.decode()
    assert response.status_code == 200
    assert "This file cannot be checked." in page
    assert "Not checked" in page
    # A safety bound, not a speed goal: before the bounds this took 17 to 60 seconds.
    assert elapsed < 10, elapsed


def test_too_many_revisions_is_not_checked(settings, sealed_pdf):
    settings.AGREEMENT_VERIFY_MAX_REVISIONS = 2
    result = verify_pdf(sealed_pdf + b"\n%%EOF\n")
    assert result.verdict == Verdict.UNCHECKABLE
    assert "more than 2 revisions" in result.problems[0]
    assert result.seals == []


def test_too_many_objects_is_not_checked(settings, db):
    settings.AGREEMENT_VERIFY_MAX_OBJECTS = 1000
    result = verify_pdf(crafted_pdf(objects=1001, markers=1))
    assert result.verdict == Verdict.UNCHECKABLE
    assert "more than 1000 objects" in result.problems[0]
    # One under the bound is read (and found to carry no seal).
    settings.AGREEMENT_VERIFY_MAX_OBJECTS = 1001
    assert verify_pdf(crafted_pdf(objects=1001, markers=1)).verdict != Verdict.UNCHECKABLE


def test_a_check_past_the_deadline_is_killed_and_answered(settings, db):
    # Within the object and revision bounds, but slow to read at every cut-off point.
    settings.AGREEMENT_VERIFY_MAX_OBJECTS = 10**7
    settings.AGREEMENT_VERIFY_MAX_REVISIONS = 100
    settings.AGREEMENT_VERIFY_TIMEOUT = 1.0
    started = time.monotonic()
    result = verify_pdf(crafted_pdf())
    assert time.monotonic() - started < 10
    assert result.verdict == Verdict.UNCHECKABLE
    assert "longer than the 1.0 seconds" in result.problems[0]
    assert multiprocessing.active_children() == []  # the checking process did not outlive it


def test_a_genuine_sealed_pdf_is_still_checked_within_the_bounds(sealed_pdf, agreement):
    result = verify_pdf(sealed_pdf)
    assert result.ok and result.agreement == agreement


# --- Open to anyone, revealing only what the seal states ------------------------------------
def test_anyone_can_verify_a_genuine_sealed_pdf_without_signing_in(sealed_pdf, agreement):
    response = check(Client(), sealed_pdf)
    page = response.content.decode()
    agreement.refresh_from_db()
    assert response.status_code == 200
    assert "Genuine and unchanged" in page
    # The reference and title are written in the PDF itself; nothing else of the register.
    assert agreement.reference in page and agreement.title in page
    assert reverse("agreements:detail", args=[agreement.reference]) not in page
    assert f"({agreement.get_status_display().lower()})" not in page


def test_a_party_member_gets_the_link_and_status(sealed_pdf, agreement, member_a):
    page = check(signed_in(member_a), sealed_pdf).content.decode()
    agreement.refresh_from_db()
    assert "Genuine and unchanged" in page
    assert reverse("agreements:detail", args=[agreement.reference]) in page
    assert f"({agreement.get_status_display().lower()})" in page


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_an_unsealed_or_unknown_file_shows_nothing_of_an_agreement(who, agreement, outsider):
    client = Client() if who == "anonymous" else signed_in(outsider)
    with agreement.draft_pdf.open("rb") as handle:
        draft = handle.read()
    for content in (draft, tiny_pdf("Something else")):
        page = check(client, content).content.decode()
        assert "This PDF carries no seal from the portal." in page
        assert "No agreement in the register" in page
        assert agreement.reference not in page and agreement.title not in page
        assert "draft" not in page.lower().split("<main")[1]


def test_csrf_is_checked_for_someone_not_signed_in(sealed_pdf):
    client = Client(enforce_csrf_checks=True)
    assert check(client, sealed_pdf).status_code == 403  # no token
    client.get(VERIFY)
    token = client.cookies["csrftoken"].value
    response = client.post(
        VERIFY, {"pdf": upload(sealed_pdf), "csrfmiddlewaretoken": token}, REMOTE_ADDR="192.0.2.1"
    )
    assert response.status_code == 200
    assert "Genuine and unchanged" in response.content.decode()


# --- Limits ---------------------------------------------------------------------------------
def test_people_behind_one_address_share_its_limit(settings, member_a, outsider):
    settings.AGREEMENT_VERIFY_RATE = 10
    settings.AGREEMENT_VERIFY_RATE_PER_IP = 2
    assert check(signed_in(member_a), tiny_pdf("x")).status_code == 200
    assert check(signed_in(outsider), tiny_pdf("x")).status_code == 200
    refused = check(signed_in(outsider), tiny_pdf("x"))
    assert refused.status_code == 429
    assert "checked from your network" in refused.content.decode()
    assert check(Client(), tiny_pdf("x")).status_code == 429  # anonymous from there too
    # Someone at another address is not held up.
    assert check(Client(), tiny_pdf("x"), address="198.51.100.7").status_code == 200


def test_a_person_is_limited_across_addresses(settings, member_a):
    settings.AGREEMENT_VERIFY_RATE = 2
    settings.AGREEMENT_VERIFY_RATE_PER_IP = 10
    client = signed_in(member_a)
    assert check(client, tiny_pdf("x"), address="192.0.2.1").status_code == 200
    assert check(client, tiny_pdf("x"), address="192.0.2.2").status_code == 200
    refused = check(client, tiny_pdf("x"), address="192.0.2.3")
    assert refused.status_code == 429
    assert "You have checked 2 PDFs" in refused.content.decode()


def test_the_limit_per_address_reads_the_client_behind_the_proxy(settings):
    settings.PROXY_COUNT = 1
    settings.AGREEMENT_VERIFY_RATE_PER_IP = 1
    proxy = "10.0.0.5"
    first = {"HTTP_X_FORWARDED_FOR": "203.0.113.1"}
    assert check(Client(), tiny_pdf("x"), address=proxy, **first).status_code == 200
    assert check(Client(), tiny_pdf("x"), address=proxy, **first).status_code == 429
    # A forged entry to the left of the proxy's own does not escape the limit.
    forged = {"HTTP_X_FORWARDED_FOR": "1.2.3.4, 203.0.113.1"}
    assert check(Client(), tiny_pdf("x"), address=proxy, **forged).status_code == 429
    other = {"HTTP_X_FORWARDED_FOR": "203.0.113.2"}
    assert check(Client(), tiny_pdf("x"), address=proxy, **other).status_code == 200


# --- What the page says of a tampered copy -------------------------------------------------


def _altered_byte(pdf: bytes) -> bytes:
    position = pdf.index(b"Test PDF ") + len(b"Test PDF ")  # inside the signed range
    altered = bytearray(pdf)
    altered[position] = ord("X") if altered[position] != ord("X") else ord("Y")
    return bytes(altered)


def _new_revision(pdf: bytes) -> bytes:
    import io

    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    writer.root["/Lang"] = generic.pdf_string("fr-FR")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("tamper", [_altered_byte, _new_revision], ids=["byte", "revision"])
def test_a_tampered_copy_is_sealed_by_this_portal_then_changed(sealed_pdf, tamper):
    page = check(Client(), tamper(sealed_pdf)).content.decode()
    assert "Sealed by this portal" in page
    assert "changed after it was sealed" in page
    assert "not sealed by this portal" not in page.lower()
    assert "not this portal" not in page
