"""Bad input: a GOV.UK error summary, the other answers kept, nothing saved, never a 500."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from sharing_requests import services
from sharing_requests.choices import ProposalStatus, Section
from sharing_requests.forms.screening import DPIA_MAX_BYTES
from sharing_requests.models import DataItem, LawfulBasis, Participant

from .conftest import PDF_BYTES, docx_bytes, fresh, url

pytestmark = pytest.mark.django_db


def assert_error_page(response, *messages, kept=()):
    """A re-rendered form (200) with the error summary naming each message, answers kept."""
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    summary = html.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    for message in messages:
        assert message in summary, f"{message!r} not in the error summary"
    assert "govuk-error-message" in html  # inline errors beside the fields
    for answer in kept:
        assert answer in html, f"answer {answer!r} was not kept"
    return html


def date_fields(name, value):
    return {f"{name}_0": value.day, f"{name}_1": value.month, f"{name}_2": value.year}


@pytest.fixture
def lead(member_a):
    """The lead member's own browser (client_for() re-signs the shared test client)."""
    client = Client()
    client.force_login(member_a, backend="django.contrib.auth.backends.ModelBackend")
    return client


# --- Question pages -------------------------------------------------------------------------
def test_empty_required_fields_are_named_and_other_answers_kept(proposal, lead):
    response = lead.post(
        url("purpose-edit", proposal),
        {"title": "", "problem": "Falls go unreported", "benefits": "", "revision": ""},
    )
    assert_error_page(
        response,
        "Enter a title for the proposal",
        "Describe the benefits you expect",
        kept=["Falls go unreported"],
    )
    assert fresh(proposal).title == "Falls prevention referrals"
    assert fresh(proposal).problem == ""


def test_over_long_title_is_refused(proposal, lead):
    response = lead.post(
        url("purpose-edit", proposal),
        {"title": "x" * 201, "problem": "Kept problem", "benefits": "Kept benefits"},
    )
    assert_error_page(
        response,
        "The title must be 200 characters or fewer",
        kept=["Kept problem", "Kept benefits"],
    )
    assert fresh(proposal).title == "Falls prevention referrals"


def test_over_long_title_on_the_start_page_is_refused(org_a, lead):
    response = lead.post(url("start"), {"title": "y" * 201, "lead_organisation": org_a.pk})
    assert_error_page(response, "The title must be 200 characters or fewer")
    assert not org_a.led_proposals.exists()


def test_over_long_free_text_in_a_row_is_refused(proposal, lead):
    response = lead.post(
        url("dataitem-add", proposal),
        {
            "name": "n" * 201,
            "category": "personal",
            "identifiability": "identifiable",
            "necessity": "Kept necessity",
        },
    )
    assert_error_page(
        response, "The data item must be 200 characters or fewer", kept=["Kept necessity"]
    )
    assert not DataItem.objects.exists()


def test_end_date_before_start_date_is_refused(proposal, lead):
    today = timezone.localdate()
    response = lead.post(
        url("exit-edit", proposal),
        {
            **date_fields("start_date", today + timedelta(days=100)),
            **date_fields("end_date", today + timedelta(days=50)),
            "retention": "Kept retention",
            "end_of_sharing": "delete",
            "early_termination": "Kept termination",
        },
    )
    assert_error_page(
        response,
        "The end date must be after the start date",
        kept=["Kept retention", "Kept termination"],
    )
    assert fresh(proposal).end_date is None


def test_review_date_in_the_past_is_refused(proposal, lead):
    response = lead.post(
        url("review-edit", proposal),
        {
            **date_fields("review_date", timezone.localdate() - timedelta(days=1)),
            "review_frequency": "12",
            "success_measures": "Kept measures",
        },
    )
    assert_error_page(response, "First review date must be in the future", kept=["Kept measures"])
    assert fresh(proposal).review_date is None


def test_a_date_that_is_not_real_is_refused(proposal, lead):
    response = lead.post(
        url("review-edit", proposal),
        {
            "review_date_0": "31",
            "review_date_1": "2",
            "review_date_2": "2030",
            "review_frequency": "12",
            "success_measures": "Kept measures",
        },
    )
    assert_error_page(response, "must be a real date", kept=["Kept measures"])


def test_a_participating_organisation_added_twice_is_refused(proposal, org_b, lead):
    response = lead.post(
        url("participant-add", proposal),
        {
            "organisation": org_b.pk,
            "role": "provider",
            "controller_role": "controller",
            "contact_name": "Second Contact",
            "contact_email": "second@bpnt.example",
        },
    )
    assert_error_page(response, "Select a valid choice", kept=["Second Contact"])
    assert Participant.objects.filter(proposal=proposal, organisation=org_b).count() == 1


