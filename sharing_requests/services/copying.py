"""Starting a new draft from an existing proposal ("start from this one"), through the same
services as answering by hand, so every copied answer is audited and on the timeline.

Copied: the parties (invited afresh, so their people are told and may see the draft), the
data items, each party's lawful bases and the sections' plain answers. Not copied: what
belongs to the earlier proposal's own life — its decisions, votes, signatures, comments,
endorsements, DPIA and screening, actions, outcomes and dates.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from organisations.models import Organisation

from ..choices import Section
from ..events import proposal_event
from ..models import DataItem, LawfulBasis, Participant, Proposal, VisionStatement
from ..questions import questions
from .lists import item_save, lawful_basis_save
from .parties import participant_save
from .proposals import proposal_create
from .sections import proposal_update, vision_update

# Answers that belong to the earlier proposal's own life, not to what it shares.
NOT_COPIED = frozenset({"title", "dpia_reference", "review_date", "start_date", "end_date"})
PARTY_FIELDS = ("role", "controller_role", "contact_name", "contact_email")
DATA_ITEM_FIELDS = ("name", "category", "identifiability", "is_health_or_care", "necessity")
BASIS_FIELDS = (
    "article6",
    "annex1_condition",
    "legal_power",
    "article9",
    "schedule1",
    "criminal_schedule1",
    "law_enforcement",
    "notes",
)


def proposal_copy(
    *, source: Proposal, lead_organisation: Organisation, by, started_from: str = ""
) -> Proposal:
    """A new draft led by `lead_organisation`, started by `by`, with `source`'s answers.
    `started_from` names what the person chose (an agreement made from `source`, or `source`
    itself by default) on the new draft's timeline."""
    with transaction.atomic():
        draft = proposal_create(lead_organisation=lead_organisation, title=source.title, by=by)
        proposal_event(
            draft,
            by=by,
            kind="started_from",
            description=_("Started from %(what)s")
            % {"what": started_from or f"{source.reference}: {source.title}"},
            organisation=lead_organisation,
        )
        plain: dict[str, dict] = {}
        for question in questions():
            if question.name not in NOT_COPIED:
                plain.setdefault(question.section, {})[question.name] = getattr(
                    source, question.name
                )
        for section, data in plain.items():
            proposal_update(proposal=draft, section=section, data=data, by=by, revision=None)
        vision = VisionStatement.objects.filter(proposal=source).first()
        if vision is not None:
            parts = {part: getattr(vision, part) for part in VisionStatement.PARTS}
            vision_update(proposal=draft, parts=parts, by=by, revision=None)
        for item in source.data_items.order_by("pk"):
            item_save(
                proposal=draft,
                section=Section.NEEDS,
                instance=DataItem(),
                data={f: getattr(item, f) for f in DATA_ITEM_FIELDS},
                by=by,
                kind="dataitem",
            )
        _copy_parties(source, draft, by)
    return draft


def _copy_parties(source: Proposal, draft: Proposal, by) -> None:
    """Every active party of `source` takes the same part in `draft` (the new lead keeps
    leading; the earlier lead is invited like the others), with its lawful bases."""
    lead = draft.participants.get(is_lead=True)
    for party in (
        source.participants.select_related("organisation")
        .prefetch_related("lawful_bases")
        .order_by("-is_lead", "pk")
    ):
        if not party.organisation.is_active:
            continue
        data = {f: getattr(party, f) for f in PARTY_FIELDS}
        if party.organisation_id == lead.organisation_id:
            for mine in ("contact_name", "contact_email"):
                del data[mine]  # the person starting the draft is the lead's contact now
            target = participant_save(proposal=draft, instance=lead, data=data, by=by)
        else:
            target = participant_save(
                proposal=draft,
                instance=Participant(),
                data={"organisation": party.organisation, **data},
                by=by,
            )
        for basis in party.lawful_bases.all():
            lawful_basis_save(
                proposal=draft,
                instance=LawfulBasis(participant=target, direction=basis.direction),
                data={f: getattr(basis, f) for f in BASIS_FIELDS},
                by=by,
            )
