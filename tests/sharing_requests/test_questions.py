"""The question declarations drive the forms, completeness, the snapshot, the answers pages and
the agreement: a declared question shows up in each, and a new entry needs nothing else."""

from dataclasses import replace

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise

from agreements.generation.clauses import ClauseBook
from agreements.generation.content import build_content
from sharing_requests import forms, questions, services, snapshot
from sharing_requests.answers import answers_context
from sharing_requests.choices import Section
from sharing_requests.completeness import section_problems
from sharing_requests.examples import proposal_fill
from sharing_requests.forms.base import PageForm, page_meta
from sharing_requests.questions import Question, questions_of
from sharing_requests.templatetags.proposals import answer_rows
from sharing_requests.views import sections

from .conftest import fresh

PAGE_FORMS = ["purpose", "needs", "confidentiality", "how", "review", "exit"]


def _content(snap):
    return build_content(
        snapshot=snap,
        reference="DSA-TEST",
        title=snap["title"],
        agreement_version=1,
        proposal_version=1,
        capacities={},
        clauses=ClauseBook(),
    )


def _rows_of(content, key):
    section = next(s for s in content["sections"] if s["key"] == key)
    return [row for block in section["blocks"] if block["kind"] == "rows" for row in block["rows"]]


@pytest.mark.parametrize("page", PAGE_FORMS)
def test_each_page_form_asks_its_declared_questions(page):
    form = forms.page_form(page)()
    declared = list(questions.questions(page))

    assert [q.name for q in declared] == [n for n in form.fields if n != "revision"]
    for q in declared:
        field = form.fields[q.name]
        assert field.label == q.label
        assert field.help_text == q.hint
        assert field.required is q.required
        if q.error:
            assert field.error_messages["required"] == q.error


def test_every_declared_page_without_its_own_view_gets_an_edit_page_with_a_lazy_title():
    declared = {name for name, page in questions.PAGES.items() if not page.own_view}

    assert set(sections.FIELD_PAGES) == declared == set(PAGE_FORMS)
    for name, page in sections.FIELD_PAGES.items():
        # Translated when a page is shown, in the reader's language, never at import.
        assert isinstance(page.title, Promise)
        url = reverse(f"requests:{page.url_name}", args=["ISF-1"])
        assert url.endswith(f"/ISF-1/{name}/edit/")


def test_a_new_page_of_plain_questions_needs_no_form_class(monkeypatch):
    extra = replace(EXTRA, url_name="extra-edit")
    page = questions.Page(Section.HOW, "extra-edit", "Extra", (extra,))
    monkeypatch.setitem(questions.PAGES, "extra", page)
    try:
        form = forms.page_form("extra")(data={})
        assert [n for n in form.fields if n != "revision"] == ["dpia_file_name"]
        assert form.fields["dpia_file_name"].label == EXTRA.label
        assert not form.is_valid()
        assert form.errors["dpia_file_name"] == [EXTRA.error]
    finally:
        forms.page_form.cache_clear()


def test_dpia_form_takes_the_reference_wording_from_its_declaration():
    field = forms.DpiaForm().fields["dpia_reference"]
    declared = questions.question("dpia_reference")

    assert (field.label, field.help_text) == (declared.label, declared.hint)


@pytest.mark.parametrize("section", [s for s in Section if any(questions_of(s))])
def test_an_unanswered_required_question_is_a_completeness_problem(proposal, section):
    messages = [p.message for p in section_problems(proposal, section)]

    for q in questions_of(section):
        if q.missing:
            # A new proposal has only its title.
            assert (str(q.missing) in messages) is (q.name != "title")


def test_every_declared_question_is_frozen_listed_and_printed(complete_proposal):
    snap = snapshot.build(complete_proposal)
    texts = {label for rows in snapshot.section_texts(snap).values() for label, _v in rows}
    content = _content(snap)
    section_keys = {s["key"] for s in content["sections"]}

    for q in questions.questions():
        assert q.name in snap
        if q.summary is not None:
            assert str(q.summary) in texts
            assert str(q.summary) in [
                row["key"] for row in answer_rows(complete_proposal, _page_of(q), vision="")
            ]
        for row in q.agreement:
            assert row.section in section_keys
            assert str(row.heading) in [label for label, _v in _rows_of(content, row.section)]


