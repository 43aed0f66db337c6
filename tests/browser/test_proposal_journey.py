"""A whole proposal, driven in Chromium as the demo users would, with axe on every page.

Priya Shah (member, Manchester City Council) starts a proposal from the proposals page,
completes the seven ISF sections through their forms, invites Greater Manchester Fire and
Rescue Service; Sam Patel (member at GMFRS) comments on the vision statement and endorses
it; Priya checks her answers and submits. Every page visited, and the error state of the
forms submitted empty, must pass axe's WCAG 2.2 AA rules and best practices.

The vision statement's live preview is checked with JavaScript (htmx swaps the preview in
place) and without it ("Preview without saving" posts the form, nothing is saved).
"""

import datetime
import re

import pytest
from playwright.sync_api import Page, expect

from organisations import demo
from organisations.models import Organisation, User
from sharing_requests.models import Proposal
from sharing_requests.services import proposal_create
from tests.browser.conftest import (
    assert_accessible,
    assert_accessible_without_javascript,
    sign_in,
)

pytestmark = [pytest.mark.browser]

AUTHOR = "priya.shah@manchester.example"  # member at Manchester City Council
PARTNER = "sam.patel@manchesterfire.example"  # member at GMFRS
TITLE = "Home fire safety referrals for adult social care"
LEAD = "Manchester City Council"
FIRE = "Greater Manchester Fire and Rescue Service"

VISION = {
    "Who is it for?": "older people receiving adult social care",
    "What do they need?": "are at higher risk of fire at home",
    "What is the proposal called?": "the home fire safety referral scheme",
    "What will it achieve?": "prevent fires and deaths",
    "What data will be shared?": "names, addresses and fire risk flags",
    "Between which organisations?": "the council and the fire and rescue service",
    "How is it done today?": "today's ad hoc phone referrals",
    "What is the benefit over today?": "reach everyone at risk",
}
VISION_TEXT = (
    "For older people receiving adult social care who are at higher risk of fire at home, "
    "the home fire safety referral scheme will prevent fires and deaths by sharing names, "
    "addresses and fire risk flags between the council and the fire and rescue service. "
    "Unlike today's ad hoc phone referrals, it will reach everyone at risk."
)


@pytest.fixture
def demo_people(transactional_db):
    """The demo organisations and people (organisations/demo.py), with their demo password.

    Not the whole seed_demo: its demo proposals are submitted, approved and turned into
    sealed agreement PDFs, which takes most of a minute per test and is not what these tests
    are about. The people and organisations are the same.
    """
    demo.seed()


# --- Helpers ----------------------------------------------------------------------------------
def heading(page: Page):
    return page.get_by_role("heading", level=1)


def on_page(page: Page, title: str | re.Pattern) -> None:
    """Wait for the page whose h1 reads `title`, then run axe on it."""
    expect(heading(page)).to_have_text(title)
    assert_accessible(page)


def save(page: Page, name: str = "Save and continue") -> None:
    page.get_by_role("button", name=name, exact=True).click()


def error_summary(page: Page):
    return page.locator(".govuk-error-summary")


def expect_errors(page: Page, *fields: str) -> None:
    """The GOV.UK error summary, focused, links to each field in error (by its id), each of
    which shows its own error message; and the page passes axe."""
    summary = error_summary(page)
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_be_focused()
    for field in fields:
        expect(summary.locator(f'a[href="#{field}"]')).to_have_count(1)
        group = page.locator(".govuk-form-group--error", has=page.locator(f"#{field}"))
        expect(group.locator(".govuk-error-message").first).to_be_visible()
    expect(page).to_have_title(re.compile(r"Error"))
    assert_accessible(page)


def sign_in_checked(page: Page, live_server, email: str) -> None:
    """Sign in through the real form, after checking the sign-in page with axe."""
    page.goto(f"{live_server.url}/account/sign-in/")
    on_page(page, "Sign in")
    sign_in(page, live_server, email)


