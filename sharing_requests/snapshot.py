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
                    # A basis kept from an earlier role (a provider that became a recipient)
                    # is not part of what is agreed.
                    if b.direction in party.directions
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


def section_texts(snap: dict) -> dict[str, list[tuple[str, str]]]:
    """A frozen version as readable (question, answer) pairs per section: what reviewers see
    and what 'what changed since the last round' compares."""

    def lines(rows):
        return "\n".join(r for r in rows if r)

    parties = snap.get("participants", [])
    dpia = snap.get("dpia", {})
    return {
        "purpose": [
            ("Title", snap.get("title", "")),
            ("The problem", snap.get("problem", "")),
            ("Vision statement", snap.get("vision", {}).get("text", "")),
            ("Expected benefits", snap.get("benefits", "")),
            (
                "Measurable outcomes",
                lines(
                    f"{o['description']}: {o['measure']}"
                    + (f" (target {o['target']})" if o.get("target") else "")
                    for o in snap.get("outcomes", [])
                ),
            ),
        ],
        "needs": [
            ("Whose data", snap.get("data_subjects", "")),
            (
                "Data items",
                lines(
                    f"{i['name']}: {i['category']}, {i['identifiability'].lower()}"
                    + (", health or care" if i.get("is_health_or_care") else "")
                    + f". {i['necessity']}"
                    for i in snap.get("data_items", [])
                ),
            ),
        ],
        "who": [
            (
                p["name"] + (" (lead)" if p.get("is_lead") else ""),
                lines(
                    [
                        p.get("role", ""),
                        p.get("controller_role", ""),
                        f"Contact: {p.get('contact_name', '')}, {p.get('contact_email', '')}",
                        f"ICO registration {p.get('ico_registration_number', '')}",
                    ]
                ),
            )
            for p in parties
        ],
        "practical": [
            *[
                (
                    f"{p['name']}: {b['direction']}",
                    lines(
                        [
                            b["article6"]
                            + (f": {b['annex1_condition']}" if b.get("annex1_condition") else ""),
                            b.get("legal_power", ""),
                            f"Article 9: {b['article9']}" if b.get("article9") else "",
                            f"Schedule 1: {b['schedule1']}" if b.get("schedule1") else "",
                            f"Criminal offence data: {b['criminal_schedule1']}"
                            if b.get("criminal_schedule1")
                            else "",
                            "Law enforcement under DPA 2018 Part 3"
                            if b.get("law_enforcement")
                            else "",
                            b.get("notes", ""),
                        ]
                    ),
                )
                for p in parties
                for b in p.get("lawful_bases", [])
            ],
            ("Common-law confidentiality basis", snap.get("confidentiality_basis", "")),
            ("National data opt-out", snap.get("national_data_opt_out", "")),
            ("DPIA screening", dpia.get("explanation", "")),
            ("DPIA", lines([dpia.get("reference", ""), dpia.get("file_name", "")])),
            (
                "Actions",
                lines(
                    f"{a['description']} ({a['owner_name']}"
                    + (f", {a['owner_organisation']}" if a.get("owner_organisation") else "")
                    + (f", by {a['due_date']}" if a.get("due_date") else "")
                    + ")"
                    for a in snap.get("actions", [])
                ),
            ),
        ],
        "how": [
            ("How the data moves", snap.get("transfer_method", "")),
            ("How often", snap.get("frequency", "")),
            ("Security measures", snap.get("security_measures", "")),
            ("Who has access", snap.get("access_controls", "")),
            ("Where it is stored", snap.get("storage_location", "")),
        ],
        "review": [
            ("First review date", snap.get("review_date") or ""),
            ("Review frequency", snap.get("review_frequency", "")),
            ("How success is measured", snap.get("success_measures", "")),
        ],
        "exit": [
            ("Sharing starts", snap.get("start_date") or "When the agreement is signed"),
            ("Sharing ends", snap.get("end_date") or ""),
            ("Retention", snap.get("retention", "")),
            ("At the end", snap.get("end_of_sharing", "")),
            ("What ends it early", snap.get("early_termination", "")),
        ],
    }


def changes_between(old: dict, new: dict) -> dict[str, list[dict]]:
    """Per section, the answers that differ between two frozen versions."""
    before, after = section_texts(old), section_texts(new)
    changed = {}
    for section, rows in after.items():
        old_rows = dict(before.get(section, []))
        new_rows = dict(rows)
        diffs = [
            {"label": label, "old": old_rows.get(label, ""), "new": new_rows.get(label, "")}
            for label in list(new_rows) + [k for k in old_rows if k not in new_rows]
            if old_rows.get(label, "") != new_rows.get(label, "")
        ]
        if diffs:
            changed[section] = diffs
    return changed
