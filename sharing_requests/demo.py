"""The four demo scenarios of shared/REFERENCE.md as proposals, built through the same
services people use, so the audit trail and timelines are true.

Idempotent: a scenario whose proposal already exists (same lead, same title) is skipped.
"""

import contextlib
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from organisations.models import Delegation, Organisation, User
from organisations.services import delegation_create

from . import services
from .choices import Section
from .examples import proposal_fill
from .models import Proposal
from .rounds import rounds


def _user(email):
    return User.objects.get(email=email)


def _org(slug):
    return Organisation.objects.get(slug=slug)


def _basis(**fields):
    return fields


SCENARIOS = [
    {
        "lead": "manchester",
        "author": "priya.shah@manchester.example",
        "title": "Home fire safety visits for people receiving adult social care",
        "purpose": {
            "problem": "People who receive care at home are far more likely to die in a house "
            "fire, and GMFRS does not know who they are. Referrals today depend on a care "
            "worker remembering to phone.",
            "benefits": "GMFRS can offer every person at higher risk a safe and well visit; "
            "fewer fires, injuries and deaths; care staff spend less time on referrals.",
        },
        "vision": {
            "for_who": "older and disabled people receiving adult social care at home",
            "need": "are at much higher risk of dying in a fire",
            "proposal_name": "the home fire safety referral scheme",
            "outcome": "prevent fires, injuries and deaths",
            "data_shared": "names, addresses and fire risk flags",
            "between_whom": "the councils' adult social care teams and GMFRS",
            "today": "ad hoc phone referrals",
            "benefit": "reach everyone at risk within weeks",
        },
        "outcomes": [
            {
                "description": "Safe and well visits to people on care packages",
                "measure": "Visits completed per quarter (GMFRS CRM)",
                "baseline": "1,200 a year (2025)",
                "target": "2,000 a year",
            },
            {
                "description": "Fewer accidental dwelling fires among care users",
                "measure": "Incidents matched to referral list",
                "baseline": "85 fires a year (2023 to 2025 average)",
                "target": "20% fewer in 2 years",
            },
        ],
        "needs": {"data_subjects": "Adults receiving a home care package from the councils"},
        "items": [
            {
                "name": "Name and address",
                "category": "personal",
                "identifiability": "identifiable",
                "is_health_or_care": False,
                "necessity": "GMFRS must know whom to visit and where.",
            },
            {
                "name": "Uses home oxygen",
                "category": "special",
                "identifiability": "identifiable",
                "is_health_or_care": True,
                "necessity": "Home oxygen greatly increases fire risk and changes the advice.",
            },
            {
                "name": "Limited mobility",
                "category": "special",
                "identifiability": "identifiable",
                "is_health_or_care": True,
                "necessity": "People who cannot escape quickly are prioritised for a visit.",
            },
            {
                "name": "Smokes at home",
                "category": "personal",
                "identifiability": "identifiable",
                "is_health_or_care": False,
                "necessity": "Smoking is the leading cause of fatal house fires.",
            },
        ],
        "lead_party": {"role": "provider", "controller_role": "controller"},
        "partners": [
            ("gmfrs", "recipient", "controller", "Sam Patel", "sam.patel@manchesterfire.example"),
            ("salford", "provider", "controller", "Aisha Khan", "aisha.khan@salford.example"),
        ],
        "bases": {
            ("manchester", "disclosing"): _basis(
                article6="e",
                legal_power="Care Act 2014 s.6 (co-operation)",
                article9="h",
                schedule1="2",
            ),
            ("salford", "disclosing"): _basis(
                article6="e",
                legal_power="Care Act 2014 s.6 (co-operation)",
                article9="h",
                schedule1="2",
            ),
            ("gmfrs", "receiving"): _basis(
                article6="e",
                legal_power="Fire and Rescue Services Act 2004 s.6 (fire safety promotion)",
                article9="g",
                schedule1="18",
            ),
        },
        "practical": {
            "confidentiality_basis": "public_interest",
            "national_data_opt_out": "does_not_apply",
        },
        "screening": ["sensitive", "vulnerable"],
        "dpia_reference": "MCC-DPIA-2026-031",
        "actions": [
            {
                "description": "Update the adult social care privacy notice",
                "owner_name": "Dan Wright",
                "owner": "manchester",
                "days": 30,
            },
            {
                "description": "Brief home care providers on the referral route",
                "owner_name": "Priya Shah",
                "owner": "manchester",
                "days": 45,
            },
        ],
        "how": {
            "transfer_method": "Weekly encrypted file over SFTP to GMFRS's CRM",
            "frequency": "weekly",
            "security_measures": "Encryption in transit and at rest; role-based access; "
            "audit logging; annual IG training.",
            "access_controls": "GMFRS prevention team and its managers only.",
            "storage_location": "GMFRS CRM, hosted in the UK",
        },
        "review": {
            "review_frequency": "12",
            "success_measures": "Visits completed, fires among referred people, data "
            "quality issues and complaints.",
        },
        "exit": {
            "retention": "GMFRS keeps referral data 2 years after the last visit.",
            "end_of_sharing": "delete",
            "early_termination": "A serious breach, a party not complying, or the law changing.",
        },
        "comments": [
            (
                "salford",
                "aisha.khan@salford.example",
                "Salford is keen to join. Could the weekly file include the care "
                "provider's name so GMFRS can arrange access?",
            )
        ],
        "endorse": [
            ("gmfrs", "sam.patel@manchesterfire.example"),
            ("salford", "aisha.khan@salford.example"),
        ],
        "submit": True,
        # In review, some decisions made.
        "decisions": [("salford", "aisha.khan@salford.example", "approved", "", [])],
        "votes": [
            ("tom.booth@manchester.example", "approve"),
            ("paul.bennett@gmp.example", "approve"),
        ],
    },
    {
        "lead": "manchester",
        "author": "priya.shah@manchester.example",
        "title": "Homelessness prevention referrals from hospitals and probation",
        "purpose": {
            "problem": "People leave hospital or custody with nowhere to live. The duty to "
            "refer exists, but referrals arrive late, by e-mail, with missing details.",
            "benefits": "Earlier help for people at risk of homelessness; fewer delayed "
            "discharges and rough sleepers.",
        },
        "vision": {
            "for_who": "people leaving hospital or prison",
            "need": "are at risk of losing their home",
            "proposal_name": "the duty to refer pathway",
            "outcome": "prevent homelessness",
            "data_shared": "contact details and the housing situation, with consent",
            "between_whom": "MFT, the Probation Service and the council's housing options team",
            "today": "late referrals by e-mail",
            "benefit": "start help before discharge or release",
        },
        "outcomes": [],
        "needs": {"data_subjects": "Adults at risk of homelessness within 56 days"},
        "items": [
            {
                "name": "Name, date of birth and contact details",
                "category": "personal",
                "identifiability": "identifiable",
                "is_health_or_care": False,
                "necessity": "The housing options team must contact the person.",
            },
        ],
        "lead_party": {"role": "recipient", "controller_role": "controller"},
        "partners": [
            ("mft", "provider", "controller", "Nadia Rahman", "nadia.rahman@mft.example"),
            (
                "probation-gm",
                "provider",
                "controller",
                "James Ward",
                "james.ward@probation.example",
            ),
        ],
        "bases": {},
        "comments": [
            (
                "probation-gm",
                "james.ward@probation.example",
                "Probation can refer 12 weeks before release; please make the pathway "
                "accept referrals that early.",
            )
        ],
        "endorse": [("mft", "nadia.rahman@mft.example")],
        "submit": False,
    },
    {
        "lead": "gmca",
        "author": "ruth.adeyemi@gmca.example",
        "title": "Serious violence needs assessment",
        "purpose": {
            "problem": "The serious violence duty needs a shared picture of where and to whom "
            "violence happens; each partner holds only part of it.",
            "benefits": "A strategic needs assessment that targets prevention where it works.",
        },
        "vision": {
            "for_who": "communities affected by serious violence",
            "need": "need prevention aimed where harm happens",
            "proposal_name": "the violence reduction unit's needs assessment",
            "outcome": "reduce serious violence",
            "data_shared": "pseudonymised incident and A&E assault data",
            "between_whom": "GMP, the councils, NHS Greater Manchester, Probation and the VCFSE",
            "today": "separate partial pictures",
            "benefit": "show the whole pattern",
        },
        "outcomes": [
            {
                "description": "A published strategic needs assessment",
                "measure": "Assessment approved by the partnership",
                "target": "Yearly",
            }
        ],
        "needs": {
            "data_subjects": "Victims and suspects of serious violence, and A&E "
            "attendances for assault"
        },
        "items": [
            {
                "name": "Incident location and date",
                "category": "criminal",
                "identifiability": "pseudonymised",
                "is_health_or_care": False,
                "necessity": "Hot-spot analysis needs where and when.",
            },
            {
                "name": "A&E assault attendance",
                "category": "special",
                "identifiability": "pseudonymised",
                "is_health_or_care": True,
                "necessity": "Many assaults are never reported to the police.",
            },
        ],
        "lead_party": {"role": "recipient", "controller_role": "joint"},
        "partners": [
            ("gmp", "provider", "joint", "Paul Bennett", "paul.bennett@gmp.example"),
            ("nhs-gm", "provider", "joint", "Fiona Grant", "fiona.grant@nhsgm.example"),
        ],
        "bases": {
            ("gmca", "receiving"): _basis(
                article6="e",
                legal_power="Police, Crime, Sentencing and Courts Act 2022 Part 2 "
                "Chapter 1 (serious violence duty)",
                article9="g",
                schedule1="10",
                criminal_schedule1="36",
            ),
            ("gmp", "disclosing"): _basis(
                article6="e",
                legal_power="Crime and Disorder Act 1998 s.115 (power to disclose "
                "to relevant authorities)",
                article9="g",
                schedule1="10",
                law_enforcement=True,
            ),
            ("nhs-gm", "disclosing"): _basis(
                article6="e",
                legal_power="Police, Crime, Sentencing and Courts Act 2022 Part 2 "
                "Chapter 1 (serious violence duty)",
                article9="g",
                schedule1="10",
                criminal_schedule1="36",
            ),
        },
        "practical": {
            "confidentiality_basis": "not_confidential",
            "national_data_opt_out": "does_not_apply",
        },
        "screening": ["matching", "large_scale", "sensitive"],
        "dpia_reference": "GMCA-DPIA-2026-007",
        "actions": [
            {
                "description": "Complete the DPIA sign-off",
                "owner_name": "Ruth Adeyemi",
                "owner": "gmca",
                "days": 20,
            }
        ],
        "how": {
            "transfer_method": "Quarterly pseudonymised extracts to GMCA's secure "
            "analytics environment",
            "frequency": "quarterly",
            "security_measures": "Pseudonymisation at source; secure analytics platform; "
            "no re-identification.",
            "access_controls": "Named VRU analysts only.",
            "storage_location": "GMCA secure analytics environment, UK hosted",
        },
        "review": {
            "review_frequency": "12",
            "success_measures": "Assessment published on time; partners' feedback.",
        },
        "exit": {
            "retention": "Extracts deleted after 3 years.",
            "end_of_sharing": "delete",
            "early_termination": "The duty is repealed or a partner withdraws.",
        },
        "comments": [],
        "endorse": [("gmp", "paul.bennett@gmp.example")],
        "submit": True,
        # Changes requested: every organisation decided and one asked for changes.
        "decisions": [
            ("gmca", "omar.farouk@gmca.example", "approved", "", []),
            ("nhs-gm", "fiona.grant@nhsgm.example", "approved", "", []),
            (
                "gmp",
                "paul.bennett@gmp.example",
                "changes_requested",
                "Say how small numbers will be suppressed before anything is published, and "
                "add the re-identification controls to the security measures.",
                ["how", "practical"],
            ),
        ],
        "votes": [],
    },
    {
        "lead": "salford",
        "author": "aisha.khan@salford.example",
        "title": "Travel support for care leavers",
        "purpose": {
            "problem": "Care leavers miss education, work and appointments because travel "
            "costs too much; proving eligibility for a free pass is slow.",
            "benefits": "Care leavers get a free travel pass quickly, without paperwork.",
        },
        "vision": {
            "for_who": "young people leaving the council's care",
            "need": "cannot afford to travel to college, work and appointments",
            "proposal_name": "the care leaver travel pass",
            "outcome": "give them free travel",
            "data_shared": "name, date of birth and an eligibility flag",
            "between_whom": "Salford City Council and TfGM",
            "today": "paper applications",
            "benefit": "issue the pass within a week",
        },
        "outcomes": [
            {
                "description": "Care leavers holding a pass",
                "measure": "Passes issued against eligible care leavers",
                "target": "90% within a year",
            }
        ],
        "needs": {"data_subjects": "Care leavers aged 18 to 25 supported by Salford"},
        "items": [
            {
                "name": "Name and date of birth",
                "category": "personal",
                "identifiability": "identifiable",
                "is_health_or_care": False,
                "necessity": "TfGM must issue the pass to the right person.",
            },
            {
                "name": "Eligible for the care leaver pass (yes/no)",
                "category": "personal",
                "identifiability": "identifiable",
                "is_health_or_care": False,
                "necessity": "Only the eligibility is needed, not the reason.",
            },
        ],
        "lead_party": {"role": "provider", "controller_role": "controller"},
        "partners": [
            ("tfgm", "recipient", "controller", "Emma Taylor", "emma.taylor@tfgm.example")
        ],
        "bases": {
            ("salford", "disclosing"): _basis(
                article6="e", legal_power="Children Act 1989 (duties to care leavers)"
            ),
            ("tfgm", "receiving"): _basis(
                article6="e", legal_power="Localism Act 2011 s.1 (general power of competence)"
            ),
        },
        "practical": {},
        "screening": ["vulnerable"],
        "actions": [
            {
                "description": "Tell care leavers how their data is used",
                "owner_name": "Leaving care team",
                "owner": "salford",
                "days": 14,
            }
        ],
        "how": {
            "transfer_method": "Monthly encrypted file to TfGM's pass system",
            "frequency": "monthly",
            "security_measures": "Encrypted transfer; access logged.",
            "access_controls": "TfGM concessions team.",
            "storage_location": "TfGM concessions system, UK hosted",
        },
        "review": {"review_frequency": "12", "success_measures": "Passes issued; complaints."},
        "exit": {
            "retention": "Until the pass expires, then 1 year.",
            "end_of_sharing": "delete",
            "early_termination": "The scheme ends or a serious breach.",
        },
        "comments": [],
        "endorse": [("tfgm", "emma.taylor@tfgm.example")],
        "submit": True,
        # Approved by both organisations and the steering group.
        "decisions": [
            ("salford", "mark.hughes@salford.example", "approved", "", []),
            ("tfgm", "emma.taylor@tfgm.example", "approved", "Happy to issue passes.", []),
        ],
        "votes": [
            (email, "approve")
            for email in (
                "ruth.adeyemi@gmca.example",
                "tom.booth@manchester.example",
                "fiona.grant@nhsgm.example",
                "paul.bennett@gmp.example",
                "beth.collins@10gm.example",
            )
        ],
    },
    {
        "lead": "gmp",
        "author": "paul.bennett@gmp.example",
        "title": "Daily feed of all A&E attendances to the police",
        "purpose": {
            "problem": "Officers want to know about every A&E attendance to spot assaults "
            "that were never reported.",
            "benefits": "More assaults identified.",
        },
        "vision": {
            "for_who": "victims of unreported assaults",
            "need": "may need police help",
            "proposal_name": "the A&E attendance feed",
            "outcome": "identify unreported assaults",
            "data_shared": "every A&E attendance with name and reason",
            "between_whom": "MFT and GMP",
            "today": "relying on reports",
            "benefit": "see every attendance",
        },
        "outcomes": [
            {"description": "Assaults identified", "measure": "Count per month", "target": ""}
        ],
        "needs": {"data_subjects": "Everyone attending MFT's emergency departments"},
        "items": [
            {
                "name": "Name, address and presenting complaint",
                "category": "special",
                "identifiability": "identifiable",
                "is_health_or_care": True,
                "necessity": "To find assaults among attendances.",
            },
        ],
        "lead_party": {"role": "recipient", "controller_role": "controller"},
        "partners": [("mft", "provider", "controller", "Nadia Rahman", "nadia.rahman@mft.example")],
        "bases": {
            ("gmp", "receiving"): _basis(
                article6="e",
                legal_power="Common law policing purposes",
                article9="g",
                schedule1="10",
            ),
            ("mft", "disclosing"): _basis(
                article6="e",
                legal_power="Crime and Disorder Act "
                "1998 s.115 (power to disclose to relevant "
                "authorities)",
                article9="g",
                schedule1="10",
            ),
        },
        "practical": {
            "confidentiality_basis": "public_interest",
            "national_data_opt_out": "does_not_apply",
        },
        "screening": ["large_scale", "sensitive", "matching"],
        "dpia_reference": "GMP-DPIA-2026-112",
        "actions": [
            {
                "description": "Brief ED staff",
                "owner_name": "Nadia Rahman",
                "owner": "mft",
                "days": 30,
            }
        ],
        "how": {
            "transfer_method": "Daily file",
            "frequency": "daily",
            "security_measures": "Encrypted transfer.",
            "access_controls": "Analysts.",
            "storage_location": "GMP systems",
        },
        "review": {"review_frequency": "12", "success_measures": "Assaults identified."},
        "exit": {
            "retention": "7 years.",
            "end_of_sharing": "retain",
            "early_termination": "A breach.",
        },
        "comments": [],
        "endorse": [],
        "submit": True,
        # Declined: one organisation's decline ends the round at once.
        "decisions": [
            (
                "mft",
                "nadia.rahman@mft.example",
                "declined",
                "Sharing every attendance is neither necessary nor proportionate, and breaks "
                "patient confidentiality. The serious violence needs assessment already uses "
                "pseudonymised A&E assault data.",
                ["purpose", "needs"],
            ),
        ],
        "votes": [],
    },
]


