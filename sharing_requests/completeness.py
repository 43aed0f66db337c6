"""What a section still needs before it can be marked complete or the proposal submitted.

Each problem names what is missing and where to fix it, for the task list, the section's
"have you completed this section?" question and the submit page.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organisations.models import Sector

from .choices import (
    ARTICLE9_SCHEDULE1_PART,
    DPIA_DECISIVE,
    DPIA_INDICATORS,
    SCHEDULE1_PART,
    Article6,
    DataCategory,
    Direction,
    Section,
)
from .questions import questions_of

# Organisations for which Article 6(1)(f) is not available for their public tasks.
# Both pages' forms and the submission check refuse this pair; naming both pages tells the
# author where to change either date.
END_BEFORE_REVIEW = gettext_lazy(
    "The end date (Exit planning) must be on or after the first review date (Review)"
)

PUBLIC_AUTHORITY_SECTORS = {
    Sector.LOCAL_AUTHORITY,
    Sector.COMBINED_AUTHORITY,
    Sector.TRANSPORT,
    Sector.FIRE_AND_RESCUE,
    Sector.POLICE,
    Sector.PROBATION,
    Sector.NHS,
}


@dataclass(frozen=True)
class Problem:
    message: str
    url: str


def _url(proposal, name, *args):
    return reverse(f"requests:{name}", args=[proposal.reference, *args])


def dpia_outcome(proposal) -> dict:
    """The screening's outcome and the answers that led to it."""
    chosen = set(proposal.dpia_indicators or [])
    labels = {key: str(label) for key, label, _hint, _decisive in DPIA_INDICATORS}
    decisive = [labels[k] for k in chosen & DPIA_DECISIVE]
    others = [labels[k] for k in sorted(chosen - DPIA_DECISIVE)]
    if not proposal.dpia_screened:
        return {"screened": False, "required": None, "reasons": []}
    if decisive:
        return {
            "screened": True,
            "required": True,
            "reasons": decisive,
            "explanation": _("A DPIA is required because of: %(list)s.")
            % {"list": "; ".join(decisive)},
        }
    if len(others) >= 2:
        return {
            "screened": True,
            "required": True,
            "reasons": others,
            "explanation": _(
                "A DPIA is required because two or more high-risk indicators apply: %(list)s."
            )
            % {"list": "; ".join(others)},
        }
    return {
        "screened": True,
        "required": False,
        "reasons": others,
        "explanation": (
            _("A DPIA is not required: only one high-risk indicator applies (%(one)s).")
            % {"one": others[0]}
            if others
            else _("A DPIA is not required: none of the high-risk indicators apply.")
        ),
    }


def data_flags(proposal, items=None) -> dict:
    """What the data items hold that the lawful bases must answer for. `items`: the
    proposal's data items, if already read."""
    items = list(proposal.data_items.all()) if items is None else items
    return {
        "special": any(i.category == DataCategory.SPECIAL for i in items),
        "criminal": any(i.category == DataCategory.CRIMINAL for i in items),
        "health": any(i.is_health_or_care for i in items),
    }


def dpia_indicators_shown(proposal) -> dict[str, list[str]]:
    """The screening indicators the proposal's data items already show, each with the names of
    the items that show it: special category, criminal offence or health and care data is
    "sensitive" whatever the screening says."""
    sensitive = [
        i.name
        for i in proposal.data_items.all()
        if i.category in (DataCategory.SPECIAL, DataCategory.CRIMINAL) or i.is_health_or_care
    ]
    return {"sensitive": sensitive} if sensitive else {}


def dpia_contradiction(chosen, shown: dict[str, list[str]]) -> str | None:
    """Why a screening answer with `chosen` indicators contradicts the data items, or None."""
    missing = [key for key in shown if key not in set(chosen or [])]
    if not missing:
        return None
    labels = {key: str(label) for key, label, _hint, _decisive in DPIA_INDICATORS}
    return _(
        "Your data items include special category, criminal offence or health and care data "
        "(%(items)s): select '%(indicator)s'"
    ) % {
        "items": ", ".join(name for key in missing for name in shown[key]),
        "indicator": "', '".join(labels[key] for key in missing),
    }


def basis_problems(basis, flags: dict) -> list[str]:
    """What is wrong or missing in one party's lawful basis, as sentences."""
    problems = []
    if basis.article6 == Article6.RECOGNISED_LI and not basis.annex1_condition:
        problems.append(_("choose the Annex 1 condition for recognised legitimate interest"))
    if (
        basis.article6 in (Article6.PUBLIC_TASK, Article6.LEGAL_OBLIGATION)
        and not basis.legal_power
    ):
        problems.append(_("name the legal power or statutory gateway"))
    if flags["special"]:
        if not basis.article9:
            problems.append(_("choose an Article 9 condition for the special category data"))
        else:
            part = ARTICLE9_SCHEDULE1_PART.get(basis.article9)
            if part and SCHEDULE1_PART.get(basis.schedule1) != part and basis.schedule1 != "other":
                problems.append(
                    _("choose a DPA 2018 Schedule 1 Part %(part)s condition for Article 9")
                    % {"part": part}
                )
    if flags["criminal"] and not basis.criminal_schedule1 and not basis.law_enforcement:
        problems.append(
            _(
                "choose a Schedule 1 condition for the criminal offence data, or say it is "
                "shared for law enforcement under DPA 2018 Part 3"
            )
        )
    return problems


