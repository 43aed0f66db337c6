"""The register's pages: who sees what, filters, sorting, pagination, the CSV export, the
query count, recording an agreement signed outside the portal, and the lifecycle pages."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from agreements.models import Agreement, AgreementReview, AgreementStatus, ReviewOutcome
from tests.agreements.register_builders import make_agreement, pdf_upload
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

REGISTER = reverse("agreements:register")
CSV = reverse("agreements:register-csv")
RECORD = reverse("agreements:external-record")
TODAY = timezone.localdate
DAY = datetime.timedelta(days=1)


def lifecycle_url(agreement, name="lifecycle"):
    return reverse(f"agreements:{name}", args=[agreement.reference])


@pytest.fixture
def agreement_ab(org_a, org_b):
    return make_agreement(
        org_a, org_b, title="Falls prevention referrals", review=TODAY() + 90 * DAY
    )


@pytest.fixture
def agreement_bc(org_b, org_c):
    return make_agreement(
        org_b, org_c, title="Tenancy sustainment referrals", review=TODAY() + 30 * DAY
    )


def html(response) -> str:
    return response.content.decode()


# --- Who sees the register ------------------------------------------------------------------
@pytest.mark.parametrize("url", [REGISTER, CSV, RECORD])
def test_anonymous_is_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign-in"))


@pytest.mark.parametrize("name", ["lifecycle", "review-open", "review"])
def test_anonymous_is_sent_to_sign_in_from_lifecycle_pages(client, agreement_ab, name):
    response = client.get(lifecycle_url(agreement_ab, name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign-in"))


def test_every_signed_in_partner_sees_every_summary(
    client_for, outsider, agreement_ab, agreement_bc
):
    response = client_for(outsider).get(REGISTER)
    assert response.status_code == 200
    page = html(response)
    for agreement in (agreement_ab, agreement_bc):
        assert agreement.reference in page and agreement.title in page
    assert "Ardwick Borough Council" in page and "Bradford Park NHS Trust" in page
    # Only the agreement their organisation is party to links to its pages.
    assert f'href="/agreements/{agreement_bc.reference}/' in page
    assert f"/agreements/{agreement_ab.reference}/" not in page


def test_register_shows_active_agreements_by_default(
    client_for, member_a, org_a, org_b, agreement_ab
):
    expired = make_agreement(org_a, org_b, title="Old lists", status=AgreementStatus.EXPIRED)
    page = html(client_for(member_a).get(REGISTER))
    assert agreement_ab.reference in page and expired.reference not in page
    page = html(client_for(member_a).get(REGISTER, {"status": "any"}))
    assert expired.reference in page
    assert "Signed outside the portal" not in page


def test_agreements_signed_outside_the_portal_are_marked(client_for, member_a, org_a, org_b):
    make_agreement(org_a, org_b, title="Paper agreement", external=True)
    assert "Signed outside the portal" in html(client_for(member_a).get(REGISTER))


def test_filters_from_the_query_string(client_for, member_a, agreement_ab, agreement_bc, org_c):
    client = client_for(member_a)
    page = html(client.get(REGISTER, {"q": "tenancy"}))
    assert agreement_bc.reference in page and agreement_ab.reference not in page
    page = html(client.get(REGISTER, {"organisation": org_c.pk}))
    assert agreement_bc.reference in page and agreement_ab.reference not in page
    before = TODAY() + 60 * DAY
    page = html(
        client.get(
            REGISTER,
            {
                "review_before_0": before.day,
                "review_before_1": before.month,
                "review_before_2": before.year,
            },
        )
    )
    assert agreement_bc.reference in page and agreement_ab.reference not in page
    assert "No agreements match these filters." in html(
        client.get(REGISTER, {"category": "criminal"})
    )


def test_a_bad_filter_shows_the_error_and_keeps_the_others(
    client_for, member_a, agreement_ab, agreement_bc
):
    response = client_for(member_a).get(
        REGISTER,
        {
            "q": "tenancy",
            "review_before_0": "31",
            "review_before_1": "2",
            "review_before_2": "2027",
        },
    )
    assert response.status_code == 200
    page = html(response)
    assert "There is a problem" in page
    assert "Review date before must be a real date" in page
    assert agreement_bc.reference in page and agreement_ab.reference not in page
    assert 'value="tenancy"' in page


def test_the_filters_show_what_was_chosen_and_the_organisations_as_they_are_now(
    client_for, member_a, org_a, org_b
):
    # The filters' field groups are written once per set of values shown (filters.py): each
    # page still shows its own choices, its own errors and the organisations list of now.
    client = client_for(member_a)
    option = f'<option value="{org_b.pk}">'
    assert option + f"{org_b.name}</option>" in html(client.get(REGISTER))
    org_b.name = "Bradford Renamed Council"
    org_b.save()
    assert option + "Bradford Renamed Council</option>" in html(client.get(REGISTER))
    chosen = html(client.get(REGISTER, {"organisation": org_b.pk, "status": "expired"}))
    assert f'<option value="{org_b.pk}" selected>Bradford Renamed Council</option>' in chosen
    assert '<option value="expired" selected>' in chosen
    assert '<option value="active" selected>' not in chosen
    wrong = html(client.get(REGISTER, {"organisation": "99999"}))
    assert "Select an organisation from the list" in wrong and "govuk-select--error" in wrong
    again = html(client.get(REGISTER))
    assert "govuk-select--error" not in again and '<option value="active" selected>' in again
    dated = {"review_before_0": "1", "review_before_1": "2", "review_before_2": "2027"}
    assert 'value="2027"' in html(client.get(REGISTER, dated))
    assert 'value="2027"' not in html(client.get(REGISTER))


def test_sort_links_and_aria_sort(client_for, member_a, agreement_ab, agreement_bc):
    client = client_for(member_a)
    page = html(client.get(REGISTER, {"sort": "review"}))
    assert page.index(agreement_bc.reference) < page.index(agreement_ab.reference)
    assert 'aria-sort="ascending"><a class="govuk-link" href="?sort=-review">Review date' in page
    assert 'aria-sort="none"><a class="govuk-link" href="?sort=title">Title' in page
    page = html(client.get(REGISTER, {"sort": "-review", "q": "referrals"}))
    assert page.index(agreement_ab.reference) < page.index(agreement_bc.reference)
    assert (
        'aria-sort="descending"><a class="govuk-link" href="?q=referrals&amp;sort=review">' in page
    )
    # The status filter still shows the default it applies.
    assert '<option value="active" selected>' in page
    # An unknown sort falls back to the reference.
    assert html(client.get(REGISTER, {"sort": "password"})).count('aria-sort="ascending"') == 1


def test_pagination(client_for, member_a, org_a, org_b):
    for number in range(30):
        make_agreement(org_a, org_b, title=f"Agreement {number:02d}")
    client = client_for(member_a)
    first = html(client.get(REGISTER, {"sort": "title"}))
    assert "30 agreements" in first
    assert "Agreement 24" in first and "Agreement 25" not in first
    second = html(client.get(REGISTER, {"sort": "title", "page": 2}))
    assert "Agreement 25" in second and "Agreement 29" in second and "Agreement 24" not in second
    assert 'href="?sort=title&amp;page=1"' in second


@pytest.mark.parametrize("rows", [3, 40])
def test_register_query_count_does_not_grow_with_rows(
    client_for, member_a, org_a, org_b, org_c, rows, django_assert_max_num_queries
):
    parties = [org_a, org_b, org_c]
    for number in range(rows):
        make_agreement(*parties[: 2 + number % 2], title=f"Agreement {number}")
    client = client_for(member_a)
    client.get(REGISTER)  # warm the session and the content-type cache
    # The register needs 3 queries (the organisations list's version, the page with its
    # count and which of its rows the user may open, the parties' names); the session the
    # other. None of them grows with the rows.
    with django_assert_max_num_queries(4):
        response = client.get(REGISTER, {"q": "agreement", "organisation": org_a.pk})
    assert response.status_code == 200
    assert f"{rows} agreements" in html(response)


# --- CSV ------------------------------------------------------------------------------------
def read_csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_csv_export_has_every_matching_row_with_the_same_filters(
    client_for, member_a, org_a, org_b
):
    for number in range(30):
        make_agreement(org_a, org_b, title=f"Agreement {number:02d}")
    make_agreement(org_a, org_b, title="Expired one", status=AgreementStatus.EXPIRED)
    response = client_for(member_a).get(CSV, {"sort": "-title", "page": 2})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="agreement-register-')
    assert response["X-Content-Type-Options"] == "nosniff"
    rows = read_csv(response)
    assert rows[0][0] == "Reference"
    assert [r[1] for r in rows[1:]] == [f"Agreement {n:02d}" for n in range(29, -1, -1)]
    rows = read_csv(client_for(member_a).get(CSV, {"status": "expired"}))
    assert [r[1] for r in rows[1:]] == ["Expired one"]


def test_csv_neutralises_formula_cells(client_for, outsider, org_a):
    evil = OrganisationFactory(name="@evil partner", slug="evil-partner")
    make_agreement(org_a, evil, title='=HYPERLINK("http://evil.example","Click")')
    make_agreement(org_a, evil, title="-1+1")
    rows = read_csv(client_for(outsider).get(CSV, {"sort": "title"}))
    assert [r[1] for r in rows[1:]] == ["'-1+1", '\'=HYPERLINK("http://evil.example","Click")']
    assert all(r[2].startswith("'@evil partner") for r in rows[1:])


# --- Recording an agreement signed outside the portal ---------------------------------------
def record_data(org, **overrides):
    start, review = TODAY() - 100 * DAY, TODAY() + 200 * DAY
    data = {
        "organisation": org.pk,
        "title": "Hoarding panel referrals",
        "parties": [],
        "start_date_0": start.day,
        "start_date_1": start.month,
        "start_date_2": start.year,
        "review_date_0": review.day,
        "review_date_1": review.month,
        "review_date_2": review.year,
        "categories": ["special"],
        "pdf": pdf_upload("Hoarding panel"),
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("persona", ["member_a", "admin_a", "approver_b", "outsider"])
def test_only_governance_officers_may_record(client_for, persona, request, org_a, org_b):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(RECORD).status_code == 403
    response = client.post(RECORD, record_data(org_a, parties=[org_b.pk]))
    assert response.status_code == 403
    assert not Agreement.objects.exists()


def test_register_offers_recording_to_governance_officers_only(client_for, governance_a, member_a):
    assert RECORD in html(client_for(governance_a).get(REGISTER))
    assert RECORD not in html(client_for(member_a).get(REGISTER))


def test_the_offer_to_record_follows_role_and_organisation_changes(client_for, governance_a, org_a):
    # The button is decided from the cached navigation: a change to the role or to the
    # organisation shows on the next page.
    client = client_for(governance_a)
    assert RECORD in html(client.get(REGISTER))
    org_a.is_active = False
    org_a.save()
    assert RECORD not in html(client.get(REGISTER))
    org_a.is_active = True
    org_a.save()
    assert RECORD in html(client.get(REGISTER))
    membership = governance_a.memberships.get(organisation=org_a)
    membership.is_governance_officer = False
    membership.save()
    assert RECORD not in html(client.get(REGISTER))


def test_governance_officer_records_an_agreement(client_for, governance_a, org_a, org_b):
    client = client_for(governance_a)
    page = html(client.get(RECORD))
    assert 'enctype="multipart/form-data"' in page and "Ardwick Borough Council" in page
    response = client.post(RECORD, record_data(org_a, parties=[org_b.pk]))
    agreement = Agreement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == lifecycle_url(agreement)
    assert agreement.is_external and agreement.has_special_category
    assert agreement.status == AgreementStatus.ACTIVE
    assert {p.organisation for p in agreement.parties.all()} == {org_a, org_b}
    register_page = html(client.get(REGISTER))
    assert agreement.reference in register_page and "Signed outside the portal" in register_page


def test_bad_answers_show_the_error_summary_and_keep_the_others(
    client_for, governance_a, org_a, org_b
):
    response = client_for(governance_a).post(
        RECORD,
        record_data(
            org_a,
            parties=[org_b.pk],
            title="Hoarding panel referrals",
            review_date_0="31",
            review_date_1="2",
        ),
    )
    assert response.status_code == 200
    page = html(response)
    assert "There is a problem" in page
    assert 'href="#id_review_date_0"' in page and "Review date must be a real date" in page
    assert 'value="Hoarding panel referrals"' in page  # kept
    assert f'value="{org_b.pk}" checked' in page  # kept
    assert "Select the PDF again" in page  # files cannot be kept: say so
    assert not Agreement.objects.exists()


def test_a_fake_pdf_is_refused_with_the_error_summary(client_for, governance_a, org_a, org_b):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile(
        "agreement.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"
    )
    response = client_for(governance_a).post(
        RECORD, record_data(org_a, parties=[org_b.pk], pdf=fake)
    )
    assert response.status_code == 200
    page = html(response)
    assert 'href="#id_pdf"' in page and "The selected file must be a PDF" in page
    assert not Agreement.objects.exists()


def test_own_organisation_alone_is_not_an_agreement(client_for, governance_a, org_a):
    response = client_for(governance_a).post(RECORD, record_data(org_a, parties=[org_a.pk]))
    assert "Select at least one other organisation" in html(response)
    assert not Agreement.objects.exists()


# --- Lifecycle pages ------------------------------------------------------------------------
def outcome_url(agreement, outcome):
    return reverse("agreements:review-outcome", args=[agreement.reference, outcome])


def date_fields(name, value: datetime.date) -> dict:
    return {f"{name}_0": value.day, f"{name}_1": value.month, f"{name}_2": value.year}


def lifecycle_pages(agreement) -> list[str]:
    return [
        lifecycle_url(agreement, "review-open"),
        lifecycle_url(agreement, "review"),
        *(outcome_url(agreement, outcome) for outcome in ReviewOutcome.values),
    ]


def test_outsider_gets_404_on_lifecycle_pages(client_for, outsider, agreement_ab, governance_a):
    client = client_for(outsider)
    assert client.get(lifecycle_url(agreement_ab)).status_code == 404
    for url in lifecycle_pages(agreement_ab):
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code == 404, url
    # Even with a review open, nothing of it shows.
    client_for(governance_a).post(lifecycle_url(agreement_ab, "review-open"))
    client = client_for(outsider)
    for url in lifecycle_pages(agreement_ab):
        assert client.get(url).status_code == 404, url
    assert AgreementReview.objects.get().closed_at is None


def test_unknown_agreement_is_404(client_for, member_a):
    assert client_for(member_a).get("/agreements/DSA-1999-9999/lifecycle/").status_code == 404


@pytest.mark.parametrize("persona", ["member_a", "readonly_a", "signatory_b", "steering_member"])
def test_parties_and_steering_group_see_the_lifecycle_page(
    client_for, persona, request, agreement_ab
):
    response = client_for(request.getfixturevalue(persona)).get(lifecycle_url(agreement_ab))
    assert response.status_code == 200
    page = html(response)
    assert agreement_ab.title in page and "Timeline" in page
    assert lifecycle_url(agreement_ab, "review-open") not in page  # not theirs to start


@pytest.mark.parametrize("persona", ["member_a", "readonly_a", "signatory_b", "steering_member"])
def test_others_get_403_on_review_actions(client_for, persona, request, agreement_ab, governance_a):
    client_for(governance_a).post(lifecycle_url(agreement_ab, "review-open"))
    client = client_for(request.getfixturevalue(persona))
    for url in lifecycle_pages(agreement_ab):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"outcome": "terminate", "reason": "x"}).status_code == 403, url
    assert AgreementReview.objects.get().closed_at is None


def test_governance_officer_runs_a_review_to_continue(client_for, governance_a, agreement_ab):
    client = client_for(governance_a)
    page = html(client.get(lifecycle_url(agreement_ab)))
    assert lifecycle_url(agreement_ab, "review-open") in page
    assert client.get(lifecycle_url(agreement_ab, "review")).status_code == 302  # none open yet
    assert client.get(outcome_url(agreement_ab, "continue")).status_code == 302
    response = client.post(lifecycle_url(agreement_ab, "review-open"))
    assert response.status_code == 302
    assert response["Location"] == lifecycle_url(agreement_ab, "review")
    review = AgreementReview.objects.get()
    # A second opening is refused with a message, not a 500.
    again = client.post(lifecycle_url(agreement_ab, "review-open"))
    assert again.status_code == 400 and "already open" in html(again)
    # First the outcome, then its questions.
    assert "What did the review decide?" in html(client.get(lifecycle_url(agreement_ab, "review")))
    response = client.post(lifecycle_url(agreement_ab, "review"), {"outcome": "continue"})
    assert response.status_code == 302
    assert response["Location"] == outcome_url(agreement_ab, "continue")
    assert "Next review date" in html(client.get(response["Location"]))
    new_date = TODAY() + 400 * DAY
    response = client.post(
        outcome_url(agreement_ab, "continue"), date_fields("new_review_date", new_date)
    )
    assert response.status_code == 302
    assert response["Location"] == lifecycle_url(agreement_ab)
    review.refresh_from_db()
    agreement_ab.refresh_from_db()
    assert review.outcome == ReviewOutcome.CONTINUE
    assert agreement_ab.review_date == new_date
    page = html(client.get(lifecycle_url(agreement_ab)))
    assert "Review closed: continue" in page


def test_an_unknown_outcome_is_404(client_for, governance_a, agreement_ab):
    client = client_for(governance_a)
    client.post(lifecycle_url(agreement_ab, "review-open"))
    assert client.get(outcome_url(agreement_ab, "renegotiate")).status_code == 404


@pytest.mark.parametrize(
    ("outcome", "data", "anchor", "message"),
    [
        (None, {}, "id_outcome_0", "Select the outcome of the review"),
        ("continue", {}, "id_new_review_date_0", "Enter the next review date"),
        (
            "continue",
            date_fields("new_review_date", TODAY()),
            "id_new_review_date_0",
            "The next review date must be in the future",
        ),
        ("vary", {}, "id_reason", "Say what needs to change"),
        ("terminate", {}, "id_reason", "Give the reason for ending"),
        ("terminate", {"reason": "x"}, "id_end_date_0", "Enter the date the agreement ends"),
        ("terminate", {"reason": "x" * 2001}, "id_reason", "The reason must be 2000 characters"),
    ],
)
def test_review_outcome_errors(
    client_for, governance_a, agreement_ab, outcome, data, anchor, message
):
    client = client_for(governance_a)
    client.post(lifecycle_url(agreement_ab, "review-open"))
    url = outcome_url(agreement_ab, outcome) if outcome else lifecycle_url(agreement_ab, "review")
    response = client.post(url, data)
    assert response.status_code == 200
    page = html(response)
    assert "There is a problem" in page
    assert f'href="#{anchor}"' in page and message in page
    assert AgreementReview.objects.get().closed_at is None


def test_governance_officer_proposes_ending_it_through_the_page(
    client_for, governance_a, agreement_ab
):
    client = client_for(governance_a)
    client.post(lifecycle_url(agreement_ab, "review-open"))
    response = client.post(
        outcome_url(agreement_ab, "terminate"),
        {"reason": "The service has closed.", **date_fields("end_date", TODAY())},
        follow=True,
    )
    agreement_ab.refresh_from_db()
    assert agreement_ab.status == AgreementStatus.ACTIVE
    page = html(response)
    assert "You proposed ending the agreement" in page
    assert "Waiting for every party to agree: End the agreement on" in page
    # The review waits for the parties; nobody may record another outcome meanwhile.
    assert "Its outcome is waiting for every party to agree" in page
    assert lifecycle_url(agreement_ab, "review") + '"' not in page


def test_a_termination_from_a_later_date_says_when(
    client_for, governance_a, governance_b, agreement_ab
):
    client = client_for(governance_a)
    client.post(lifecycle_url(agreement_ab, "review-open"))
    later = TODAY() + 60 * DAY
    client.post(
        outcome_url(agreement_ab, "terminate"),
        {"reason": "Notice given.", **date_fields("end_date", later)},
    )
    consent = agreement_ab.consents.get()
    page_url = reverse("agreements:consent", args=[agreement_ab.reference, consent.pk])
    response = client_for(governance_b).post(page_url, {"answer": "agree"}, follow=True)
    page = html(response)
    assert "Every party has now agreed" in page
    assert f"Ending on {later.day} " in page
    assert "Every party agreed to end this agreement: it ends on" in page
    assert lifecycle_url(agreement_ab, "review-open") not in page


def test_varying_an_agreement_signed_outside_the_portal_explains_why_not(
    client_for, governance_a, org_a, org_b
):
    agreement = make_agreement(org_a, org_b, external=True)
    client = client_for(governance_a)
    client.post(lifecycle_url(agreement, "review-open"))
    response = client.post(outcome_url(agreement, "vary"), {"reason": "More data"})
    assert response.status_code == 200
    assert "signed outside the portal" in html(response)
    assert AgreementReview.objects.get().closed_at is None


def test_removing_a_member_removes_their_access(client_for, admin_a, member_a, agreement_ab):
    from organisations.services import membership_remove
    from tests.factories import membership

    client = client_for(member_a)
    assert client.get(lifecycle_url(agreement_ab)).status_code == 200
    membership_remove(
        membership=membership(member_a, agreement_ab.parties.first().organisation), by=admin_a
    )
    assert client.get(lifecycle_url(agreement_ab)).status_code == 404
    assert client.get(REGISTER).status_code == 200  # the summaries stay open to them
