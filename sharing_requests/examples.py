"""Filling in a whole proposal through the services people use: the one builder behind the
demo data (demo.py) and the tests' complete proposals. Plain answers come from the question
declarations (questions.py), so a new question is filled in everywhere by its entry's
`example`; the rest (vision, outcomes, data items, parties, lawful bases, the DPIA screening,
actions) from the examples below unless the caller gives its own."""

import datetime

from django.utils import timezone

from . import services
from .choices import DataCategory, Section
from .models import Action, DataItem, LawfulBasis, MeasurableOutcome, Participant, Proposal
from .questions import PAGES, example_answers, questions

VISION = {
    "for_who": "older people receiving care at home",
    "need": "are more likely to fall",
    "proposal_name": "the falls prevention scheme",
    "outcome": "prevent falls",
    "data_shared": "names, addresses and mobility flags",
    "between_whom": "Ardwick and the trust",
    "today": "ad hoc phone referrals",
    "benefit": "reach everyone at risk",
}
OUTCOME = {
    "description": "Fewer falls",
    "measure": "Falls a year",
    "baseline": "120 falls a year (2025)",
    "target": "10% fewer",
}
DATA_ITEM = {
    "name": "Name and address",
    "category": "personal",
    "identifiability": "identifiable",
    "is_health_or_care": False,
    "necessity": "To know whom to visit.",
}
BASIS = {"article6": "e", "legal_power": "Care Act 2014 s.6 (co-operation)"}
# Added to BASIS where the data includes special category data.
SPECIAL_CONDITION = {"article9": "h", "schedule1": "2"}
# Asked only where health or care data is shared; then these are the examples.
CONFIDENTIALITY = {"confidentiality_basis": "public_interest", "national_data_opt_out": "applies"}
SCREENING = ["vulnerable"]


def example_action(proposal: Proposal, today: datetime.date) -> dict:
    return {
        "description": "Update the privacy notice",
        "owner_name": "Dan Wright",
        "owner_organisation": proposal.lead_organisation,
        "due_date": today + datetime.timedelta(days=30),
    }


def proposal_fill(
    *,
    proposal: Proposal,
    by,
    answers: dict | None = None,
    pages: tuple[str, ...] | None = None,
    vision: dict | None = None,
    outcomes: list[dict] | None = None,
    items: list[dict] | None = None,
    lead_party: dict | None = None,
    partners: list[dict] = (),
    bases: dict[tuple[str, str], dict] | None = None,
    basis: dict | None = None,
    screening: list[str] | None = SCREENING,
    actions: list[dict] | None = None,
) -> Proposal:
    """Answer every section of `proposal` as `by`, through the services.

    `answers` overrides the declared examples of plain questions, by field name; `pages`
    limits the pages of plain questions answered (all by default). `partners` are invited
    (participant data); `bases` gives lawful bases by (organisation slug, direction), and
    without it every party's every direction gets `basis` (the example by default).
    `screening=None` leaves the DPIA screening, and with it the practical page, unanswered.
    """
    today = timezone.localdate()
    items = [DATA_ITEM] if items is None else items
    health = any(item.get("is_health_or_care") for item in items)
    special = any(item.get("category") == DataCategory.SPECIAL for item in items)
    values = {
        **example_answers(today),
        "title": proposal.title,  # named when the proposal was started
        **(CONFIDENTIALITY if health else {}),
        **(answers or {}),
    }
    if pages is None:
        pages = tuple(PAGES)
        if not health and not {"confidentiality_basis", "national_data_opt_out"} & set(
            answers or {}
        ):
            pages = tuple(page for page in pages if page != "confidentiality")
    plain = {section: {} for section in Section}
    for page in pages:
        for question in questions(page):
            plain[question.section][question.name] = values[question.name]

    def update(section, data):
        if data:
            services.proposal_update(
                proposal=proposal, section=section, data=data, by=by, revision=None
            )

    update(Section.PURPOSE, plain[Section.PURPOSE])
    services.vision_update(proposal=proposal, parts=vision or VISION, by=by, revision=None)
    for outcome in [OUTCOME] if outcomes is None else outcomes:
        services.item_save(
            proposal=proposal,
            section=Section.PURPOSE,
            instance=MeasurableOutcome(),
            data=outcome,
            by=by,
            kind="outcome",
        )
    update(Section.NEEDS, plain[Section.NEEDS])
    for item in items:
        services.item_save(
            proposal=proposal,
            section=Section.NEEDS,
            instance=DataItem(),
            data=item,
            by=by,
            kind="dataitem",
        )
    services.participant_save(
        proposal=proposal,
        instance=proposal.participants.get(is_lead=True),
        data=lead_party or {"role": "provider", "controller_role": "controller"},
        by=by,
    )
    for partner in partners:
        services.participant_save(proposal=proposal, instance=Participant(), data=partner, by=by)
    if bases is None:
        default = {**(basis or BASIS), **(SPECIAL_CONDITION if special else {})}
        bases = {
            (party.organisation.slug, direction): default
            for party in proposal.participants.select_related("organisation")
            for direction in party.directions
        }
    for (slug, direction), data in bases.items():
        party = proposal.participants.get(organisation__slug=slug)
        services.lawful_basis_save(
            proposal=proposal,
            instance=LawfulBasis(participant=party, direction=direction),
            data=data,
            by=by,
        )
    if screening is not None:
        if special or health or any(i.get("category") == DataCategory.CRIMINAL for i in items):
            # What the items show is ticked, as the screening page requires (#12 item 8); in
            # place of the default answer, so the outcome stays one indicator (no DPIA).
            given = [] if screening is SCREENING else screening
            screening = [*given, *([] if "sensitive" in given else ["sensitive"])]
        update(
            Section.PRACTICAL,
            {"dpia_screened": True, "dpia_indicators": screening, **plain[Section.PRACTICAL]},
        )
    for action in [example_action(proposal, today)] if actions is None else actions:
        services.item_save(
            proposal=proposal,
            section=Section.PRACTICAL,
            instance=Action(),
            data=action,
            by=by,
            kind="action",
        )
    for section in (Section.HOW, Section.REVIEW, Section.EXIT):
        update(section, plain[section])
    return Proposal.objects.get(pk=proposal.pk)
