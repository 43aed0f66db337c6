"""The plain questions of each ISF section, declared once.

A plain question is one field of the proposal itself. Its entry here says everything the rest
of the portal needs: the form's label, hint, whether it is required and its error message
(`forms/base.py` builds the page forms from it), what the task list says while it is
unanswered (`completeness.py`), how it reads on the answers pages (the `answer_rows` template
tag) and in the reviewers' comparison (`snapshot.section_texts`), that it is frozen into the
submitted version (`snapshot.build`), where the agreement prints it
(`agreements/generation/content.py`), and the example answer the demo data, the benchmark
seeder and the tests fill in (`examples.py`).

Adding a plain question is the model field, its migration and one `Question` below, in the
page (`PAGES`: one edit page of the proposal each) that asks it; a new page is one `Page`.

What is not plain (the vision statement, outcomes, data items, parties, lawful bases, the DPIA
screening and actions) keeps its own forms and code; a `Part` marks where such an answer sits
among a page's rows.

Every string is lazy: nothing is translated at import.
"""

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .choices import Section

Text = str | Promise


@dataclass(frozen=True)
class InAgreement:
    """Where the agreement prints a question: a row in one of its sections."""

    section: str  # the agreement section's key, e.g. "security"
    heading: Text
    # What the row reads when the answer is empty ("Not given" unless said here).
    empty: Text | None = None
    # Rows print in declaration order; `late` puts this one after the section's others.
    late: bool = False


@dataclass(frozen=True)
class Question:
    """One plain question: a field of the proposal, asked on one page of one section."""

    name: str  # the Proposal field
    label: Text  # the form's question
    summary: Text | None  # the answers pages' and the comparison's key; None: not listed
    hint: Text = ""
    required: bool = True  # on the form
    error: Text | None = None  # the form's message for an empty answer
    noun: Text | None = None  # the form's noun for "… must be N characters or fewer"
    # The task list's problem while unanswered; None: not checked here (a question only
    # needed sometimes is checked in completeness.py, beside the rule that needs it).
    missing: Text | None = None
    summary_empty: Text | None = None  # what the answers pages say for an empty answer
    agreement: tuple[InAgreement, ...] = ()
    # What the demo data, the benchmark seeder and the tests answer: a value, or a function
    # of today's date.
    example: Any = ""
    # Set by _page: the section and the page (URL name) where it is answered.
    section: str = ""
    url_name: str = ""

    def example_for(self, today: datetime.date):
        return self.example(today) if callable(self.example) else self.example


@dataclass(frozen=True)
class Part:
    """A row of a page that is not a plain question (its value comes from elsewhere)."""

    name: str
    summary: Text
    url_name: str
    section: str = ""


Entry = Question | Part


def _days(n: int) -> Callable[[datetime.date], datetime.date]:
    return lambda today: today + datetime.timedelta(days=n)


@dataclass(frozen=True)
class Page:
    """One edit page of the proposal, in one section: its heading and its rows in order."""

    section: str
    url_name: str  # "<name>-edit" for the generic page view
    title: Text
    entries: tuple[Entry, ...]
    own_view: bool = False  # edited by a view of its own (the DPIA's also takes a file)


def _page(section: str, url_name: str, title: Text, *entries: Entry, own_view=False) -> Page:
    placed = tuple(replace(e, section=section, url_name=e.url_name or url_name) for e in entries)
    return Page(section, url_name, title, placed, own_view)


NOT_APPLICABLE = _("Not applicable")

