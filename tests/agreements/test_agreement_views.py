"""The agreement's pages: who may see them (party members and the steering group; anyone
else 404; signed-out people to sign-in), the live "preparing" region, downloads recorded,
signing and declining through the forms, and the verify page's limits."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from agreements import sealing
from agreements.models import (
    AgreementDownload,
    AgreementStatus,
    Signature,
)
from tests.conftest import tiny_pdf

from .test_sealing import sign_all

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def url(name, agreement=None, *args):
    return reverse(f"agreements:{name}", args=[agreement.reference, *args] if agreement else args)


def read(response) -> bytes:
    return b"".join(response.streaming_content)


# --- Who may see what -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "name,args",
    [("detail", ()), ("status", ()), ("download", ("draft",)), ("sign", ()), ("decline", ())],
)
def test_an_outsider_gets_404_on_every_agreement_page(agreement, client_for, outsider, name, args):
    response = client_for(outsider).get(url(name, agreement, *args))
    assert response.status_code == 404
    assert not AgreementDownload.objects.exists()


@pytest.mark.parametrize(
    "name,args",
    [("detail", ()), ("status", ()), ("download", ("draft",)), ("sign", ()), ("decline", ())],
)
def test_signed_out_people_are_sent_to_sign_in(agreement, client, name, args):
    response = client.get(url(name, agreement, *args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign-in"))


def test_an_unknown_reference_is_404(client_for, member_a, agreement):
    assert client_for(member_a).get("/agreements/DSA-1999-9999/").status_code == 404


def test_a_party_member_reads_the_agreement_page(agreement, client_for, member_a, org_b):
    response = client_for(member_a).get(url("detail", agreement))
    assert response.status_code == 200
    page = response.content.decode()
    assert agreement.reference in page
    for title in ("1. The parties", "11. Personal data breaches", "16. Signatories"):
        assert title in page
    assert org_b.name in page and org_b.ico_registration_number in page
    assert "Timeline" in page
    assert url("download", agreement, "draft") in page
    assert "Waiting" in page  # nobody has signed yet
    assert url("sign", agreement) not in page  # a member does not sign


def test_the_steering_group_reads_it_too(agreement, client_for, steering_member):
    assert client_for(steering_member).get(url("detail", agreement)).status_code == 200


def test_a_removed_member_loses_access(agreement, client_for, member_a, org_a):
    from organisations.services import sync_role_groups

    sync_role_groups(user=member_a, organisation=org_a, roles=[], member=False)
    assert client_for(member_a).get(url("detail", agreement)).status_code == 404


def test_markup_in_the_proposal_is_escaped_on_the_page(agreement, client_for, member_a):
    content = agreement.content
    content["sections"][1]["blocks"][0]["rows"][1][1] = "<script>alert(1)</script>"
    agreement.content = content
    agreement.save()
    page = client_for(member_a).get(url("detail", agreement)).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)</script>" not in page


# --- Preparing ------------------------------------------------------------------------------
def test_while_preparing_the_page_polls_into_a_polite_live_region(agreement, client_for, member_a):
    agreement.status = AgreementStatus.GENERATING
    agreement.save()
    page = client_for(member_a).get(url("detail", agreement)).content.decode()
    assert "Preparing the agreement" in page
    assert 'aria-live="polite"' in page
    assert f'hx-get="{url("status", agreement)}"' in page
    assert 'http-equiv="refresh"' not in page.lower()

    fragment = client_for(member_a).get(url("status", agreement))
    assert fragment.status_code == 200
    assert "Preparing the agreement" in fragment.content.decode()
    assert "<html" not in fragment.content.decode()


def test_when_ready_the_fragment_says_so_and_stops_the_polling(agreement, client_for, member_a):
    response = client_for(member_a).get(url("status", agreement))
    assert response.status_code == 286  # htmx stops polling on 286
    assert "The agreement is ready" in response.content.decode()


# --- Downloads ------------------------------------------------------------------------------
def test_downloading_the_draft_is_recorded(agreement, client_for, member_a):
    response = client_for(member_a).get(url("download", agreement, "draft"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    body = read(response)
    with agreement.draft_pdf.open("rb") as handle:
        assert body == handle.read()
    download = AgreementDownload.objects.get()
    assert (download.user, download.kind, download.sha256) == (
        member_a,
        "draft",
        agreement.draft_sha256,
    )


def test_the_signed_pdf_is_there_only_once_sealed(
    agreement, client_for, governance_b, signatory_a, signatory_b, password
):
    client = client_for(governance_b)
    assert client.get(url("download", agreement, "signed")).status_code == 404
    sign_all(agreement, [signatory_a, signatory_b], password)
    sealing.agreement_seal(agreement_id=agreement.pk)
    agreement.refresh_from_db()

    page = client.get(url("detail", agreement)).content.decode()
    assert "Download the signed agreement" in page and "Sue Signer" in page
    response = client.get(url("download", agreement, "signed"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    read(response)
    assert AgreementDownload.objects.filter(
        user=governance_b, kind="signed", sha256=agreement.signed_sha256
    ).exists()


def test_asking_to_view_a_pdf_inline_still_downloads_it(agreement, client_for, member_a):
    response = client_for(member_a).get(url("download", agreement, "draft") + "?view=1")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    read(response)


def test_an_unknown_download_kind_is_404(agreement, client_for, member_a):
    assert client_for(member_a).get(url("download", agreement, "other")).status_code == 404


# --- Signing --------------------------------------------------------------------------------
def test_a_party_member_who_is_not_a_signatory_gets_403_on_sign(agreement, client_for, member_a):
    client = client_for(member_a)
    assert client.get(url("sign", agreement)).status_code == 403
    assert client.post(url("sign", agreement), {"password": "x"}).status_code == 403
    assert client.get(url("decline", agreement)).status_code == 403
    assert not Signature.objects.exists()


def test_a_signatory_sees_the_exact_pdf_to_sign(agreement, client_for, signatory_a):
    response = client_for(signatory_a).get(url("sign", agreement))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="{url("download", agreement, "draft")}" download' in page
    assert "?view=1" not in page  # downloaded, never shown inline
    assert agreement.draft_sha256 in page
    assert 'autocomplete="current-password"' in page


def sign_data(agreement, password, **extra):
    return {
        "job_title": "Director of Legal Services",
        "confirm": "on",
        "password": password,
        "pdf_sha256": agreement.draft_sha256,
        **extra,
    }


def test_signing_with_a_wrong_password_shows_an_error_and_records_nothing(
    agreement, client_for, signatory_a
):
    owed = f"{agreement.parties.get(is_lead=True).pk}:siro"
    response = client_for(signatory_a).post(
        url("sign", agreement), sign_data(agreement, "wrong-password", signature=owed)
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "The password is not right" in page
    assert not Signature.objects.exists()


def test_signing_through_the_form(agreement, client_for, signatory_a, password):
    owed = f"{agreement.parties.get(is_lead=True).pk}:siro"
    response = client_for(signatory_a).post(
        url("sign", agreement), sign_data(agreement, password, signature=owed)
    )
    assert response.status_code == 302
    assert response["Location"] == url("detail", agreement)
    signature = Signature.objects.get()
    assert signature.signer == signatory_a
    assert signature.job_title == "Director of Legal Services"
    page = client_for(signatory_a).get(url("sign", agreement)).content.decode()
    assert "There is nothing for you to sign" in page


def test_repeated_wrong_passwords_are_throttled(agreement, client_for, signatory_a, password):
    client = client_for(signatory_a)
    owed = f"{agreement.parties.get(is_lead=True).pk}:siro"
    for _attempt in range(5):
        client.post(url("sign", agreement), sign_data(agreement, "wrong", signature=owed))
    response = client.post(url("sign", agreement), sign_data(agreement, password, signature=owed))
    assert "too many times" in response.content.decode()
    assert not Signature.objects.exists()


def test_declining_through_the_form(agreement, client_for, signatory_b):
    client = client_for(signatory_b)
    assert client.get(url("decline", agreement)).status_code == 200
    empty = client.post(url("decline", agreement), {"reason": ""})
    assert empty.status_code == 200 and "There is a problem" in empty.content.decode()
    response = client.post(url("decline", agreement), {"reason": "Retention is too long."})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.WITHDRAWN


# --- Verify ---------------------------------------------------------------------------------
def upload(content: bytes, name="agreement.pdf"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_verify_is_open_without_signing_in(client):
    response = client.get(url("verify"))
    assert response.status_code == 200
    assert "you do not need to sign in" in response.content.decode()


def test_any_signed_in_user_can_check_a_pdf(agreement, client_for, outsider, member_a):
    client = client_for(outsider)
    assert client.get(url("verify")).status_code == 200
    with agreement.draft_pdf.open("rb") as handle:
        draft = handle.read()
    response = client.post(url("verify"), {"pdf": upload(draft)})
    page = response.content.decode()
    assert response.status_code == 200
    # A draft carries no seal, so an outsider learns nothing of the agreement: not its
    # reference, not a link to its content, not that it exists.
    assert "This PDF carries no seal from the portal." in page
    assert agreement.reference not in page and agreement.title not in page
    assert url("detail", agreement) not in page
    # A member of a party is told which draft it is, with the link.
    page = client_for(member_a).post(url("verify"), {"pdf": upload(draft)}).content.decode()
    assert f"This is the draft for signature of {agreement.reference}" in page
    assert url("detail", agreement) in page


def test_verify_reports_a_tampered_copy(
    agreement, client_for, governance_b, signatory_a, signatory_b, password
):
    sign_all(agreement, [signatory_a, signatory_b], password)
    sealed = sealing.agreement_seal(agreement_id=agreement.pk)
    with sealed.signed_pdf.open("rb") as handle:
        pdf = handle.read()
    client = client_for(governance_b)
    good = client.post(url("verify"), {"pdf": upload(pdf)}).content.decode()
    assert "Genuine and unchanged" in good
    bad = client.post(url("verify"), {"pdf": upload(pdf + b"%%EOF\n")}).content.decode()
    assert "This PDF has been changed since it was sealed." in bad
    assert "does not cover the whole file" in bad


def test_verify_refuses_a_pdf_over_the_limit(client_for, member_a, settings):
    settings.AGREEMENT_VERIFY_MAX_BYTES = 1000
    response = client_for(member_a).post(url("verify"), {"pdf": upload(b"%PDF-" + b"0" * 2000)})
    assert response.status_code == 200
    assert "The PDF must be smaller than" in response.content.decode()


def test_verify_is_throttled(client_for, member_a, settings):
    settings.AGREEMENT_VERIFY_RATE = 2
    client = client_for(member_a)
    for _attempt in range(2):
        assert client.post(url("verify"), {"pdf": upload(tiny_pdf("x"))}).status_code == 200
    response = client.post(url("verify"), {"pdf": upload(tiny_pdf("x"))})
    assert response.status_code == 429
    assert "Wait a few minutes" in response.content.decode()


def test_while_sealing_the_page_explains_and_polls_like_preparing(agreement, client_for, member_a):
    agreement.status = AgreementStatus.SEALING
    agreement.save()
    page = client_for(member_a).get(url("detail", agreement)).content.decode()
    assert "Sealing the agreement." in page
    assert "Every signature is in" in page
    assert "adding the signature page and the seal" in page
    assert 'aria-live="polite"' in page
    assert f'hx-get="{url("status", agreement)}"' in page

    fragment = client_for(member_a).get(url("status", agreement))
    assert fragment.status_code == 200  # keeps polling until sealed
    assert "Sealing the agreement." in fragment.content.decode()

    agreement.status = AgreementStatus.ACTIVE
    agreement.save()
    done = client_for(member_a).get(url("status", agreement))
    assert done.status_code == 286
    assert "The agreement is sealed." in done.content.decode()


# --- What the page reads (issue #11) --------------------------------------------------------
# Queries of the agreement page for a party's governance officer (who sees the downloads and
# whether the timeline is intact) in a warm session: its parties and the proposal's reference
# once, the pending consents once for the page and the public-register panel, the memberships
# once. Pinned, and the same however many signatures, downloads and events it has.
# 18 before issue #11; the steering seat is read only if the memberships do not answer; 15
# before the user's grants came with the agreement's row, the proposal's reference with it
# (a join), and the public-register panel answered from the pending consents in hand.
AGREEMENT_PAGE_QUERIES = 12


def _page_queries(client, page: str) -> int:
    """The queries of one request for `page` in a warm session (its navigation cached)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert client.get(page).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(page).status_code == 200
    return len(queries)