def test_the_lead_organisation_cannot_be_invited_as_a_partner(proposal, org_a, lead):
    response = lead.post(
        url("participant-add", proposal),
        {
            "organisation": org_a.pk,
            "role": "provider",
            "controller_role": "controller",
            "contact_name": "Kept Name",
            "contact_email": "kept@ardwick.example",
        },
    )
    assert_error_page(response, "Select a valid choice", kept=["Kept Name"])
    assert Participant.objects.filter(proposal=proposal).count() == 2


def test_an_invalid_contact_email_is_refused(proposal, org_c, lead):
    response = lead.post(
        url("participant-add", proposal),
        {
            "organisation": org_c.pk,
            "role": "provider",
            "controller_role": "controller",
            "contact_name": "Kept Name",
            "contact_email": "not an address",
        },
    )
    assert_error_page(response, kept=["Kept Name"])
    assert not Participant.objects.filter(proposal=proposal, organisation=org_c).exists()


def test_screening_needs_an_answer_and_none_cannot_be_mixed(proposal, lead):
    assert_error_page(
        lead.post(url("screening", proposal), {"revision": ""}),
        "Select which indicators apply, or select &#x27;None of these&#x27;",
    )
    assert_error_page(
        lead.post(url("screening", proposal), {"indicators": ["none", "matching"]}),
        "Select the indicators that apply, or &#x27;None of these&#x27;, not both",
    )
    assert fresh(proposal).dpia_screened is False


def test_completing_a_section_with_problems_names_them(proposal, lead):
    response = lead.post(url("section", proposal, Section.NEEDS), {"completed": "yes"})
    assert_error_page(response, "Say whose data will be shared", "Add at least one data item")
    assert proposal.sections.get(section=Section.NEEDS).status != "completed"


# --- Lawful bases ---------------------------------------------------------------------------
def add_item(proposal, by, category, health=False):
    services.item_save(
        proposal=proposal,
        section=Section.NEEDS,
        instance=DataItem(),
        data={
            "name": f"{category} item",
            "category": category,
            "identifiability": "identifiable",
            "is_health_or_care": health,
            "necessity": "Needed.",
        },
        by=by,
        kind="dataitem",
    )


def basis_url(proposal, org_b):
    partner = Participant.objects.get(proposal=proposal, organisation=org_b)
    return url("lawful-basis", proposal, partner.pk, "receiving")


def saved_basis(proposal):
    return LawfulBasis.objects.filter(
        participant__proposal=proposal, participant__is_lead=False
    ).first()


def test_a_provider_with_no_lawful_basis_blocks_submit(complete_proposal, org_a, lead):
    LawfulBasis.objects.filter(
        participant__proposal=complete_proposal, participant__is_lead=True
    ).delete()

    response = lead.post(url("submit", complete_proposal))

    assert response.status_code == 400
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert f"Give the lawful basis of {org_a.name} for disclosing (as a provider)" in html
    assert fresh(complete_proposal).status == ProposalStatus.DRAFT


def test_lawful_basis_form_needs_an_article_6_basis(proposal, org_b, lead):
    response = lead.post(basis_url(proposal, org_b), {"legal_power": "Kept power"})
    assert_error_page(response, "Select the lawful basis", kept=["Kept power"])
    assert saved_basis(proposal) is None


def test_special_category_data_needs_an_article_9_condition(
    complete_proposal, org_b, member_a, lead
):
    p = complete_proposal
    add_item(p, member_a, "special")
    response = lead.post(basis_url(p, org_b), {"article6": "e", "legal_power": "Kept power"})
    assert_error_page(
        response,
        "Choose an Article 9 condition for the special category data",
        kept=["Kept power"],
    )
    assert saved_basis(p).article9 == ""

    submit = lead.post(url("submit", p))
    assert submit.status_code == 400
    assert "choose an Article 9 condition for the special category data" in submit.content.decode()
    assert fresh(p).status == ProposalStatus.DRAFT


def test_recognised_legitimate_interest_needs_an_annex_1_condition(proposal, org_b, lead):
    response = lead.post(basis_url(proposal, org_b), {"article6": "ea", "notes": "Kept notes"})
    assert_error_page(
        response,
        "Choose the Annex 1 condition for recognised legitimate interest",
        kept=["Kept notes"],
    )
    assert saved_basis(proposal) is None

    ok = lead.post(basis_url(proposal, org_b), {"article6": "ea", "annex1_condition": "crime"})
    assert ok.status_code == 302
    assert saved_basis(proposal).annex1_condition == "crime"


