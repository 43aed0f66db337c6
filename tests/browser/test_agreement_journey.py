"""From an approved proposal to a signed, sealed PDF that a governance officer downloads and
the verify page accepts, in Chromium, with axe on every page on the way.

The agreement is generated in two steps here so the page can be seen "preparing" and then
updating itself through its polite live region when the worker finishes."""

import re

import pytest
from playwright.sync_api import Page, expect

from agreements.generation import services as generation
from agreements.models import Agreement, AgreementStatus
from organisations.models import Role
from tests.agreements.proposal_builders import approve, build_proposal
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD, OrganisationFactory, member_of

pytestmark = [pytest.mark.browser, pytest.mark.real_pdf, pytest.mark.usefixtures("one_sealing_key")]

# Sealing renders and seals the final PDF inside the last signatory's request (eager tasks).
SLOW_MS = 90_000


@pytest.fixture
def people(transactional_db):
    lead = OrganisationFactory(name="Ardwick Borough Council", short_name="Ardwick", slug="ardwick")
    trust = OrganisationFactory(
        name="Bradford Park NHS Trust", short_name="BPNT", slug="bradford-park", sector="nhs"
    )
    return {
        "lead": lead,
        "trust": trust,
        "author": member_of(
            lead, Role.MEMBER, email="author@ardwick.example", full_name="Ann Author"
        ),
        "approver_a": member_of(
            lead, Role.APPROVER, email="appr@ardwick.example", full_name="Al A"
        ),
        "approver_b": member_of(trust, Role.APPROVER, email="appr@bpnt.example", full_name="Bo B"),
        "signatory_a": member_of(
            lead, Role.SIGNATORY, email="siro@ardwick.example", full_name="Sue Signer"
        ),
        "signatory_b": member_of(
            trust, Role.SIGNATORY, email="siro@bpnt.example", full_name="Sam Sealer"
        ),
        "governance_b": member_of(
            trust, Role.GOVERNANCE_OFFICER, email="dpo@bpnt.example", full_name="Gail Governance"
        ),
    }


def sign_as(page: Page, live_server, user, reference: str, *, wrong_first=False) -> None:
    if not wrong_first:  # the first signatory is signed in already
        sign_in(page, live_server, user.email, TEST_PASSWORD)
    page.goto(f"{live_server.url}/agreements/{reference}/")
    expect(page.get_by_role("heading", name="Your signature is needed")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Read and sign the agreement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign the agreement")
    download = page.get_by_role("link", name=re.compile("Download the agreement to sign"))
    expect(download).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Your job title").fill("Senior Information Risk Owner")
    page.get_by_label(re.compile("I have read the agreement")).check()
    if wrong_first:
        page.get_by_label("Your portal password").fill("not-my-password")
        page.get_by_role("button", name="Sign the agreement").click()
        summary = page.locator(".govuk-error-summary")
        expect(summary).to_contain_text("The password is not right")
        expect(page).to_have_title(re.compile(r"Error"))
        assert_accessible(page)
        page.get_by_label(re.compile("I have read the agreement")).check()
    page.get_by_label("Your portal password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign the agreement").click(timeout=SLOW_MS)
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        f"You have signed {reference}", timeout=SLOW_MS
    )
    assert_accessible(page)


def test_from_approval_to_a_verified_signed_download(people, live_server, new_page, tmp_path):
    # Approved through the services; the worker's first step (the agreement row) has run.
    proposal = build_proposal(
        lead=people["lead"],
        partners=[people["trust"]],
        author=people["author"],
        text={"problem": "Falls are <b>not</b> prevented."},
    )
    from outbox import services as outbox

    pending = []
    real_dispatch = outbox.outbox_dispatch
    outbox.outbox_dispatch = lambda *, outbox_id: pending.append(outbox_id)  # the broker is slow
    try:
        version = approve(
            proposal,
            author=people["author"],
            approvers={
                people["lead"].pk: people["approver_a"],
                people["trust"].pk: people["approver_b"],
            },
        )
    finally:
        outbox.outbox_dispatch = real_dispatch
    agreement = generation.agreement_create(version_id=version.pk)
    assert agreement.status == AgreementStatus.GENERATING

    # A signatory opens the agreement while it is being prepared...
    page = new_page()
    sign_in(page, live_server, people["signatory_a"].email, TEST_PASSWORD)
    page.goto(f"{live_server.url}/agreements/{agreement.reference}/")
    region = page.locator("#agreement-status")
    expect(region).to_have_attribute("aria-live", "polite")
    expect(region).to_contain_text("Preparing the agreement")
    expect(page.get_by_text("Falls are <b>not</b> prevented.")).to_be_visible()
    assert_accessible(page)
    # ...the worker finishes, and the page says so by itself.
    generation.agreement_render_draft(agreement_id=agreement.pk)
    expect(region).to_contain_text("The agreement is ready", timeout=30_000)
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Show the agreement")).click()
    expect(page.get_by_role("heading", name="Your signature is needed")).to_be_visible()

    # Both parties sign (the first after a wrong password); the last signature seals it.
    sign_as(page, live_server, people["signatory_a"], agreement.reference, wrong_first=True)
    sign_as(new_page(), live_server, people["signatory_b"], agreement.reference)
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE

    # The trust's governance officer downloads the signed agreement...
    officer = new_page(accept_downloads=True)
    sign_in(officer, live_server, people["governance_b"].email, TEST_PASSWORD)
    officer.goto(f"{live_server.url}/agreements/{agreement.reference}/")
    expect(officer.locator("main .govuk-tag").first).to_have_text("Active")
    expect(officer.locator("h2#signatures + .app-table-scroll > table")).to_contain_text(
        "Sue Signer"
    )
    assert_accessible(officer)
    with officer.expect_download() as download_info:
        officer.get_by_role("link", name=re.compile("Download the signed agreement")).click()
    path = tmp_path / "signed.pdf"
    download_info.value.save_as(path)
    with Agreement.objects.get(pk=agreement.pk).signed_pdf.open("rb") as stored:
        assert path.read_bytes() == stored.read()

    # ...and the verify page accepts it, and rejects a tampered copy.
    officer.goto(f"{live_server.url}/agreements/verify/")
    expect(officer.get_by_role("heading", level=1)).to_have_text("Verify an agreement")
    assert_accessible(officer)
    officer.get_by_label("Upload the PDF to check").set_input_files(str(path))
    officer.get_by_role("button", name="Check the PDF").click()
    expect(officer.locator(".govuk-panel")).to_contain_text("Genuine and unchanged")
    expect(officer.locator("#result")).to_contain_text(agreement.reference)
    assert_accessible(officer)

    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(path.read_bytes() + b"\n% edited\n")
    officer.get_by_label("Upload the PDF to check").set_input_files(str(tampered))
    officer.get_by_role("button", name="Check the PDF").click()
    expect(officer.locator("#result")).to_contain_text(
        "This PDF has been changed since it was sealed."
    )
    assert_accessible(officer)
    assert pending  # the generation work was recorded in the outbox all along
