"""The frozen form of a proposal at submission: plain JSON, readable without the live rows.

Organisations get renamed and merged; the snapshot keeps each party's details as they were.
"""

from .choices import (
    Annex1Condition,
    Article6,
    Article9,
    ConfidentialityBasis,
    ControllerRole,
    DataCategory,
    Direction,
    EndOfSharing,
    Frequency,
    Identifiability,
    OptOut,
    PartyRole,
    ReviewFrequency,
    Schedule1Condition,
)
from .completeness import dpia_outcome

PROPOSAL_TEXT_FIELDS = [
    "title",
    "problem",
    "benefits",
    "data_subjects",
    "dpia_reference",
    "transfer_method",
    "security_measures",
    "access_controls",
    "storage_location",
    "success_measures",
    "retention",
    "early_termination",
]


def _label(choices, value) -> str:
    return str(choices(value).label) if value else ""


def _date(value) -> str | None:
    return value.isoformat() if value else None


def build(p) -> dict:
    vision = p.vision
    participants = []
    for party in p.participants.select_related("organisation").prefetch_related("lawful_bases"):
        org = party.organisation
        participants.append(
            {
                "organisation_id": org.pk,
                "name": org.name,
                "short_name": org.short_name,
                "sector": org.get_sector_display(),
                "ico_registration_number": org.ico_registration_number,
                "dpo_name": org.dpo_name,
                "dpo_email": org.dpo_email,
                "is_lead": party.is_lead,
                "role": _label(PartyRole, party.role),
                "controller_role": _label(ControllerRole, party.controller_role),
                "contact_name": party.contact_name,
                "contact_email": party.contact_email,
                "lawful_bases": [
                    {
                        "direction": _label(Direction, b.direction),
                        "article6": _label(Article6, b.article6),
                        "annex1_condition": _label(Annex1Condition, b.annex1_condition),
                        "legal_power": b.legal_power,
                        "article9": _label(Article9, b.article9),
                        "schedule1": _label(Schedule1Condition, b.schedule1),
                        "criminal_schedule1": _label(Schedule1Condition, b.criminal_schedule1),
                        "law_enforcement": b.law_enforcement,
                        "notes": b.notes,
                    }
                    for b in party.lawful_bases.all()
                ],
            }
        )
    return {
        "reference": p.reference,
        **{field: getattr(p, field) for field in PROPOSAL_TEXT_FIELDS},
        "lead_organisation": p.lead_organisation.name,
        "vision": {
            "parts": {part: getattr(vision, part) for part in vision.PARTS},
            "text": vision.text,
        },
        "outcomes": [
            {"description": o.description, "measure": o.measure, "target": o.target}
            for o in p.outcomes.all()
        ],
        "data_items": [
            {
                "name": i.name,
                "category": _label(DataCategory, i.category),
                "category_code": i.category,
                "identifiability": _label(Identifiability, i.identifiability),
                "is_health_or_care": i.is_health_or_care,
                "necessity": i.necessity,
            }
            for i in p.data_items.all()
        ],
        "participants": participants,
        "confidentiality_basis": _label(ConfidentialityBasis, p.confidentiality_basis),
        "national_data_opt_out": _label(OptOut, p.national_data_opt_out),
        "dpia": {
            **{k: v for k, v in dpia_outcome(p).items()},
            "indicators": list(p.dpia_indicators or []),
            "reference": p.dpia_reference,
            "file_name": p.dpia_file_name,
        },
        "actions": [
            {
                "description": a.description,
                "owner_name": a.owner_name,
                "owner_organisation": a.owner_organisation.name if a.owner_organisation else "",
                "due_date": _date(a.due_date),
            }
            for a in p.actions.select_related("owner_organisation")
        ],
        "frequency": _label(Frequency, p.frequency),
        "review_date": _date(p.review_date),
        "review_frequency": _label(ReviewFrequency, p.review_frequency),
        "start_date": _date(p.start_date),
        "end_date": _date(p.end_date),
        "end_of_sharing": _label(EndOfSharing, p.end_of_sharing),
    }