@pytest.mark.parametrize("schedule1", ["", "18"])
def test_article_9_h_needs_a_schedule_1_part_1_condition(
    proposal, org_b, member_a, lead, schedule1
):
    add_item(proposal, member_a, "special")
    response = lead.post(
        basis_url(proposal, org_b),
        {"article6": "e", "legal_power": "Kept power", "article9": "h", "schedule1": schedule1},
    )
    assert_error_page(
        response,
        "Choose a DPA 2018 Schedule 1 Part 1 condition for Article 9",
        kept=["Kept power"],
    )
    assert saved_basis(proposal) is None


def test_article_9_h_with_a_part_1_condition_is_saved(proposal, org_b, member_a, lead):
    add_item(proposal, member_a, "special")
    response = lead.post(
        basis_url(proposal, org_b),
        {"article6": "e", "legal_power": "Care Act", "article9": "h", "schedule1": "2"},
    )
    assert response.status_code == 302
    assert (saved_basis(proposal).article9, saved_basis(proposal).schedule1) == ("h", "2")


def test_criminal_offence_data_needs_a_schedule_1_condition(proposal, org_b, member_a, lead):
    add_item(proposal, member_a, "criminal")
    response = lead.post(basis_url(proposal, org_b), {"article6": "e", "legal_power": "Kept"})
    assert_error_page(response, "Choose a Schedule 1 condition for the criminal offence data")
    assert saved_basis(proposal) is None


@pytest.mark.parametrize(
    "answer", [{"criminal_schedule1": "36"}, {"law_enforcement": "on"}], ids=["para-36", "part-3"]
)
def test_criminal_offence_data_with_a_condition_or_under_law_enforcement_is_saved(
    proposal, org_b, member_a, lead, answer
):
    add_item(proposal, member_a, "criminal")
    response = lead.post(
        basis_url(proposal, org_b), {"article6": "e", "legal_power": "CDA s.115", **answer}
    )
    assert response.status_code == 302
    assert saved_basis(proposal) is not None


def test_health_data_needs_the_confidentiality_basis_to_submit(complete_proposal, member_a, lead):
    p = complete_proposal
    add_item(p, member_a, "personal", health=True)
    response = lead.post(url("submit", p))
    assert response.status_code == 400
    assert "common-law confidentiality basis" in response.content.decode()

    assert_error_page(
        lead.post(url("confidentiality-edit", p), {"revision": ""}),
        "Select the basis under the common-law duty of confidentiality",
    )


# --- The DPIA -------------------------------------------------------------------------------
@pytest.fixture
def dpia_required(complete_proposal, member_a):
    services.proposal_update(
        proposal=complete_proposal,
        section=Section.PRACTICAL,
        data={"dpia_indicators": ["matching"]},
        by=member_a,
        revision=None,
    )
    return fresh(complete_proposal)


def test_a_required_dpia_without_reference_or_file_blocks_submit(dpia_required, lead):
    response = lead.post(url("submit", dpia_required))
    assert response.status_code == 400
    assert "A DPIA is required: give its reference or attach it" in response.content.decode()
    assert fresh(dpia_required).status == ProposalStatus.DRAFT

    assert_error_page(
        lead.post(url("dpia", dpia_required), {"dpia_reference": ""}),
        "Enter the DPIA reference or attach the DPIA",
    )


def test_a_dpia_reference_lets_it_submit(dpia_required, lead):
    assert lead.post(url("dpia", dpia_required), {"dpia_reference": "DPIA-1"}).status_code == 302
    assert lead.post(url("submit", dpia_required)).url == url("submitted", dpia_required)
    assert fresh(dpia_required).status == ProposalStatus.IN_REVIEW


def test_a_text_file_named_pdf_is_refused(dpia_required, lead):
    fake = SimpleUploadedFile("x.pdf", b"just some text", content_type="application/pdf")
    response = lead.post(
        url("dpia", dpia_required), {"dpia_reference": "KEPT-REF", "dpia_file": fake}
    )
    assert_error_page(
        response, "The DPIA must be a PDF or a Word (.docx) file", kept=['value="KEPT-REF"']
    )
    assert not fresh(dpia_required).dpia_file
    assert fresh(dpia_required).dpia_reference == ""


def test_a_zip_that_is_not_a_word_document_is_refused(dpia_required, lead):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    fake = SimpleUploadedFile("x.docx", buffer.getvalue())
    response = lead.post(url("dpia", dpia_required), {"dpia_file": fake})
    assert_error_page(response, "The DPIA must be a PDF or a Word (.docx) file")
    assert not fresh(dpia_required).dpia_file


