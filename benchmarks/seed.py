"""Greater Manchester at scale, for the benchmark: organisations, people, proposals in every
status with realistic sections, decisions, agreements with signatures, and their history.

Bulk paths that keep the audit trail true: simple-history's bulk_create_with_history writes
a history row for every row created, with a dotted reason, as the services do one by one.
"""

import functools
import random
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from agreements import permissions as agreement_permissions
from agreements.models import Agreement, AgreementGroupObjectPermission, AgreementParty, Signature
from isf_portal import audit_chain
from organisations.models import Membership, Organisation, Sector, SteeringGroupMember, User
from organisations.services import (
    ALL_MEMBERS,
    STEERING_GROUP,
    role_group,
    role_group_name,
    steering_group_group,
)
from sharing_requests import permissions as proposal_permissions
from sharing_requests.choices import ProposalStatus, Section, SectionStatus
from sharing_requests.models import (
    DataItem,
    DecisionStatus,
    LawfulBasis,
    OrganisationDecision,
    Participant,
    Proposal,
    ProposalEvent,
    ProposalGroupObjectPermission,
    ProposalVersion,
    ReferenceCounter,
    ReviewRound,
    SectionState,
    VisionStatement,
)
from sharing_requests.questions import example_answers, questions
from sharing_requests.snapshot import frozen_answer
from sharing_requests.workdays import working_days_from

PASSWORD = "bench-password-not-secret"  # noqa: S105 - a throwaway database
SECTORS = [s for s in Sector]
STATUS_SHARE = [
    (ProposalStatus.DRAFT, 0.30),
    (ProposalStatus.IN_REVIEW, 0.20),
    (ProposalStatus.CHANGES_REQUESTED, 0.10),
    (ProposalStatus.APPROVED, 0.25),
    (ProposalStatus.DECLINED, 0.10),
    (ProposalStatus.WITHDRAWN, 0.05),
]
WORDS = [
    "housing",
    "safeguarding",
    "fire",
    "safety",
    "health",
    "care",
    "referral",
    "travel",
    "violence",
    "probation",
    "school",
    "attendance",
    "hospital",
    "discharge",
    "homelessness",
    "carers",
    "domestic",
    "abuse",
    "youth",
    "justice",
    "dementia",
    "falls",
    "hoarding",
    "debt",
]


def _bulk(model, rows, reason):
    if not rows:
        return []
    if hasattr(model, "history"):
        return bulk_create_with_history(rows, model, batch_size=2000, default_change_reason=reason)
    return model.objects.bulk_create(rows, batch_size=5000)


def _keep_days(model, field: str, rows) -> None:
    """Set the working days each (row, start, end) kept as the services would have (the
    moments are stamped by the database insert): one UPDATE per value and 5,000 rows."""
    by_value = {}
    for row, start, end in rows:
        by_value.setdefault(working_days_from(start, end), []).append(row.pk)
    for value, pks in by_value.items():
        for n in range(0, len(pks), 5000):
            model.objects.filter(pk__in=pks[n : n + 5000]).update(**{field: value})


def _permissions(app_label: str, codenames) -> dict[str, Permission]:
    return {
        p.codename: p
        for p in Permission.objects.filter(
            content_type__app_label=app_label, codename__in=codenames
        )
    }


class _GroupIds(dict):
    """Every group's id by name, read once. A role group nobody holds yet (the role of a row
    that no seeded person has) is made when first asked for."""

    def __init__(self):
        super().__init__((g.name, g.pk) for g in Group.objects.all())

    def __missing__(self, name):
        self[name] = Group.objects.get_or_create(name=name)[0].pk
        return self[name]


def _holders(rule):
    """Memberships whose roles a permission row allows, oldest first."""
    return Membership.objects.filter(rule.holders_q()).order_by("pk")


def _title(rng: random.Random, n: int) -> str:
    return f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} data sharing {n}"