def fill_date(page: Page, legend: str, date: datetime.date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(date.day))
    group.get_by_label("Month").fill(str(date.month))
    group.get_by_label("Year").fill(str(date.year))


def in_months(months: int) -> datetime.date:
    today = datetime.date.today()
    month = today.month - 1 + months
    return datetime.date(today.year + month // 12, month % 12 + 1, 1)


def open_section(page: Page, number: int, name: str) -> None:
    """From the task list, open a section and check its page."""
    page.get_by_role("link", name=f"{number}. {name}", exact=True).click()
    on_page(page, f"{number}. {name}")


def complete_section(page: Page, key: str) -> None:
    """Answer 'Have you completed this section?' with yes; back on the task list it says so."""
    page.get_by_label("Yes, I've completed this section").check()
    save(page, "Continue")
    on_page(page, TITLE)
    expect(page.locator(f"#task-{key}-status")).to_have_text("Completed")


def expect_banner(page: Page, text: str) -> None:
    expect(page.locator(".govuk-notification-banner")).to_contain_text(text)


# --- The journey --------------------------------------------------------------------------------
@pytest.mark.browser
def test_author_completes_seven_sections_partner_endorses_and_author_submits(
    new_page, live_server, demo_people
):
    page = new_page()
    sign_in_checked(page, live_server, AUTHOR)
    on_page(page, "Welcome, Priya")

    # The proposals page, and "Start a new proposal".
    page.get_by_role("link", name="See all your organisations' proposals").click()
    on_page(page, "Proposals")
    page.get_by_role("link", name="Start a new proposal").click()
    on_page(page, "Start a proposal to share data")
    save(page, "Start")
    expect_errors(page, "id_title")
    page.get_by_label("Proposal title").fill(TITLE)
    save(page, "Start")

    on_page(page, TITLE)
    expect_banner(page, "started. Complete the sections in any order.")
    reference = re.search(r"/proposals/([^/]+)/$", page.url).group(1)
    assert re.fullmatch(r"ISF-\d{4}-\d{4}", reference)
    expect(page.get_by_text("You have completed 0 of 7 sections.")).to_be_visible()

    # 1. Purpose ----------------------------------------------------------------------------
    open_section(page, 1, "Purpose")
    page.get_by_role("link", name="Change the problem").click()
    on_page(page, "About the proposal")
    page.get_by_label("Proposal title").fill("")
    save(page)
    expect_errors(page, "id_title", "id_problem", "id_benefits")
    page.get_by_label("Proposal title").fill(TITLE)
    problem = "Care workers spot fire risks at home but referrals to the fire service are ad hoc."
    page.get_by_label("What problem are you trying to solve?").fill(problem)
    # GOV.UK's character count says, as people type, how much of the limit is left.
    problem_group = page.locator(".govuk-character-count").filter(
        has=page.get_by_label("What problem are you trying to solve?")
    )
    expect(problem_group.locator(".govuk-character-count__status")).to_have_text(
        f"You have {5000 - len(problem):,} characters remaining"
    )
    page.get_by_label("What benefits do you expect?").fill(
        "Fewer fires and deaths among people receiving care; safer homes."
    )
    save(page)
    on_page(page, "1. Purpose")

    page.get_by_role("link", name="Change vision statement").click()
    on_page(page, "Vision statement")
    for label, value in VISION.items():
        page.get_by_label(label).fill(value)
    # The live preview (htmx) follows what was typed, without a page load.
    expect(page.locator("#vision-preview")).to_have_text(VISION_TEXT)
    assert_accessible(page)
    save(page, "Save the statement")
    on_page(page, "1. Purpose")
    expect_banner(page, "Vision statement saved")
    expect(page.get_by_text(VISION_TEXT)).to_be_visible()

    page.get_by_role("link", name="Add an outcome").click()
    on_page(page, "Add a measurable outcome")
    save(page)
    expect_errors(page, "id_description", "id_measure")
    page.get_by_label("Outcome", exact=True).fill("Fewer accidental dwelling fires")
    page.get_by_label("How will you measure it?").fill("GMFRS incident data, quarterly")
    page.get_by_label("Target").fill("20% fewer within 2 years")
    save(page)
    on_page(page, "1. Purpose")
    expect_banner(page, "Measurable outcome added")

    # "Have you completed this section?" unanswered is an error too.
    save(page, "Continue")
    expect_errors(page, "id_completed_0")
    complete_section(page, "purpose")
    expect(page.get_by_text("You have completed 1 of 7 sections.")).to_be_visible()

    # 2. Needs --------------------------------------------------------------------------------
    open_section(page, 2, "Needs")
    page.get_by_role("link", name="Change whose data").click()
    on_page(page, "Whose data")
    page.get_by_label("Whose data will be shared?").fill(
        "Adults receiving a home care package in Manchester"
    )
    save(page)
    on_page(page, "2. Needs")
    page.get_by_role("link", name="Add a data item").click()
    on_page(page, "Add a data item")
    page.get_by_label("Data item", exact=True).fill("Uses home oxygen")
    page.get_by_label("Special category data (UK GDPR Article 9)").check()
    page.get_by_label("This is health or adult social care information").check()
    page.get_by_label("Identifiable", exact=True).check()
    page.get_by_label("Why is it necessary?").fill("Home oxygen is a major fire risk.")
    save(page)
    on_page(page, "2. Needs")
    expect(page.get_by_role("table", name="Data items to be shared")).to_contain_text(
        "Uses home oxygen"
    )
    complete_section(page, "needs")

    # 3. Who ------------------------------------------------------------------------------------
    open_section(page, 3, "Who")
    page.get_by_role("link", name=f"Change role in the sharing ({LEAD})").click()
    on_page(page, LEAD)
    page.get_by_label("Provider: shares data").check()
    page.get_by_label("Controller (decides its own purposes and means)").check()
    save(page)
    on_page(page, "3. Who")
    page.get_by_role("link", name="Invite an organisation").click()
    on_page(page, "Invite an organisation to take part")
    save(page, "Invite")
    expect_errors(page, "id_organisation", "id_role_0", "id_controller_role_0", "id_contact_name")
    page.get_by_label("Organisation").select_option(label=FIRE)
    page.get_by_label("Recipient: receives data").check()
    page.get_by_label("Controller (decides its own purposes and means)").check()
    page.get_by_label("Contact's name").fill("Sam Patel")
    page.get_by_label("Contact's e-mail address").fill(PARTNER)
    save(page, "Invite")
    on_page(page, "3. Who")
    expect_banner(page, f"{FIRE} invited")
    # Each party's Change links say which party they change.
    expect(page.get_by_role("link", name=f"Change contact ({FIRE})")).to_be_visible()
    complete_section(page, "who")

    # 4. Practical steps ------------------------------------------------------------------------
    open_section(page, 4, "Practical steps")
    for org, article9, schedule1, power in [
        (
            LEAD,
            "(h) Health or social care",
            "Part 1, para 2: Health or social care purposes",
            "Care Act 2014 s.6 (co-operation)",
        ),
        (
            FIRE,
            "(g) Substantial public interest",
            "Part 2, para 6: Statutory and government purposes",
            "Fire and Rescue Services Act 2004 s.6 (fire safety promotion)",
        ),
    ]:
        page.get_by_role("link", name=re.compile(f"^Add the lawful basis of {org},")).click()
        on_page(page, f"Lawful basis of {org}")
        page.get_by_label("(e) Public task").check()
        page.get_by_label("Legal power or statutory gateway").fill(power)
        page.get_by_label("Condition for special category data (Article 9)").select_option(
            label=article9
        )
        page.get_by_label("DPA 2018 Schedule 1 condition for Article 9").select_option(
            label=schedule1
        )
        save(page)
        on_page(page, "4. Practical steps")

    page.get_by_role("link", name="Change common-law confidentiality basis").click()
    on_page(page, "Health and care data")
    page.get_by_label("Implied consent for individual care").check()
    page.get_by_label(re.compile(r"^No, it does not apply")).check()
    save(page)
    on_page(page, "4. Practical steps")

    page.get_by_role("link", name="Change high-risk indicators").click()
    on_page(page, "Do you need a data protection impact assessment (DPIA)?")
    page.get_by_label("Special category or criminal offence data on a large scale").check()
    page.get_by_label("Children or other vulnerable people").check()
    save(page, "See the outcome")
    on_page(page, "A DPIA is required")
    page.get_by_role("link", name="Add the DPIA").click()
    on_page(page, "The DPIA")
    save(page)
    expect_errors(page, "id_dpia_reference")
    page.get_by_label("DPIA reference").fill("DPIA-2026-014")
    save(page)
    on_page(page, "4. Practical steps")

    page.get_by_role("link", name="Add an action").click()
    on_page(page, "Add an action")
    page.get_by_label("Action", exact=True).fill("Update the adult social care privacy notice")
    page.get_by_label("Who owns it?").fill("IG lead")
    page.get_by_label("Their organisation").select_option(label=LEAD)
    fill_date(page, "Due by (optional)", in_months(2))
    save(page)
    on_page(page, "4. Practical steps")
    complete_section(page, "practical")

    # 5. How ------------------------------------------------------------------------------------
    open_section(page, 5, "How")
    page.get_by_role("link", name="Change how the data moves").click()
    on_page(page, "How the data is shared")
    page.get_by_label("How will the data move between organisations?").fill(
        "Monthly SFTP transfer from the council's case system"
    )
    page.get_by_label("Monthly", exact=True).check()
    page.get_by_label("How will it be kept secure?").fill("Encrypted in transit and at rest")
    page.get_by_label("Who will have access?").fill("GMFRS prevention team only")
    page.get_by_label("Where will it be stored?").fill("GMFRS's CRM, hosted in the UK")
    save(page)
    on_page(page, "5. How")
    complete_section(page, "how")

    # 6. Review ---------------------------------------------------------------------------------
    open_section(page, 6, "Review")
    page.get_by_role("link", name="Change first review date").click()
    on_page(page, "Review")
    review_date = in_months(12)
    fill_date(page, "First review date", review_date)
    page.get_by_label("Every 12 months").check()
    page.get_by_label("How will you know it is working?").fill("Referrals made and fires")
    save(page)
    on_page(page, "6. Review")
    expect(page.get_by_text(f"{review_date:%-d %B %Y}")).to_be_visible()
    complete_section(page, "review")

    # 7. Exit planning --------------------------------------------------------------------------
    open_section(page, 7, "Exit planning")
    page.get_by_role("link", name="Change sharing ends").click()
    on_page(page, "Exit planning")
    fill_date(page, "When does the sharing start? (optional)", in_months(3))
    fill_date(page, "When does the sharing end?", in_months(27))
    page.get_by_label("How long will each organisation keep the data?").fill(
        "Each party's retention schedule"
    )
    page.get_by_label("Securely delete the data").check()
    page.get_by_label("What would end the sharing early?").fill("A serious breach")
    save(page)
    on_page(page, "7. Exit planning")
    complete_section(page, "exit")
    expect(page.get_by_text("You have completed 7 of 7 sections.")).to_be_visible()

    # The partner comments on the vision statement and endorses it --------------------------
    partner = new_page()
    sign_in_checked(partner, live_server, PARTNER)
    on_page(partner, "Welcome, Sam")
    partner.get_by_role("link", name="See all your organisations' proposals").click()
    on_page(partner, "Proposals")
    partner.get_by_role("link", name=TITLE).click()
    on_page(partner, TITLE)
    # Partners read the draft; they cannot change it.
    expect(partner.get_by_role("link", name="Check your answers")).to_have_count(0)
    expect(partner.get_by_role("link", name=re.compile("^Change"))).to_have_count(0)
    partner.get_by_role("link", name="Comment on or endorse the vision statement").click()
    on_page(partner, "Vision statement")
    expect(partner.locator("#vision-preview")).to_have_text(VISION_TEXT)
    expect(partner.get_by_role("button", name="Save the statement")).to_have_count(0)
    partner.get_by_role("button", name="Add the comment").click()
    expect_errors(partner, "id_text")
    partner.get_by_label("Your comment on the vision statement").fill(
        "Please add hoarding as a risk flag: <b>it matters</b>."
    )
    partner.get_by_role("button", name="Add the comment").click()
    # The same page again: wait for what is new on it before checking it.
    expect_banner(partner, "Your comment has been added")
    on_page(partner, "Vision statement")
    # Text with markup is shown as text.
    expect(
        partner.get_by_text("Please add hoarding as a risk flag: <b>it matters</b>.")
    ).to_be_visible()
    partner.get_by_role("button", name="Endorse for GMFRS").click()
    expect_banner(partner, f"You have endorsed the vision statement for {FIRE}")
    on_page(partner, "Vision statement")
    expect(partner.locator("li", has_text=f"{FIRE}: Sam Patel")).to_be_visible()
    # Endorsed: no second "Endorse" button, which could only fail.
    expect(partner.get_by_role("button", name="Endorse for GMFRS")).to_have_count(0)
    expect(partner.get_by_text("You have endorsed this statement for GMFRS.")).to_be_visible()

    # The author sees them, checks the answers and submits ---------------------------------
    page.reload()
    on_page(page, TITLE)
    expect(page.get_by_text("(1 comment, 1 endorsement)")).to_be_visible()
    page.get_by_role("link", name="Vision statement, comments and endorsements").click()
    on_page(page, "Vision statement")
    expect(page.get_by_text("Please add hoarding as a risk flag")).to_be_visible()
    expect(page.locator("li", has_text=f"{FIRE}: Sam Patel")).to_be_visible()
    page.goto(f"{live_server.url}/proposals/{reference}/")
    on_page(page, TITLE)
    page.get_by_role("link", name="Check your answers").click()
    on_page(page, "Check your answers before submitting the proposal")
    expect(error_summary(page)).to_have_count(0)
    for answer in (VISION_TEXT, "Uses home oxygen", "DPIA-2026-014", "Sam Patel"):
        expect(page.get_by_text(answer).first).to_be_visible()
    page.get_by_role("button", name="Submit the proposal").click()

    on_page(page, "Proposal submitted")
    expect(page.locator(".govuk-panel__body")).to_contain_text(reference)
    page.get_by_role("link", name="Go to the proposal").click()
    on_page(page, TITLE)
    expect(page.locator("main").get_by_text("In review", exact=True).first).to_be_visible()

    proposal = Proposal.objects.get(reference=reference)
    assert proposal.status == "in_review"
    assert proposal.versions.count() == 1
    assert proposal.endorsements.filter(organisation__short_name="GMFRS").exists()
    assert proposal.comments.count() == 1


# --- The vision statement's preview ------------------------------------------------------------
@pytest.fixture
def draft(demo_people):
    """A fresh draft of Priya's, so the vision statement starts empty."""
    return proposal_create(
        lead_organisation=Organisation.objects.get(slug="manchester"),
        title="Preview test proposal",
        by=User.objects.get(email=AUTHOR),
    )


@pytest.mark.browser
def test_vision_preview_updates_as_the_author_types_without_a_page_load(page, live_server, draft):
    sign_in(page, live_server, AUTHOR)
    page.goto(f"{live_server.url}/proposals/{draft.reference}/vision/")
    on_page(page, "Vision statement")
    # A named live region: screen readers hear the statement politely as it changes.
    preview = page.get_by_role("status", name="Preview")
    expect(preview).to_have_attribute("aria-live", "polite")
    expect(preview).to_contain_text("For ‹who it is for› who ‹their need›")
    # With JavaScript the no-JavaScript button is hidden.
    expect(page.get_by_role("button", name="Preview without saving")).to_be_hidden()
    # A marker on the window survives only if the page is not reloaded.
    page.evaluate("window.isfSamePage = true")

    page.get_by_label("Who is it for?").press_sequentially("care leavers")
    expect(preview).to_contain_text("For care leavers who ‹their need›")
    page.get_by_label("What do they need?").press_sequentially("need a home")
    expect(preview).to_contain_text("For care leavers who need a home, ‹the proposal› will")

    assert page.evaluate("window.isfSamePage === true")
    assert_accessible(page)
    draft.vision.refresh_from_db()
    assert draft.vision.for_who == ""  # the preview saves nothing


IN_VIEW = """(selector) => {
    const box = document.querySelector(selector).getBoundingClientRect();
    return box.height > 0 && box.top >= 0 && box.bottom <= window.innerHeight;
}"""


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 320])
def test_vision_preview_stays_in_view_while_the_lower_fields_are_typed(
    page, live_server, draft, width
):
    """Issue #12 item 17: beside the fields (a sticky column) on a wide screen, after the
    field being typed in on a narrow one."""
    sign_in(page, live_server, AUTHOR)
    page.set_viewport_size({"width": width, "height": 720})
    page.goto(f"{live_server.url}/proposals/{draft.reference}/vision/")
    on_page(page, "Vision statement")
    preview = page.get_by_role("status", name="Preview")

    for label, value in VISION.items():
        page.get_by_label(label).press_sequentially(value[:12])
        expect(preview).to_contain_text(value[:12])
        assert page.evaluate(IN_VIEW, "#vision-preview"), f"preview out of view after {label}"
    last = page.get_by_label("What is the benefit over today?")
    if width < 641:
        # Right after the field being typed in, so the field and the preview are seen together.
        follows = page.evaluate(
            """() => {
                const field = document.getElementById("id_benefit").closest(".govuk-form-group");
                return field.nextElementSibling === document.getElementById("vision-preview-panel");
            }"""
        )
        assert follows
    expect(last).to_be_focused()
    page.set_viewport_size({"width": 1280, "height": 720})
    assert_accessible(page)