def _build(spec) -> Proposal:
    lead = _org(spec["lead"])
    by = _user(spec["author"])
    p = services.proposal_create(lead_organisation=lead, title=spec["title"], by=by)
    today = timezone.localdate()
    practical = spec.get("practical", {})
    # A draft scenario (no "how") leaves its last three sections unanswered.
    pages = ("purpose", "needs", "dpia")
    if practical:
        pages += ("confidentiality",)
    if "how" in spec:
        pages += ("how", "review", "exit")
    p = proposal_fill(
        proposal=p,
        by=by,
        answers={
            **spec["purpose"],
            **spec["needs"],
            **practical,
            "dpia_reference": spec.get("dpia_reference", ""),
            **spec.get("how", {}),
            **spec.get("review", {}),
            **spec.get("exit", {}),
            "start_date": None,  # the demo's sharing starts when its agreement is signed
        },
        pages=pages,
        vision=spec["vision"],
        outcomes=spec["outcomes"],
        items=spec["items"],
        lead_party=spec["lead_party"],
        partners=[
            {
                "organisation": _org(slug),
                "role": role,
                "controller_role": controller,
                "contact_name": name,
                "contact_email": email,
            }
            for slug, role, controller, name, email in spec["partners"]
        ],
        bases=spec["bases"],
        screening=spec.get("screening"),
        actions=[
            {
                "description": action["description"],
                "owner_name": action["owner_name"],
                "owner_organisation": _org(action["owner"]),
                "due_date": today + timedelta(days=action["days"]),
            }
            for action in spec.get("actions", [])
        ],
    )
    for section in Section:
        p.refresh_from_db()
        # A draft scenario's unfinished sections stay in progress.
        with contextlib.suppress(services.SubmitBlocked):
            services.section_mark(proposal=p, section=section, completed=True, by=by)
    for slug, email, text in spec["comments"]:
        services.comment_add(proposal=p, organisation=_org(slug), text=text, by=_user(email))
    for slug, email in spec["endorse"]:
        services.endorse(proposal=p, organisation=_org(slug), by=_user(email))
    if spec["submit"]:
        version = services.proposal_submit(proposal=p, by=by)
        # Open the round now so the demo shows decisions; the queued task then finds it open.
        round_ = rounds.round_open(version_id=version.pk)
        for slug, email, status, comment, sections in spec.get("decisions", []):
            decision = round_.decisions.get(organisation__slug=slug)
            rounds.decision_record(
                decision=decision,
                by=_user(email),
                status=status,
                comment=comment,
                sections=sections,
            )
        for email, vote in spec.get("votes", []):
            round_.refresh_from_db()
            if round_.is_open:
                rounds.vote_record(review=round_, by=_user(email), vote=vote)
    return p


def _delegation():
    """Tom Booth (Manchester's approver) is away: Helen Clarke decides for him."""
    today = timezone.localdate()
    tom, helen = _user("tom.booth@manchester.example"), _user("helen.clarke@manchester.example")
    if not Delegation.objects.filter(approver=tom, delegate=helen).exists():
        # Through the service, as Tom would: audited (the organisation's history shows it)
        # and Helen told.
        delegation_create(
            organisation=_org("manchester"),
            approver=tom,
            delegate=helen,
            starts_on=today,
            ends_on=today + timedelta(days=14),
        )


@transaction.atomic
def seed() -> int:
    _delegation()
    made = 0
    for spec in SCENARIOS:
        if Proposal.objects.filter(
            lead_organisation__slug=spec["lead"], title=spec["title"]
        ).exists():
            continue
        _build(spec)
        made += 1
    return made