def seed_people(*, organisations: int, users: int, rng: random.Random):
    """Organisations, people with every role, role groups and the steering group."""
    orgs = _bulk(
        Organisation,
        [
            Organisation(
                name=f"Bench Organisation {i:04d}",
                short_name=f"BO{i:04d}",
                slug=f"bench-{i:04d}",
                sector=SECTORS[i % len(SECTORS)],
                ico_registration_number=f"ZB{i:06d}",
                dpo_name=f"DPO {i}",
                dpo_email=f"dpo{i}@bench.example",
                ig_mailbox=f"ig{i}@bench.example",
                dspt_status="met",
            )
            for i in range(organisations)
        ],
        "isf.bench.organisation",
    )
    orgs = list(Organisation.objects.filter(slug__startswith="bench-").order_by("pk"))
    password = make_password(PASSWORD)
    _bulk(
        User,
        [
            User(
                email=f"user{i:05d}@bench.example",
                full_name=f"Bench User {i:05d}",
                job_title="Officer",
                password=password,
            )
            for i in range(users)
        ],
        "isf.bench.user",
    )
    people = list(User.objects.filter(email__endswith="@bench.example").order_by("pk"))
    memberships, group_rows = [], []
    groups = {}

    def group(org, role):
        key = (org.pk, role)
        if key not in groups:
            groups[key] = role_group(organisation=org, role=role)
        return groups[key]

    through = User.groups.through
    for index, user in enumerate(people):
        org = orgs[index % len(orgs)]
        slot = index // len(orgs)  # 0..9: each organisation gets every role
        roles = {
            "is_member": slot in (0, 1, 2, 5, 6),
            "is_approver": slot in (1, 3),
            "is_signatory": slot in (2, 4),
            "is_governance_officer": slot in (5,),
            "is_org_admin": slot in (6,),
        }
        memberships.append(Membership(user=user, organisation=org, **roles))
        for role, held in roles.items():
            if held:
                group_rows.append(through(user_id=user.pk, group_id=group(org, role[3:]).pk))
        group_rows.append(through(user_id=user.pk, group_id=group(org, ALL_MEMBERS).pk))
    _bulk(Membership, memberships, "isf.bench.membership")
    through.objects.bulk_create(group_rows, batch_size=5000, ignore_conflicts=True)
    seats = [
        SteeringGroupMember(user=people[i * 10], organisation=orgs[i], is_chair=i == 0)
        for i in range(7)
    ]
    _bulk(SteeringGroupMember, seats, "isf.bench.steering")
    steering = steering_group_group()
    through.objects.bulk_create(
        [through(user_id=s.user_id, group_id=steering.pk) for s in seats], ignore_conflicts=True
    )
    return orgs, people