def test_the_agreement_page_reads_the_same_however_much_it_has(
    agreement, client_for, governance_a, signatory_a, signatory_b, password
):
    client = client_for(governance_a)
    sign_all(agreement, [signatory_a, signatory_b], password)
    sealing.agreement_seal(agreement_id=agreement.pk)
    small = _page_queries(client, url("detail", agreement))

    for _ in range(3):  # each shown to the governance officer on the timeline
        read(client.get(url("download", agreement, "signed")))
    large = _page_queries(client, url("detail", agreement))
    assert client.get(url("detail", agreement)).content.decode().count("Downloaded") == 3

    # SQLite has no arrays: the user's grants are a query of their own there.
    expected = AGREEMENT_PAGE_QUERIES + (connection.vendor != "postgresql")
    assert small == large == expected


def test_the_proposal_page_names_its_agreements_status_without_reading_them_again(
    agreement, client_for, member_a, signatory_a, signatory_b, password
):
    page = reverse("requests:detail", args=[agreement.proposal.reference])
    client = client_for(member_a)
    awaiting = _page_queries(client, page)

    sign_all(agreement, [signatory_a, signatory_b], password)
    sealing.agreement_seal(agreement_id=agreement.pk)
    active = _page_queries(client, page)

    # An active agreement's label may say when it ends (terminates_on): read with the list,
    # not once more for each agreement.
    assert active == awaiting
    assert f"{agreement.reference}<span" in client.get(page).content.decode()
