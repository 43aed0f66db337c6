"""Generating a data-sharing agreement from an approved proposal's frozen version.

Two steps, both idempotent, run by the `agreements.generate` task:

1. `agreement_create`: the Agreement row with its reference, the parties as they are at
   generation (AgreementParty snapshots with the signatures each owes), the document's
   content (every section the ICO data sharing code expects, built from the frozen version and
   the clause library, with the clause versions used) and view permissions. Quick, in one
   transaction.
2. `agreement_render_draft`: the draft PDF, rendered outside any lock (seconds), stored once
   with its SHA-256; the agreement then awaits signatures and each party's signatories are
   asked to sign.

The content is plain JSON of plain text: the HTML page and the print template render it with
autoescaping, so nothing a proposal's author typed is ever read as markup.
"""

import datetime
import hashlib
import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from isf_portal.domain import audit
from notifications.models import NotificationKind
from notifications.services import notify
from organisations.models import Membership, Organisation, SignatoryCapacity

from .models import (
    Agreement,
    AgreementEvent,
    AgreementParty,
    AgreementStatus,
    ClauseTemplate,
)
from .permissions import agreement_grant_parties

logger = logging.getLogger(__name__)

# The version of the `content` layout, so later code can read old agreements.
CONTENT_FORMAT = 1


# --- Content --------------------------------------------------------------------------------
def _date(value) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.date.fromisoformat(value)
    return formats.date_format(value, "j F Y")


def _text(value) -> str:
    return str(value or "").strip()


def _join(*values) -> str:
    return ", ".join(v for v in (_text(value) for value in values) if v)


def _rows(*pairs) -> dict:
    """A block of (label, answer) rows; an empty answer reads 'Not given'."""
    return {
        "kind": "rows",
        "rows": [[str(label), _text(value) or _("Not given")] for label, value in pairs],
    }


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in _text(text).replace("\r\n", "\n").split("\n\n") if p.strip()]


class ClauseBook:
    """The clause library as it is now; remembers which clauses (and versions) were used."""

    def __init__(self):
        self.clauses = {c.key: c for c in ClauseTemplate.objects.all()}
        self.used: dict[str, int] = {}
        self.missing: list[str] = []

    def block(self, key: str) -> dict:
        clause = self.clauses.get(key)
        if clause is None:
            logger.warning("Clause %r is not in the clause library", key)
            self.missing.append(key)
            return {
                "kind": "text",
                "paragraphs": [
                    _(
                        "The clause library had no standard wording for this section when the "
                        "agreement was generated."
                    )
                ],
            }
        self.used[key] = clause.version
        return {
            "kind": "clause",
            "key": key,
            "version": clause.version,
            "title": clause.title,
            "paragraphs": _paragraphs(clause.body),
        }

    def title(self, key: str, default: str) -> str:
        clause = self.clauses.get(key)
        return clause.title if clause else default


def capacities_for(organisation: Organisation) -> list[str]:
    """The signatures an organisation owes on an agreement: its SIRO (or other authorised
    signatory), and its Caldicott Guardian too where it says so."""
    capacities = [SignatoryCapacity.SIRO.value]
    if organisation.requires_caldicott_signature:
        capacities.append(SignatoryCapacity.CALDICOTT.value)
    return capacities