def seed_proposals(*, count: int, orgs, people, rng: random.Random, start: int = 0):
    """`count` proposals in every status, with sections, parties, decisions and grants."""
    # The grants the proposal table makes (sharing_requests/permissions.py), in bulk.
    lead_grants = proposal_permissions.party_grants(lead=True)
    partner_grants = proposal_permissions.party_grants(lead=False)
    steering_grants = proposal_permissions.steering_grants()
    perms = _permissions("requests", {codename for codename, _role in lead_grants})
    perms |= _permissions("requests", steering_grants)
    group_ids = _GroupIds()
    policy, action = proposal_permissions.POLICY, proposal_permissions.Action
    member_of = {}  # an author: someone who may start a proposal for the organisation
    for m in _holders(policy[action.START]).filter(organisation__in=orgs):
        member_of.setdefault(m.organisation_id, m.user_id)
    approver_of = {}
    for m in _holders(policy[action.DECIDE]).filter(organisation__in=orgs):
        approver_of.setdefault(m.organisation_id, m.user_id)
    now = timezone.now()
    chain_key = audit_chain.key()
    statuses = []
    for status, share in STATUS_SHARE:
        statuses += [status] * round(share * count)
    statuses = (statuses + [ProposalStatus.DRAFT] * count)[:count]
    rng.shuffle(statuses)
    # Every plain question answered as the declarations' examples (questions.py).
    answers = example_answers(now.date())
    proposals = []
    plans = []
    for n in range(count):
        number = start + n + 1
        lead = orgs[rng.randrange(len(orgs))]
        author = member_of.get(lead.pk) or people[0].pk
        status = statuses[n]
        created = now - timedelta(days=rng.randrange(1, 1500), minutes=n)
        proposals.append(
            Proposal(
                reference=f"ISF-{created.year}-{number:05d}",
                lead_organisation=lead,
                created_by_id=author,
                status=status,
                **{**answers, "title": _title(rng, number)},
                dpia_screened=True,
                dpia_indicators=["vulnerable"],
                submitted_at=created if status != ProposalStatus.DRAFT else None,
                submitted_by_id=author if status != ProposalStatus.DRAFT else None,
            )
        )
        parties = rng.sample(orgs, rng.randint(2, 12))
        if lead not in parties:
            parties[0] = lead
        plans.append(
            {"lead": lead, "parties": parties, "items": rng.randint(5, 40), "created": created}
        )
    _bulk(Proposal, proposals, "isf.bench.proposal")
    by_ref = {
        p.reference: p
        for p in Proposal.objects.filter(reference__in=[p.reference for p in proposals])
    }
    proposals = [by_ref[p.reference] for p in proposals]
    # Activity dates spread over years, so ordering and paging look like production. Each
    # timeline's hash chain is computed here, in Python, and its head saved with the dates.
    events = []
    for p, plan in zip(proposals, plans, strict=True):
        p.created_at = p.last_activity_at = plan["created"]
        started = [
            ProposalEvent(
                proposal=p,
                actor_id=p.created_by_id,
                kind="created",
                description="Proposal started",
                organisation=plan["lead"],
                created_at=now,
            ),
            ProposalEvent(
                proposal=p,
                actor_id=p.created_by_id,
                kind="vision",
                description="Vision statement updated",
                created_at=now,
            ),
        ]
        p.events_count, last = audit_chain.chain(
            started, domain=audit_chain.PROPOSAL, parent_id=p.pk, secret=chain_key
        )
        p.events_head = audit_chain.head_seal(
            domain=audit_chain.PROPOSAL,
            parent_id=p.pk,
            count=p.events_count,
            last_hash=last,
            secret=chain_key,
        )
        events += started
    Proposal.objects.bulk_update(
        proposals,
        ["created_at", "last_activity_at", *audit_chain.HEAD_FIELDS],
        batch_size=2000,
    )

    visions, sections, items, parties, grants = [], [], [], [], []
    for p, plan in zip(proposals, plans, strict=True):
        visions.append(
            VisionStatement(
                proposal=p,
                for_who="residents",
                need="need help",
                proposal_name=p.title,
                outcome="do better",
                data_shared="names",
                between_whom="partners",
                today="e-mail",
                benefit="be faster",
            )
        )
        done = p.status != ProposalStatus.DRAFT
        sections += [
            SectionState(
                proposal=p,
                section=s,
                revision=3,
                status=SectionStatus.COMPLETED if done or i < 3 else SectionStatus.IN_PROGRESS,
            )
            for i, s in enumerate(Section)
        ]
        items += [
            DataItem(
                proposal=p,
                name=f"Data item {i}",
                category="personal",
                identifiability="identifiable",
                necessity="Needed to contact.",
            )
            for i in range(plan["items"])
        ]
        for org in plan["parties"]:
            parties.append(
                Participant(
                    proposal=p,
                    organisation=org,
                    is_lead=org == plan["lead"],
                    role="both",
                    controller_role="controller",
                    contact_name="Contact",
                    contact_email="contact@bench.example",
                )
            )
            grants += [
                ProposalGroupObjectPermission(
                    content_object=p,
                    permission=perms[codename],
                    group_id=group_ids[role_group_name(organisation_id=org.pk, role=role)],
                )
                for codename, role in (lead_grants if org == plan["lead"] else partner_grants)
            ]
        if p.status != ProposalStatus.DRAFT:
            grants += [
                ProposalGroupObjectPermission(
                    content_object=p, permission=perms[codename], group_id=group_ids[STEERING_GROUP]
                )
                for codename in steering_grants
            ]
    _bulk(VisionStatement, visions, "isf.bench.vision")
    _bulk(SectionState, sections, "isf.bench.section")
    _bulk(DataItem, items, "isf.bench.data_item")
    _bulk(Participant, parties, "isf.bench.participant")
    saved_parties = Participant.objects.filter(proposal__in=proposals).only("pk")
    _bulk(
        LawfulBasis,
        [
            b
            for party in saved_parties
            for b in (
                LawfulBasis(
                    participant=party,
                    direction="disclosing",
                    article6="e",
                    legal_power="Care Act 2014 s.6 (co-operation)",
                ),
                LawfulBasis(
                    participant=party,
                    direction="receiving",
                    article6="e",
                    legal_power="Care Act 2014 s.6 (co-operation)",
                ),
            )
        ],
        "isf.bench.lawful_basis",
    )
    _bulk(ProposalEvent, events, "")
    ProposalGroupObjectPermission.objects.bulk_create(grants, batch_size=5000)

    # Submitted proposals: a frozen version, a review round and a decision per party.
    submitted = [
        (p, plan)
        for p, plan in zip(proposals, plans, strict=True)
        if p.status != ProposalStatus.DRAFT
    ]
    versions = _bulk(
        ProposalVersion,
        [
            ProposalVersion(
                proposal=p, number=1, created_by_id=p.created_by_id, snapshot=_snapshot(p, plan)
            )
            for p, plan in submitted
        ],
        "",
    )
    versions = {
        v.proposal_id: v
        for v in ProposalVersion.objects.filter(proposal__in=[p for p, _plan in submitted])
    }
    outcome = {
        ProposalStatus.IN_REVIEW: "",
        ProposalStatus.APPROVED: "approved",
        ProposalStatus.CHANGES_REQUESTED: "changes_requested",
        ProposalStatus.DECLINED: "declined",
        ProposalStatus.WITHDRAWN: "withdrawn",
    }
    _bulk(
        ReviewRound,
        [
            ReviewRound(
                proposal=p,
                version=versions[p.pk],
                number=1,
                deadline=(now + timedelta(days=20)).date(),
                rule={
                    "decline_ends_round": True,
                    "steering_quorum": 3,
                    "deadline_working_days": 15,
                },
                closed_at=None if p.status == ProposalStatus.IN_REVIEW else now,
                outcome=outcome[p.status],
                steering_outcome="approve" if p.status == ProposalStatus.APPROVED else "",
            )
            for p, _plan in submitted
        ],
        "isf.bench.round",
    )
    round_of = {
        r.proposal_id: r
        for r in ReviewRound.objects.filter(proposal__in=[p for p, _plan in submitted])
    }
    _keep_days(
        ReviewRound,
        "days_open",
        ((r, r.opened_at, r.closed_at) for r in round_of.values() if r.closed_at is not None),
    )
    decisions = []
    for p, plan in submitted:
        for i, org in enumerate(plan["parties"]):
            if p.status == ProposalStatus.IN_REVIEW:
                status = DecisionStatus.APPROVED if i % 2 else DecisionStatus.PENDING
            elif p.status == ProposalStatus.APPROVED:
                status = DecisionStatus.APPROVED
            elif p.status == ProposalStatus.DECLINED and i == 0:
                status = DecisionStatus.DECLINED
            elif p.status == ProposalStatus.CHANGES_REQUESTED and i == 0:
                status = DecisionStatus.CHANGES_REQUESTED
            else:
                status = DecisionStatus.APPROVED if i % 2 else DecisionStatus.PENDING
            decided = status != DecisionStatus.PENDING
            decisions.append(
                OrganisationDecision(
                    round=round_of[p.pk],
                    organisation=org,
                    status=status,
                    comment="Reason given." if decided else "",
                    decided_by_id=approver_of.get(org.pk) if decided else None,
                    decided_at=now if decided else None,
                    days_to_decide=(
                        working_days_from(round_of[p.pk].opened_at, now) if decided else None
                    ),
                )
            )
    _bulk(OrganisationDecision, decisions, "isf.bench.decision")
    for year in {p.reference.split("-")[1] for p in proposals}:
        ReferenceCounter.objects.update_or_create(
            prefix="ISF", year=int(year), defaults={"last_number": start + count + 1}
        )
    return proposals, plans


