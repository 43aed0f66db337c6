"""The agreement's content: every section as plain text blocks, from the frozen version
(see the package docstring). The rows answering the proposal's plain questions come from
their declarations (sharing_requests/questions.py)."""

import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from organisations.models import SignatoryCapacity
from sharing_requests.models import Proposal
from sharing_requests.questions import agreement_rows

from .clauses import ClauseBook

# The version of the `content` layout, so later code can read old agreements.
CONTENT_FORMAT = 1


def _date(value) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.date.fromisoformat(value)
    return formats.date_format(value, "j F Y")


def plain_text(value) -> str:
    return str(value or "").strip()


def _join(*values) -> str:
    return ", ".join(v for v in (plain_text(value) for value in values) if v)


def _rows(*pairs) -> dict:
    """A block of (label, answer) rows; an empty answer reads 'Not given'."""
    return {
        "kind": "rows",
        "rows": [[str(label), plain_text(value) or _("Not given")] for label, value in pairs],
    }


def _declared(snapshot: dict, section: str) -> list[tuple]:
    """The (heading, answer) rows the declared questions print in one agreement section."""
    pairs = []
    for question, row in agreement_rows(section):
        value = snapshot.get(question.name)
        if Proposal._meta.get_field(question.name).get_internal_type() == "DateField":
            value = _date(value)
        pairs.append((row.heading, plain_text(value) or (row.empty or "")))
    return pairs


def _is_joint(party: dict) -> bool:
    return "joint" in plain_text(party.get("controller_role")).lower()