def _is_joint(party: dict) -> bool:
    return "joint" in _text(party.get("controller_role")).lower()


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

    # Purpose and the vision statement.
    outcomes = snapshot.get("outcomes", [])
    section(
        "purpose",
        _("Purpose and vision"),
        _rows(
            (_("Vision statement"), snapshot.get("vision", {}).get("text")),
            (_("The problem this sharing addresses"), snapshot.get("problem")),
            (_("Expected benefits"), snapshot.get("benefits")),
        ),
        {
            "kind": "table",
            "caption": _("Measurable outcomes"),
            "head": [_("Outcome"), _("How it is measured"), _("Target")],
            "rows": [
                [_text(o.get("description")), _text(o.get("measure")), _text(o.get("target"))]
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
        _rows((_("Whose data is shared"), snapshot.get("data_subjects"))),
        {
            "kind": "table",
            "caption": _("Data items shared"),
            "head": [_("Data item"), _("Category"), _("How identifiable"), _("Why it is needed")],
            "rows": [
                [
                    _text(i.get("name"))
                    + (_(" (health or care)") if i.get("is_health_or_care") else ""),
                    _text(i.get("category")),
                    _text(i.get("identifiability")),
                    _text(i.get("necessity")),
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
                {"kind": "heading", "text": f"{party['name']}: {_text(basis.get('direction'))}"}
            )
            article6 = _text(basis.get("article6"))
            if basis.get("annex1_condition"):
                article6 += f": {_text(basis.get('annex1_condition'))}"
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
            if _text(basis.get("notes")):
                pairs.append((_("Notes"), basis.get("notes")))
            basis_blocks.append(_rows(*pairs))
    basis_blocks.append(
        {"kind": "heading", "text": _("Confidentiality and the national data opt-out")}
    )
    basis_blocks.append(
        _rows(
            (
                _("Common-law duty of confidentiality"),
                snapshot.get("confidentiality_basis") or _("Not applicable"),
            ),
            (
                _("National data opt-out"),
                snapshot.get("national_data_opt_out") or _("Not applicable"),
            ),
        )
    )
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
                    _text(a.get("description")),
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
        _rows(
            (_("How the data moves"), snapshot.get("transfer_method")),
            (_("How often"), snapshot.get("frequency")),
            (_("Security measures"), snapshot.get("security_measures")),
            (_("Who has access"), snapshot.get("access_controls")),
            (_("Where it is stored"), snapshot.get("storage_location")),
        ),
        clauses.block("security"),
    )
    section(
        "retention",
        clauses.title("retention", _("Retention and deletion")),
        _rows(
            (_("How long the data is kept"), snapshot.get("retention")),
            (_("When the sharing ends"), snapshot.get("end_of_sharing")),
        ),
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
        _rows(
            (_("First review date"), _date(snapshot.get("review_date"))),
            (_("Review frequency"), snapshot.get("review_frequency")),
            (_("How success is measured"), snapshot.get("success_measures")),
        ),
        clauses.block("review"),
    )
    section(
        "termination",
        clauses.title("termination", _("Termination and exit")),
        _rows(
            (
                _("Sharing starts"),
                _date(snapshot.get("start_date")) or _("When the agreement is sealed"),
            ),
            (_("Sharing ends"), _date(snapshot.get("end_date")) or _("No end date set")),
            (_("What ends the sharing early"), snapshot.get("early_termination")),
            (_("What happens to the data at the end"), snapshot.get("end_of_sharing")),
        ),
        clauses.block("termination"),
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
                "role": _text(p.get("role")),
                "controller_role": _text(p.get("controller_role")),
            }
            for p in parties
        ],
        "sections": sections,
        "clauses": dict(clauses.used),
        "clauses_missing": list(clauses.missing),
    }


# --- Step 1: the agreement row --------------------------------------------------------------
def _event(agreement, *, kind: str, description: str, by=None) -> AgreementEvent:
    return AgreementEvent.objects.create(
        agreement=agreement, actor=by, kind=kind, description=description[:500]
    )


def agreement_create(*, version_id: int) -> Agreement | None:
    """Create the agreement of an approved version, once. Returns the agreement (the existing
    one if it was already created), or None if the version no longer leads to one."""
    from sharing_requests.choices import ProposalStatus
    from sharing_requests.models import Proposal, ProposalVersion
    from sharing_requests.services import next_reference

    from .lifecycle import previous_for

    with transaction.atomic():
        version = ProposalVersion.objects.select_related("proposal").get(pk=version_id)
        # The proposal row is the lock that serialises two runs of this task.
        proposal = Proposal.objects.select_for_update().get(pk=version.proposal_id)
        existing = Agreement.objects.filter(version=version).first()
        if existing is not None:
            return existing
        if proposal.status != ProposalStatus.APPROVED:
            logger.info("Proposal %s is no longer approved: no agreement", proposal.reference)
            return None
        snapshot = version.snapshot
        previous = previous_for(proposal=proposal)
        organisations = Organisation.objects.in_bulk(
            [p["organisation_id"] for p in snapshot.get("participants", [])]
        )
        capacities = {pk: capacities_for(org) for pk, org in organisations.items()}
        reference = next_reference("DSA")
        agreement_version = (previous.content.get("version", 1) + 1) if previous else 1
        clauses = ClauseBook()
        content = build_content(
            snapshot=snapshot,
            reference=reference,
            title=snapshot.get("title") or proposal.title,
            agreement_version=agreement_version,
            proposal_version=version.number,
            capacities=capacities,
            clauses=clauses,
        )
        codes = {i.get("category_code") for i in snapshot.get("data_items", [])}
        agreement = Agreement(
            reference=reference,
            title=content["title"][:200],
            status=AgreementStatus.GENERATING,
            proposal=proposal,
            version=version,
            previous=previous,
            content=content,
            has_special_category="special" in codes,
            has_criminal_offence="criminal" in codes,
            start_date=_parse(snapshot.get("start_date")),
            end_date=_parse(snapshot.get("end_date")),
            review_date=_parse(snapshot.get("review_date")),
        )
        audit(agreement, reason="isf.agreement.generated")
        agreement.save()
        for party in snapshot.get("participants", []):
            organisation = organisations[party["organisation_id"]]
            AgreementParty.objects.create(
                agreement=agreement,
                organisation=organisation,
                name=party["name"],
                short_name=_text(party.get("short_name")),
                sector=_text(party.get("sector")),
                ico_registration_number=_text(party.get("ico_registration_number")),
                dpo_name=_text(party.get("dpo_name")),
                dpo_email=_text(party.get("dpo_email")),
                role=_text(party.get("role"))[:100],
                controller_role=_text(party.get("controller_role"))[:100],
                is_lead=bool(party.get("is_lead")),
                required_signatures=capacities[organisation.pk],
            )
        agreement_grant_parties(agreement=agreement)
        _event(
            agreement,
            kind="generated",
            description=_("Generated from %(ref)s version %(n)s; the document is being prepared")
            % {"ref": proposal.reference, "n": version.number},
        )
    return agreement


def _parse(value):
    return datetime.date.fromisoformat(value) if value else None


# --- Step 2: the draft PDF ------------------------------------------------------------------
def agreement_render_draft(*, agreement_id: int) -> Agreement:
    """Render and store the draft PDF once, then ask the parties' signatories to sign."""
    from .pdf import render_agreement_pdf

    agreement = Agreement.objects.get(pk=agreement_id)
    if agreement.status != AgreementStatus.GENERATING or agreement.draft_pdf:
        return agreement
    # Seconds of work: no lock is held while it runs. Two runs may both render; only the
    # first to store keeps its file.
    pdf = render_agreement_pdf(agreement)
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().get(pk=agreement_id)
        if agreement.status != AgreementStatus.GENERATING or agreement.draft_pdf:
            return agreement
        agreement.draft_sha256 = hashlib.sha256(pdf).hexdigest()
        agreement.draft_pdf.save(f"{agreement.reference}-draft.pdf", ContentFile(pdf), save=False)
        agreement.status = AgreementStatus.AWAITING_SIGNATURES
        audit(agreement, reason="isf.agreement.awaiting_signatures")
        agreement.save(update_fields=["draft_pdf", "draft_sha256", "status"])
        _event(
            agreement,
            kind="ready",
            description=_("The agreement is ready to sign (draft SHA-256 %(sha)s)")
            % {"sha": agreement.draft_sha256},
        )
        _ask_signatories(agreement)
    return agreement


def signatories_of(agreement: Agreement, party: AgreementParty):
    """The active users who may sign for `party` in one of the capacities it owes."""
    return [
        m.user
        for m in Membership.objects.filter(
            organisation_id=party.organisation_id,
            is_signatory=True,
            signatory_capacity__in=party.required_signatures,
            user__is_active=True,
        ).select_related("user")
    ]


def _ask_signatories(agreement: Agreement) -> None:
    url = reverse("agreements:sign", args=[agreement.reference])
    title = _("Please sign %(ref)s: %(title)s") % {
        "ref": agreement.reference,
        "title": agreement.title,
    }
    for party in agreement.parties.select_related("organisation"):
        users = signatories_of(agreement, party)
        if not users:
            logger.warning("%s has no signatory for %s", party.name, agreement.reference)
        for user in users:
            notify(
                user=user,
                kind=NotificationKind.SIGNATURE_REQUESTED,
                title=title,
                url=url,
                template="agreement_sign",
                context={"agreement": agreement, "party": party},
                cc=[party.organisation.ig_mailbox],
            )


def agreement_generate(*, version_id: int) -> Agreement | None:
    """The whole generation: create the agreement (once), then its draft PDF (once)."""
    agreement = agreement_create(version_id=version_id)
    if agreement is None:
        return None
    return agreement_render_draft(agreement_id=agreement.pk)