@pytest.mark.browser
def test_vision_preview_and_save_work_without_javascript(new_page, live_server, draft):
    page = new_page(java_script_enabled=False)
    checker = new_page()
    sign_in(page, live_server, AUTHOR)
    page.goto(f"{live_server.url}/proposals/{draft.reference}/vision/")
    expect(heading(page)).to_have_text("Vision statement")
    assert_accessible_without_javascript(page, checker)

    for label, value in VISION.items():
        page.get_by_label(label).fill(value)
    page.get_by_role("button", name="Preview without saving").click()
    expect(heading(page)).to_have_text("Vision statement")
    expect(page.locator("#vision-preview")).to_have_text(VISION_TEXT)
    # What was typed is still in the form, and nothing was saved.
    expect(page.get_by_label("Who is it for?")).to_have_value(VISION["Who is it for?"])
    draft.vision.refresh_from_db()
    assert draft.vision.for_who == ""
    assert_accessible_without_javascript(page, checker)

    page.get_by_role("button", name="Save the statement").click()
    expect(heading(page)).to_have_text("1. Purpose")
    expect(page.get_by_text(VISION_TEXT)).to_be_visible()
    assert_accessible_without_javascript(page, checker)
    draft.vision.refresh_from_db()
    assert draft.vision.text == VISION_TEXT