def build_content(
    *,
    snapshot: dict,
    reference: str,
    title: str,
    agreement_version: int,
    proposal_version: int,
    capacities: dict[int, list[str]],
    clauses: ClauseBook,
) -> dict:
    """Every section of the agreement as plain text blocks (see the module docstring)."""
    parties = snapshot.get("participants", [])
    dpia = snapshot.get("dpia", {})
    sections: list[dict] = []

    def section(key, heading, *blocks):
        sections.append({"key": key, "title": heading, "blocks": [b for b in blocks if b]})

    # Parties, with their roles, ICO registration numbers and DPO contacts.
    party_blocks = [
        {
            "kind": "text",
            "paragraphs": [
                _(
                    "This agreement is between the organisations below. Each is a controller "
                    "of the personal data it holds and is responsible for its own compliance "
                    "with the UK GDPR and the Data Protection Act 2018. The lead organisation "
                    "co-ordinates the sharing and the reviews of this agreement."
                )
            ],
        }
    ]
    for party in parties:
        heading = party["name"] + (_(" (lead organisation)") if party.get("is_lead") else "")
        party_blocks.append({"kind": "heading", "text": heading})
        party_blocks.append(
            _rows(
                (_("Role in the sharing"), party.get("role")),
                (_("Controller role"), party.get("controller_role")),
                (_("ICO registration number"), party.get("ico_registration_number")),
                (
                    _("Data protection officer"),
                    _join(party.get("dpo_name"), party.get("dpo_email")),
                ),
                (
                    _("Contact for this agreement"),
                    _join(party.get("contact_name"), party.get("contact_email")),
                ),
                (_("Sector"), party.get("sector")),
            )
        )
    section("parties", _("The parties"), *party_blocks)

    if any(_is_joint(p) for p in parties):
        joint = [p["name"] for p in parties if _is_joint(p)]
        section(
            "joint-controllers",
            clauses.title("joint-controllers", _("Joint controllers' arrangement")),
            {
                "kind": "text",
                "paragraphs": [
                    _("Joint controllers under this agreement: %(names)s.")
                    % {"names": "; ".join(joint)}
                ],
            },
            clauses.block("joint-controllers"),
        )

    # Purpose and the vision statement, with what each measurable outcome is expected to move
    # from (its baseline) and to (its target). Versions frozen before outcomes had baselines
    # carry no "baseline" key: their table reads as it always did.
    outcomes = snapshot.get("outcomes", [])
    baselines = any("baseline" in o for o in outcomes)
    section(
        "purpose",
        _("Purpose and vision"),
        _rows(
            (_("Vision statement"), snapshot.get("vision", {}).get("text")),
            *_declared(snapshot, "purpose"),
        ),
        {
            "kind": "table",
            "caption": _("Measurable outcomes"),
            "head": [
                _("Outcome"),
                _("How it is measured"),
                *([_("Baseline")] if baselines else []),
                _("Target"),
            ],
            "rows": [
                [
                    plain_text(o.get("description")),
                    plain_text(o.get("measure")),
                    *([plain_text(o.get("baseline"))] if baselines else []),
                    plain_text(o.get("target")),
                ]
                for o in outcomes
            ],
        }
        if outcomes
        else None,
    )

    # Data subjects and data items.
    items = snapshot.get("data_items", [])
    codes = {i.get("category_code") for i in items}
    notes = []
    if "special" in codes:
        notes.append(_("The sharing includes special category data (UK GDPR Article 9)."))
    if "criminal" in codes:
        notes.append(_("The sharing includes criminal offence data (UK GDPR Article 10)."))
    section(
        "data",
        _("Data subjects and data items"),
        _rows(*_declared(snapshot, "data")),
        {
            "kind": "table",
            "caption": _("Data items shared"),
            "head": [_("Data item"), _("Category"), _("How identifiable"), _("Why it is needed")],
            "rows": [
                [
                    plain_text(i.get("name"))
                    + (_(" (health or care)") if i.get("is_health_or_care") else ""),
                    plain_text(i.get("category")),
                    plain_text(i.get("identifiability")),
                    plain_text(i.get("necessity")),
                ]
                for i in items
            ],
        },
        {"kind": "text", "paragraphs": notes} if notes else None,
    )

    # Lawful basis and conditions, for each party and direction.
    basis_blocks = [
        {
            "kind": "text",
            "paragraphs": [
                _(
                    "Providers rely on the basis below for disclosing the data; recipients for "
                    "receiving and using it."
                )
            ],
        }
    ]
    for party in parties:
        for basis in party.get("lawful_bases", []):
            basis_blocks.append(
                {
                    "kind": "heading",
                    "text": f"{party['name']}: {plain_text(basis.get('direction'))}",
                }
            )
            article6 = plain_text(basis.get("article6"))
            if basis.get("annex1_condition"):
                article6 += f": {plain_text(basis.get('annex1_condition'))}"
            pairs = [
                (_("UK GDPR Article 6 lawful basis"), article6),
                (_("Legal power or statutory gateway"), basis.get("legal_power")),
            ]
            if basis.get("article9"):
                pairs.append((_("Article 9 condition"), basis.get("article9")))
            if basis.get("schedule1"):
                pairs.append((_("DPA 2018 Schedule 1 condition"), basis.get("schedule1")))
            if basis.get("criminal_schedule1"):
                pairs.append(
                    (
                        _("Article 10 condition (criminal offence data)"),
                        basis.get("criminal_schedule1"),
                    )
                )
            if basis.get("law_enforcement"):
                pairs.append((_("Law enforcement processing"), _("Under Part 3 of the DPA 2018")))
            if plain_text(basis.get("notes")):
                pairs.append((_("Notes"), basis.get("notes")))
            basis_blocks.append(_rows(*pairs))
    basis_blocks.append(
        {"kind": "heading", "text": _("Confidentiality and the national data opt-out")}
    )
    basis_blocks.append(_rows(*_declared(snapshot, "lawful-basis")))
    section("lawful-basis", _("Lawful basis and conditions"), *basis_blocks)

    # The DPIA and the actions to take first.
    actions = snapshot.get("actions", [])
    if dpia.get("screened") is False:
        screening = _("The DPIA screening was not completed.")
    else:
        screening = dpia.get("explanation") or ""
    section(
        "dpia",
        _("Data protection impact assessment"),
        _rows(
            (_("Screening outcome"), screening),
            (_("DPIA reference"), dpia.get("reference") or _("None given")),
            (_("DPIA document"), dpia.get("file_name") or _("None attached")),
        ),
        {
            "kind": "table",
            "caption": _("Actions to take before the sharing starts"),
            "head": [_("Action"), _("Owner"), _("Due by")],
            "rows": [
                [
                    plain_text(a.get("description")),
                    _join(a.get("owner_name"), a.get("owner_organisation")),
                    _date(a.get("due_date")),
                ]
                for a in actions
            ],
        }
        if actions
        else None,
    )

    section(
        "transparency",
        clauses.title("transparency", _("Transparency")),
        clauses.block("transparency"),
    )
    section(
        "data-quality",
        clauses.title("data-quality", _("Data quality")),
        clauses.block("data-quality"),
    )
    section(
        "security",
        _("How the data moves and is kept secure"),
        _rows(*_declared(snapshot, "security")),
        clauses.block("security"),
    )
    section(
        "retention",
        clauses.title("retention", _("Retention and deletion")),
        _rows(*_declared(snapshot, "retention")),
        clauses.block("retention"),
    )
    section(
        "individuals-rights",
        clauses.title("individuals-rights", _("Individuals' rights and requests")),
        clauses.block("individuals-rights"),
        {
            "kind": "table",
            "caption": _("Who handles requests"),
            "head": [_("Organisation"), _("Data protection officer")],
            "rows": [
                [
                    p["name"],
                    _join(p.get("dpo_name"), p.get("dpo_email")),
                ]
                for p in parties
            ],
        },
    )
    section(
        "breaches",
        clauses.title("breaches", _("Personal data breaches")),
        clauses.block("breaches"),
    )
    section("complaints", clauses.title("complaints", _("Complaints")), clauses.block("complaints"))
    section(
        "review",
        clauses.title("review", _("Review of the agreement")),
        _rows(*_declared(snapshot, "review")),
        clauses.block("review"),
    )
    section(
        "termination",
        clauses.title("termination", _("Termination and exit")),
        _rows(*_declared(snapshot, "termination")),
        clauses.block("termination"),
        {
            "kind": "text",
            "paragraphs": [
                ngettext(
                    "If every party agrees to end this agreement early, it ends %(days)s day "
                    "after the last party agrees, or on a later date they agree.",
                    "If every party agrees to end this agreement early, it ends %(days)s days "
                    "after the last party agrees, or on a later date they agree.",
                    clauses.notice_days(),
                )
                % {"days": clauses.notice_days()}
            ],
        },
    )
    section(
        "non-compliance",
        clauses.title("non-compliance", _("If a party does not comply")),
        clauses.block("non-compliance"),
    )
    labels = dict(SignatoryCapacity.choices)
    section(
        "signatories",
        clauses.title("signatories", _("Signatories")),
        clauses.block("signatories"),
        {
            "kind": "table",
            "caption": _("Signatures required"),
            "head": [_("Organisation"), _("Signs as")],
            "rows": [
                [p["name"], str(labels.get(capacity, capacity))]
                for p in parties
                for capacity in capacities.get(p["organisation_id"], [])
            ],
        },
    )
    for number, entry in enumerate(sections, start=1):
        entry["number"] = number

    return {
        "format": CONTENT_FORMAT,
        "reference": reference,
        "title": title,
        "version": agreement_version,
        "proposal": {
            "reference": snapshot.get("reference", ""),
            "version": proposal_version,
        },
        "generated_on": _date(timezone.localdate()),
        "lead_organisation": snapshot.get("lead_organisation", ""),
        "parties": [
            {
                "name": p["name"],
                "is_lead": bool(p.get("is_lead")),
                "role": plain_text(p.get("role")),
                "controller_role": plain_text(p.get("controller_role")),
            }
            for p in parties
        ],
        "sections": sections,
        "clauses": dict(clauses.used),
        "clauses_missing": list(clauses.missing),
    }