@functools.cache
def _party_snapshot_of(pk, name, short_name, sector, ico, dpo_name, dpo_email) -> dict:
    return {
        "organisation_id": pk,
        "name": name,
        "short_name": short_name,
        "sector": sector,
        "ico_registration_number": ico,
        "dpo_name": dpo_name,
        "dpo_email": dpo_email,
        "role": "Both",
        "controller_role": "Controller",
        "contact_name": "Contact",
        "contact_email": "contact@bench.example",
        "lawful_bases": [],
    }


def _party_snapshot(o) -> dict:
    """A party as the frozen version records it, worked out once per organisation (its
    sector's display name alone costs a translation lookup)."""
    sector = _SECTOR_LABELS.get(o.sector) or o.get_sector_display()
    _SECTOR_LABELS[o.sector] = sector
    return _party_snapshot_of(
        o.pk, o.name, o.short_name, sector, o.ico_registration_number, o.dpo_name, o.dpo_email
    )


_SECTOR_LABELS: dict[str, str] = {}


def _snapshot(p, plan) -> dict:
    return {
        "reference": p.reference,
        **{question.name: frozen_answer(p, question) for question in questions()},
        "lead_organisation": plan["lead"].name,
        "vision": {"parts": {}, "text": f"For residents who need help, {p.title} will help."},
        "outcomes": [{"description": "Outcome", "measure": "Measure", "target": ""}],
        "data_items": [
            {
                "name": f"Data item {i}",
                "category": "Personal data",
                "category_code": "personal",
                "identifiability": "Identifiable",
                "is_health_or_care": False,
                "necessity": "Needed.",
            }
            for i in range(plan["items"])
        ],
        "participants": [
            {**_party_snapshot(o), "is_lead": o == plan["lead"]} for o in plan["parties"]
        ],
        "dpia": {
            "screened": True,
            "required": False,
            "reasons": [],
            "explanation": "Not required.",
            "indicators": [],
            "reference": "",
            "file_name": "",
        },
        "actions": [],
    }