def test_a_dpia_over_10_mb_is_refused(dpia_required, lead):
    big = SimpleUploadedFile("big.pdf", PDF_BYTES + b"0" * DPIA_MAX_BYTES)
    response = lead.post(url("dpia", dpia_required), {"dpia_file": big})
    assert_error_page(response, "The DPIA must be 10 MB or smaller")
    assert not fresh(dpia_required).dpia_file


@pytest.mark.parametrize(
    "name, content, extension, content_type",
    [
        ("My DPIA.pdf", PDF_BYTES, "pdf", "application/pdf"),
        (
            "My DPIA.docx",
            docx_bytes(),
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        # Named wrongly but real by content: stored under the extension its content says.
        ("dpia.txt", PDF_BYTES, "pdf", "application/pdf"),
    ],
    ids=["pdf", "docx", "pdf-named-txt"],
)
def test_a_real_pdf_or_docx_is_accepted_and_downloadable_only_by_those_it_is_for(
    dpia_required, lead, approver_b, outsider, client_for, name, content, extension, content_type
):
    p = dpia_required
    response = lead.post(url("dpia", p), {"dpia_file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302
    p = fresh(p)
    assert p.dpia_file.name.endswith(f"{p.reference}-dpia.{extension}")
    assert p.dpia_file_name == name

    download = client_for(approver_b).get(url("dpia-download", p))
    assert download.status_code == 200
    assert download["Content-Type"] == content_type
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment;")
    assert f'filename="{p.reference}-DPIA.{extension}"' in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == content

    assert client_for(outsider).get(url("dpia-download", p)).status_code == 404
    # The file is not under a public URL: only the permission-checked view serves it.
    assert lead.post(url("submit", p)).url == url("submitted", p)


def test_download_without_a_dpia_is_404(proposal, lead):
    assert lead.get(url("dpia-download", proposal)).status_code == 404


# --- Data item radios (issue 12, item 6) ----------------------------------------------------


def test_a_new_data_item_offers_no_blank_and_no_chosen_radio(proposal, lead):
    html = lead.get(url("dataitem-add", proposal)).content.decode()
    radios = [tag for tag in html.split("<input")[1:] if 'type="radio"' in tag.split(">")[0]]
    assert radios, "the page has its two radio groups"
    for tag in radios:
        attributes = tag.split(">")[0]
        assert 'value=""' not in attributes
        assert "checked" not in attributes


def test_a_data_item_saved_without_choosing_is_refused(proposal, lead):
    response = lead.post(
        url("dataitem-add", proposal), {"name": "Kept name", "necessity": "Kept necessity"}
    )
    assert_error_page(
        response,
        "Select what kind of data it is",
        "Select how identifiable it is",
        kept=["Kept name", "Kept necessity"],
    )
    assert not DataItem.objects.exists()


# --- End date against first review date (issue 12, item 7) ----------------------------------

END_BEFORE_REVIEW = (
    "The end date (Exit planning) must be on or after the first review date (Review)"
)


def exit_answers(end):
    return {
        **date_fields("end_date", end),
        "retention": "Kept retention",
        "end_of_sharing": "delete",
        "early_termination": "Kept termination",
    }


def review_answers(review):
    return {
        **date_fields("review_date", review),
        "review_frequency": "12",
        "success_measures": "Kept measures",
    }


def test_an_end_date_before_the_saved_review_date_is_refused(proposal, lead):
    today = timezone.localdate()
    lead.post(url("review-edit", proposal), review_answers(today + timedelta(days=200)))
    assert fresh(proposal).review_date == today + timedelta(days=200)

    response = lead.post(url("exit-edit", proposal), exit_answers(today + timedelta(days=100)))

    assert_error_page(response, END_BEFORE_REVIEW, kept=["Kept retention"])
    assert fresh(proposal).end_date is None


def test_a_review_date_after_the_saved_end_date_is_refused(proposal, lead):
    today = timezone.localdate()
    lead.post(url("exit-edit", proposal), exit_answers(today + timedelta(days=100)))
    assert fresh(proposal).end_date == today + timedelta(days=100)

    response = lead.post(url("review-edit", proposal), review_answers(today + timedelta(days=200)))

    assert_error_page(response, END_BEFORE_REVIEW, kept=["Kept measures"])
    assert fresh(proposal).review_date is None


def test_an_end_date_before_the_review_date_blocks_submit(complete_proposal, lead):
    p = complete_proposal
    type(p).objects.filter(pk=p.pk).update(
        review_date=timezone.localdate() + timedelta(days=200),
        end_date=timezone.localdate() + timedelta(days=100),
    )

    response = lead.post(url("submit", p))

    assert response.status_code == 400
    assert END_BEFORE_REVIEW in response.content.decode()
    assert fresh(p).status == ProposalStatus.DRAFT