def test_the_agreement_prints_the_frozen_answers(complete_proposal):
    content = _content(snapshot.build(complete_proposal))

    security = dict(map(tuple, _rows_of(content, "security")))
    assert security["How the data moves"] == complete_proposal.transfer_method
    assert security["How often"] == complete_proposal.get_frequency_display()
    termination = dict(map(tuple, _rows_of(content, "termination")))
    assert [label for label in termination][-1] == "What happens to the data at the end"


def _page_of(question):
    return next(name for name, page in questions.PAGES.items() if question in page.entries)


# --- A new entry ---------------------------------------------------------------------------
# dpia_file_name stands in for a new model field: it is a Proposal text field no page asks.
EXTRA = Question(
    "dpia_file_name",
    label="What else should reviewers know?",
    summary="Anything else",
    hint="For example, a pilot that ran last year.",
    error="Say what else reviewers should know",
    missing="Say what else reviewers should know",
    agreement=(questions.InAgreement("security", "Anything else"),),
    example="A pilot ran in 2025",
    section=Section.HOW,
    url_name="how-edit",
)


@pytest.fixture
def extra_question(monkeypatch):
    how = questions.PAGES["how"]
    monkeypatch.setitem(questions.PAGES, "how", replace(how, entries=(*how.entries, EXTRA)))
    return EXTRA


def test_a_new_declaration_entry_reaches_every_consumer(extra_question, proposal, member_a):
    # The form built from the declarations asks it.
    form_class = type("HowForm", (PageForm,), {"page": "how", "Meta": page_meta("how")})
    empty = form_class(data={})
    assert empty.fields["dpia_file_name"].label == EXTRA.label
    assert not empty.is_valid()
    assert empty.errors["dpia_file_name"] == [EXTRA.error]
    # Unanswered, the task list asks for it.
    assert EXTRA.missing in [p.message for p in section_problems(proposal, Section.HOW)]

    # The shared builder answers it with its example, and then nothing is missing.
    filled = proposal_fill(proposal=proposal, by=member_a)
    assert filled.dpia_file_name == "A pilot ran in 2025"
    assert section_problems(filled, Section.HOW) == []

    snap = snapshot.build(filled)
    assert snap["dpia_file_name"] == "A pilot ran in 2025"
    assert ("Anything else", "A pilot ran in 2025") in snapshot.section_texts(snap)["how"]
    assert ["Anything else", "A pilot ran in 2025"] in _rows_of(_content(snap), "security")
    html = render_to_string(
        "sharing_requests/includes/answers_how.html",
        {"proposal": fresh(filled), "editable": True, **answers_context(proposal=filled)},
    )
    assert "Anything else" in html and "A pilot ran in 2025" in html


def test_an_optional_date_reads_its_declared_empty_text(complete_proposal, member_a):
    services.proposal_update(
        proposal=complete_proposal,
        section=Section.EXIT,
        data={"start_date": None},
        by=member_a,
        revision=None,
    )
    p = fresh(complete_proposal)
    snap = snapshot.build(p)

    assert snap["start_date"] is None
    assert dict(snapshot.section_texts(snap)["exit"])["Sharing starts"] == (
        "When the agreement is signed"
    )
    termination = dict(map(tuple, _rows_of(_content(snap), "termination")))
    assert termination["Sharing starts"] == "When the agreement is sealed"
    rows = {row["key"]: row["value"] for row in answer_rows(p, "exit")}
    assert rows["Sharing starts"] == "When the agreement is signed"
    assert rows["Sharing ends"] == p.end_date.strftime("%-d %B %Y")
    assert p.end_date > timezone.localdate()
