"""The frozen form of a proposal at submission: plain JSON, readable without the live rows.

Organisations get renamed and merged; the snapshot keeps each party's details as they were.
"""

import datetime

from .choices import (
    Annex1Condition,
    Article6,
    Article9,
    ControllerRole,
    DataCategory,
    Direction,
    Identifiability,
    PartyRole,
    Schedule1Condition,
)
from .completeness import dpia_outcome
from .questions import Part, Question, entries, questions


def _label(choices, value) -> str:
    return str(choices(value).label) if value else ""


def _date(value) -> str | None:
    return value.isoformat() if value else None


def frozen_answer(p, question: Question):
    """A plain question's answer as the snapshot keeps it: a choice by its label, a date in
    ISO form, text as typed."""
    value = getattr(p, question.name)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if p._meta.get_field(question.name).choices:
        return str(getattr(p, f"get_{question.name}_display")()) if value else ""
    return value


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
        **{question.name: frozen_answer(p, question) for question in questions()},
        "lead_organisation": p.lead_organisation.name,
        "vision": {
            "parts": {part: getattr(vision, part) for part in vision.PARTS},
            "text": vision.text,
        },
        "outcomes": [
            {
                "description": o.description,
                "measure": o.measure,
                "baseline": o.baseline,
                "target": o.target,
            }
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
    }


def _keyed(rows) -> dict[str, str]:
    """(name, line) pairs as {key: line}, a repeated name keyed by its occurrence."""
    keyed, seen = {}, {}
    for name, line in rows:
        seen[name] = seen.get(name, 0) + 1
        keyed[name if seen[name] == 1 else f"{name} ({seen[name]})"] = line
    return keyed


def list_items(snap: dict) -> dict[str, dict[str, str]]:
    """The repeating lists of a frozen version, by their row label: each item's line, keyed
    by what names it (a data item's name, an outcome's or action's description), so that
    'what changed' can name the item added, removed or changed rather than the whole list."""
    return {
        "Measurable outcomes": _keyed(
            (
                o["description"],
                f"{o['description']}: {o['measure']}"
                + (f" (baseline {o['baseline']})" if o.get("baseline") else "")
                + (f" (target {o['target']})" if o.get("target") else ""),
            )
            for o in snap.get("outcomes", [])
        ),
        "Data items": _keyed(
            (
                i["name"],
                f"{i['name']}: {i['category']}, {i['identifiability'].lower()}"
                + (", health or care" if i.get("is_health_or_care") else "")
                + f". {i['necessity']}",
            )
            for i in snap.get("data_items", [])
        ),
        "Actions": _keyed(
            (
                a["description"],
                f"{a['description']} ({a['owner_name']}"
                + (f", {a['owner_organisation']}" if a.get("owner_organisation") else "")
                + (f", by {a['due_date']}" if a.get("due_date") else "")
                + ")",
            )
            for a in snap.get("actions", [])
        ),
    }


def section_texts(snap: dict) -> dict[str, list[tuple[str, str]]]:
    """A frozen version as readable (question, answer) pairs per section: what reviewers see
    and what 'what changed since the last round' compares."""

    def lines(rows):
        return "\n".join(r for r in rows if r)

    def declared(page, **parts):
        """The page's rows in declared order: a plain question's frozen answer, a part's
        given value."""
        rows = []
        for entry in entries(page):
            if isinstance(entry, Part):
                rows.append((str(entry.summary), parts[entry.name]))
            elif entry.summary is not None:
                empty = str(entry.summary_empty or "")
                rows.append((str(entry.summary), snap.get(entry.name) or empty))
        return rows

    parties = snap.get("participants", [])
    dpia = snap.get("dpia", {})
    listed = list_items(snap)
    return {
        "purpose": [
            *declared("purpose", vision=snap.get("vision", {}).get("text", "")),
            ("Measurable outcomes", lines(listed["Measurable outcomes"].values())),
        ],
        "needs": [
            *declared("needs"),
            ("Data items", lines(listed["Data items"].values())),
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
            *declared("confidentiality"),
            ("DPIA screening", dpia.get("explanation", "")),
            ("DPIA", lines([dpia.get("reference", ""), dpia.get("file_name", "")])),
            ("Actions", lines(listed["Actions"].values())),
        ],
        "how": declared("how"),
        "review": declared("review"),
        "exit": declared("exit"),
    }


def changes_between(old: dict, new: dict) -> dict[str, list[dict]]:
    """Per section, the answers that differ between two frozen versions; in a repeating list
    (data items, outcomes, actions) each item added, removed or changed, with `change` set to
    "added", "removed" or "changed"."""
    before, after = section_texts(old), section_texts(new)
    old_lists, new_lists = list_items(old), list_items(new)
    changed = {}
    for section, rows in after.items():
        old_rows = dict(before.get(section, []))
        new_rows = dict(rows)
        diffs = []
        for label in list(new_rows) + [k for k in old_rows if k not in new_rows]:
            if old_rows.get(label, "") == new_rows.get(label, ""):
                continue
            if label in new_lists:
                diffs.extend(_item_changes(label, old_lists[label], new_lists[label]))
            else:
                diffs.append(
                    {"label": label, "old": old_rows.get(label, ""), "new": new_rows.get(label, "")}
                )
        if diffs:
            changed[section] = diffs
    return changed


def _item_changes(label: str, old: dict[str, str], new: dict[str, str]) -> list[dict]:
    diffs = []
    for key in list(new) + [k for k in old if k not in new]:
        if old.get(key) == new.get(key):
            continue
        change = "added" if key not in old else "removed" if key not in new else "changed"
        diffs.append(
            {"label": label, "old": old.get(key, ""), "new": new.get(key, ""), "change": change}
        )
    return diffs