def seed_agreements(*, count: int, proposals, plans, rng: random.Random, start: int = 0):
    """Agreements for approved proposals (and a few more), each party signed."""
    approved = [
        (p, plan)
        for p, plan in zip(proposals, plans, strict=True)
        if p.status == ProposalStatus.APPROVED
    ][:count]
    # The grants the agreement table makes (agreements/permissions.py), in bulk.
    party_grants = agreement_permissions.party_grants()
    steering_grants = agreement_permissions.steering_grants()
    perms = _permissions(
        "agreements", {codename for codename, _role in party_grants} | set(steering_grants)
    )
    group_ids = _GroupIds()
    today = timezone.localdate()
    version_of = dict(
        ProposalVersion.objects.filter(proposal__in=[p for p, _plan in approved])
        .order_by("-pk")
        .values_list("proposal_id", "pk")
    )
    rows = []
    for n, (p, _plan) in enumerate(approved):
        rows.append(
            Agreement(
                reference=f"DSA-{today.year}-{start + n + 1:05d}",
                title=p.title,
                status="active",
                proposal=p,
                version_id=version_of.get(p.pk),
                content={"sections": []},
                start_date=today - timedelta(days=rng.randrange(400)),
                end_date=today + timedelta(days=rng.randrange(30, 1000)),
                review_date=today + timedelta(days=rng.randrange(1, 365)),
                signed_sha256=f"{n:064x}",
                draft_sha256=f"{n + 10**9:064x}",
                activated_at=timezone.now(),
                has_special_category=n % 3 == 0,
            )
        )
    _bulk(Agreement, rows, "isf.bench.agreement")
    saved = {
        a.proposal_id: a
        for a in Agreement.objects.filter(reference__in=[a.reference for a in rows])
    }
    parties, grants = [], []
    for p, plan in approved:
        agreement = saved[p.pk]
        for org in plan["parties"]:
            parties.append(
                AgreementParty(
                    agreement=agreement,
                    organisation=org,
                    name=org.name,
                    short_name=org.short_name,
                    sector=org.get_sector_display(),
                    ico_registration_number=org.ico_registration_number,
                    dpo_name=org.dpo_name,
                    dpo_email=org.dpo_email,
                    role="Both",
                    controller_role="Controller",
                    is_lead=org == plan["lead"],
                    required_signatures=["siro"],
                )
            )
            grants += [
                AgreementGroupObjectPermission(
                    content_object=agreement,
                    permission=perms[codename],
                    group_id=group_ids[role_group_name(organisation_id=org.pk, role=role)],
                )
                for codename, role in party_grants
            ]
        grants += [
            AgreementGroupObjectPermission(
                content_object=agreement,
                permission=perms[codename],
                group_id=group_ids[STEERING_GROUP],
            )
            for codename in steering_grants
        ]
    AgreementParty.objects.bulk_create(parties, batch_size=5000)
    AgreementGroupObjectPermission.objects.bulk_create(grants, batch_size=5000)
    signer = {}
    sign = agreement_permissions.POLICY[agreement_permissions.Action.SIGN]
    for m in _holders(sign).select_related("user"):
        signer.setdefault(m.organisation_id, m.user)
    signatures = [
        Signature(
            agreement_id=party.agreement_id,
            party=party,
            capacity="siro",
            signer=signer[party.organisation_id],
            name=signer[party.organisation_id].full_name,
            job_title="SIRO",
            organisation_name=party.name,
            pdf_sha256="0" * 64,
        )
        for party in AgreementParty.objects.filter(agreement__in=saved.values())
        if party.organisation_id in signer
    ]
    _bulk(Signature, signatures, "isf.bench.signature")
    prepared = {a.pk: a.created_at for a in saved.values()}
    _keep_days(
        Signature,
        "days_to_sign",
        ((s, prepared[s.agreement_id], s.signed_at) for s in signatures),
    )
    return list(saved.values())