PAGES: dict[str, Page] = {
    "purpose": _page(
        Section.PURPOSE,
        "purpose-edit",
        _("About the proposal"),
        Question(
            "title",
            label=_("Proposal title"),
            summary=_("Title"),
            hint=_("A short name people will recognise."),
            error=_("Enter a title for the proposal"),
            noun=_("The title"),
            missing=_("Enter a title"),
            example="Falls prevention referrals",
        ),
        Question(
            "problem",
            label=_("What problem are you trying to solve?"),
            summary=_("The problem"),
            hint=_(
                "Describe the situation today and why it needs data to be shared. Avoid "
                "jargon: people outside information governance will read this."
            ),
            error=_("Describe the problem you are trying to solve"),
            noun=_("The problem"),
            missing=_("Describe the problem the sharing solves"),
            agreement=(InAgreement("purpose", _("The problem this sharing addresses")),),
            example="Falls are not prevented.",
        ),
        Part("vision", _("Vision statement"), url_name="vision"),
        Question(
            "benefits",
            label=_("What benefits do you expect?"),
            summary=_("Expected benefits"),
            hint=_(
                "Who benefits and how: residents, services, staff. You add measurable "
                "outcomes separately."
            ),
            error=_("Describe the benefits you expect"),
            noun=_("The benefits"),
            missing=_("Describe the expected benefits"),
            agreement=(InAgreement("purpose", _("Expected benefits")),),
            example="Fewer falls.",
        ),
    ),
    "needs": _page(
        Section.NEEDS,
        "needs-edit",
        _("Whose data"),
        Question(
            "data_subjects",
            label=_("Whose data will be shared?"),
            summary=_("Whose data"),
            hint=_(
                "The people the data is about, for example 'adults receiving a home care "
                "package in Greater Manchester'. Say if they include children or other "
                "vulnerable people."
            ),
            error=_("Say whose data will be shared"),
            noun=_("Whose data"),
            missing=_("Say whose data will be shared"),
            agreement=(InAgreement("data", _("Whose data is shared")),),
            example="Adults receiving care at home",
        ),
    ),
    # Needed only for health or care data: completeness.py checks both together.
    "confidentiality": _page(
        Section.PRACTICAL,
        "confidentiality-edit",
        _("Health and care data"),
        Question(
            "confidentiality_basis",
            label=_("What is the basis under the common-law duty of confidentiality?"),
            summary=_("Common-law confidentiality basis"),
            hint=_(
                "Health and care information given in confidence needs a basis besides UK "
                "GDPR. Weigh the eight Caldicott principles; a Caldicott Guardian may need to "
                "sign beside the SIRO."
            ),
            error=_("Select the basis under the common-law duty of confidentiality"),
            agreement=(
                InAgreement(
                    "lawful-basis", _("Common-law duty of confidentiality"), empty=NOT_APPLICABLE
                ),
            ),
        ),
        Question(
            "national_data_opt_out",
            label=_("Does the national data opt-out apply?"),
            summary=_("National data opt-out"),
            hint=_(
                "It applies to confidential patient information used for research and "
                "planning, not for individual care or where the law requires the sharing."
            ),
            error=_("Select whether the national data opt-out applies"),
            agreement=(
                InAgreement("lawful-basis", _("National data opt-out"), empty=NOT_APPLICABLE),
            ),
        ),
    ),
    # The DPIA page also takes a file, so it keeps its own form (forms/screening.py); the
    # answers page and the agreement show the reference inside the DPIA's own rows.
    "dpia": _page(
        Section.PRACTICAL,
        "dpia",
        _("The DPIA"),
        Question(
            "dpia_reference",
            label=_("DPIA reference"),
            summary=None,
            hint=_("The reference in your organisation's DPIA log, for example DPIA-2026-014."),
            required=False,
        ),
        own_view=True,
    ),
    "how": _page(
        Section.HOW,
        "how-edit",
        _("How the data is shared"),
        Question(
            "transfer_method",
            label=_("How will the data move between organisations?"),
            summary=_("How the data moves"),
            hint=_(
                "For example, secure e-mail (NHS.net to gcsx successors), an SFTP transfer, or "
                "read access to a shared case management system."
            ),
            error=_("Say how the data will move"),
            noun=_("How the data moves"),
            missing=_("Say how the data moves"),
            agreement=(InAgreement("security", _("How the data moves")),),
            example="SFTP",
        ),
        Question(
            "frequency",
            label=_("How often?"),
            summary=_("How often"),
            error=_("Select how often data is shared"),
            missing=_("Say how often data is shared"),
            agreement=(InAgreement("security", _("How often")),),
            example="weekly",
        ),
        Question(
            "security_measures",
            label=_("How will it be kept secure?"),
            summary=_("Security measures"),
            hint=_("Encryption in transit and at rest, role-based access, audit logs, training."),
            error=_("Say how the data will be kept secure"),
            noun=_("The security measures"),
            missing=_("Describe the security measures"),
            agreement=(InAgreement("security", _("Security measures")),),
            example="Encryption",
        ),
        Question(
            "access_controls",
            label=_("Who will have access?"),
            summary=_("Who has access"),
            hint=_("Teams or roles, not names. Say how access is granted and removed."),
            error=_("Say who will have access"),
            noun=_("Who has access"),
            missing=_("Say who has access"),
            agreement=(InAgreement("security", _("Who has access")),),
            example="The prevention team",
        ),
        Question(
            "storage_location",
            label=_("Where will it be stored?"),
            summary=_("Where it is stored"),
            hint=_(
                "The system and where it is hosted, for example 'GMFRS's CRM, hosted in the UK'."
            ),
            error=_("Say where the data will be stored"),
            noun=_("Where it is stored"),
            missing=_("Say where the data is stored"),
            agreement=(InAgreement("security", _("Where it is stored")),),
            example="UK-hosted CRM",
        ),
    ),
    "review": _page(
        Section.REVIEW,
        "review-edit",
        _("Review"),
        Question(
            "review_date",
            label=_("First review date"),
            summary=_("First review date"),
            hint=_("Usually 12 months after the sharing starts. For example, 27 3 2027"),
            error=_("Enter the first review date"),
            missing=_("Enter the first review date"),
            agreement=(InAgreement("review", _("First review date")),),
            example=_days(365),
        ),
        Question(
            "review_frequency",
            label=_("How often will the sharing be reviewed?"),
            summary=_("Review frequency"),
            error=_("Select how often the sharing will be reviewed"),
            missing=_("Choose how often the sharing is reviewed"),
            agreement=(InAgreement("review", _("Review frequency")),),
            example="12",
        ),
        Question(
            "success_measures",
            label=_("How will you know it is working?"),
            summary=_("How success is measured"),
            hint=_(
                "What the review will look at: the measurable outcomes, data quality, "
                "complaints, breaches."
            ),
            error=_("Say how you will know the sharing is working"),
            noun=_("How success is measured"),
            missing=_("Say how success is measured"),
            agreement=(InAgreement("review", _("How success is measured")),),
            example="Falls counted",
        ),
    ),
    "exit": _page(
        Section.EXIT,
        "exit-edit",
        _("Exit planning"),
        Question(
            "start_date",
            label=_("When does the sharing start?"),
            summary=_("Sharing starts"),
            hint=_("Leave empty if it starts when the agreement is signed."),
            required=False,
            summary_empty=_("When the agreement is signed"),
            agreement=(
                InAgreement(
                    "termination", _("Sharing starts"), empty=_("When the agreement is sealed")
                ),
            ),
            example=_days(10),
        ),
        Question(
            "end_date",
            label=_("When does the sharing end?"),
            summary=_("Sharing ends"),
            hint=_("Agreements usually run for 1 to 3 years. For example, 31 3 2029"),
            error=_("Enter the date the sharing ends"),
            missing=_("Enter the date the sharing ends"),
            agreement=(InAgreement("termination", _("Sharing ends"), empty=_("No end date set")),),
            example=_days(3 * 365),
        ),
        Question(
            "retention",
            label=_("How long will each organisation keep the data?"),
            summary=_("Retention"),
            hint=_("Point to the retention schedules that apply."),
            error=_("Say how long each organisation will keep the data"),
            noun=_("The retention"),
            missing=_("Say how long the data is kept"),
            agreement=(InAgreement("retention", _("How long the data is kept")),),
            example="Two years",
        ),
        Question(
            "end_of_sharing",
            label=_("What happens to the data when the sharing ends?"),
            summary=_("At the end"),
            error=_("Select what happens to the data when the sharing ends"),
            missing=_("Say what happens to the data at the end"),
            agreement=(
                InAgreement("retention", _("When the sharing ends")),
                InAgreement("termination", _("What happens to the data at the end"), late=True),
            ),
            example="delete",
        ),
        Question(
            "early_termination",
            label=_("What would end the sharing early?"),
            summary=_("What ends it early"),
            hint=_("For example, a serious breach, a party not complying, or the law changing."),
            error=_("Say what would end the sharing early"),
            noun=_("What ends it early"),
            missing=_("Say what would end the sharing early"),
            agreement=(InAgreement("termination", _("What ends the sharing early")),),
            example="A serious breach",
        ),
    ),
}


def entries(page: str) -> tuple[Entry, ...]:
    return PAGES[page].entries


def questions(page: str | None = None) -> Iterator[Question]:
    """The plain questions of one page, or of every page, in order."""
    for name, found in PAGES.items():
        if page is None or name == page:
            yield from (e for e in found.entries if isinstance(e, Question))


def questions_of(section: str) -> Iterator[Question]:
    """The plain questions of one ISF section, in order."""
    return (q for q in questions() if q.section == section)


def question(name: str) -> Question:
    return next(q for q in questions() if q.name == name)


def agreement_rows(section: str) -> list[tuple[Question, InAgreement]]:
    """The questions the agreement prints in one of its sections, in order."""
    found = [(q, row) for q in questions() for row in q.agreement if row.section == section]
    return sorted(found, key=lambda pair: pair[1].late)


def example_answers(today: datetime.date) -> dict[str, Any]:
    """Every plain question's example answer, by field name."""
    return {q.name: q.example_for(today) for q in questions()}