def basis_warnings(basis, organisation) -> list[str]:
    if basis.article6 == Article6.LEGITIMATE_INTERESTS and (
        organisation.sector in PUBLIC_AUTHORITY_SECTORS
    ):
        return [
            _(
                "%(org)s is a public authority: legitimate interests (f) is not available for "
                "its public tasks. Most public bodies rely on public task (e) or legal "
                "obligation (c)."
            )
            % {"org": organisation.name}
        ]
    return []


def section_problems(proposal, section: str) -> list[Problem]:
    p = proposal
    problems: list[Problem] = []

    def need(condition, message, name, *args):
        if not condition:
            problems.append(Problem(message, _url(p, name, *args)))

    # Every declared question with a `missing` message must be answered.
    for question in questions_of(section):
        value = getattr(p, question.name)
        if question.missing and not (value.strip() if isinstance(value, str) else value):
            problems.append(Problem(str(question.missing), _url(p, question.url_name)))

    if section == Section.PURPOSE:
        need(p.vision.is_complete, _("Complete every part of the vision statement"), "vision")
        need(p.outcomes.exists(), _("Add at least one measurable outcome"), "outcome-add")
    elif section == Section.NEEDS:
        need(p.data_items.exists(), _("Add at least one data item"), "dataitem-add")
    elif section == Section.WHO:
        parties = list(p.participants.select_related("organisation"))
        for party in parties:
            need(
                party.role and party.controller_role,
                _("Say what %(org)s does in the sharing") % {"org": party.organisation.name},
                "participant-edit",
                party.pk,
            )
        need(len(parties) >= 2, _("Add at least one participating organisation"), "participant-add")
        roles = {party.role for party in parties}
        need(
            roles & {"provider", "both"} and roles & {"recipient", "both"},
            _("At least one organisation must provide data and one receive it"),
            "section",
            Section.WHO,
        )
    elif section == Section.PRACTICAL:
        flags = data_flags(p)
        for party in p.participants.select_related("organisation").prefetch_related("lawful_bases"):
            bases = {b.direction: b for b in party.lawful_bases.all()}
            for direction in party.directions:
                label = Direction(direction).label
                basis = bases.get(direction)
                if basis is None:
                    problems.append(
                        Problem(
                            _("Give the lawful basis of %(org)s for %(direction)s")
                            % {"org": party.organisation.name, "direction": label.lower()},
                            _url(p, "lawful-basis", party.pk, direction),
                        )
                    )
                    continue
                for message in basis_problems(basis, flags):
                    problems.append(
                        Problem(
                            f"{party.organisation.name}: {message}",
                            _url(p, "lawful-basis", party.pk, direction),
                        )
                    )
        if flags["health"]:
            need(
                p.confidentiality_basis and p.national_data_opt_out,
                _(
                    "Give the common-law confidentiality basis and say whether the national "
                    "data opt-out applies"
                ),
                "confidentiality-edit",
            )
        need(p.dpia_screened, _("Answer the DPIA screening questions"), "screening")
        contradiction = p.dpia_screened and dpia_contradiction(
            p.dpia_indicators, dpia_indicators_shown(p)
        )
        if contradiction:
            need(
                False,
                _("Answer the DPIA screening again: %(why)s") % {"why": contradiction},
                "screening",
            )
        if p.dpia_screened and dpia_outcome(p)["required"]:
            need(
                p.dpia_reference.strip() or p.dpia_file,
                _("A DPIA is required: give its reference or attach it"),
                "dpia",
            )
        need(
            p.actions.exists(),
            _("Add at least one action to take before sharing starts"),
            "action-add",
        )
    elif section == Section.REVIEW and p.review_date and p.status in ("draft", "changes_requested"):
        need(
            p.review_date > timezone.localdate(),
            _("The review date must be in the future"),
            "review-edit",
        )
    elif section == Section.EXIT and p.end_date:
        if p.start_date:
            need(
                p.end_date > p.start_date,
                _("The end date must be after the start date"),
                "exit-edit",
            )
        if p.review_date:
            need(p.end_date >= p.review_date, str(END_BEFORE_REVIEW), "exit-edit")
    return problems


def all_problems(proposal) -> dict[str, list[Problem]]:
    return {section: found for section in Section if (found := section_problems(proposal, section))}