@transaction.atomic
def seed(*, organisations=200, users=2000, proposals=10_000, agreements=2_000, seed=2026):
    rng = random.Random(seed)
    orgs, people = seed_people(organisations=organisations, users=users, rng=rng)
    made, plans = seed_proposals(count=proposals, orgs=orgs, people=people, rng=rng)
    deals = seed_agreements(count=agreements, proposals=made, plans=plans, rng=rng)
    return {
        "organisations": len(orgs),
        "users": len(people),
        "proposals": len(made),
        "agreements": len(deals),
    }


@transaction.atomic
def grow(*, to: int, seed=2027):
    """Add proposals (and agreements for the approved ones) up to `to` in all."""
    rng = random.Random(seed)
    orgs = list(Organisation.objects.filter(slug__startswith="bench-").order_by("pk"))
    people = list(User.objects.filter(email__endswith="@bench.example").order_by("pk"))
    have = Proposal.objects.count()
    made, plans = seed_proposals(count=to - have, orgs=orgs, people=people, rng=rng, start=have)
    deals_have = Agreement.objects.count()
    deals = seed_agreements(
        count=max(0, int(to * 0.2) - deals_have),
        proposals=made,
        plans=plans,
        rng=rng,
        start=deals_have,
    )
    return {"proposals": Proposal.objects.count(), "agreements": deals_have + len(deals)}
