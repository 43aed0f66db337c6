"""Greater Manchester demo data: organisations, people in every role, the steering group.

Idempotent: a second run finds everything in place and writes nothing. The ICO numbers are
of the real format but plainly not real (ZX9 followed by five digits).
"""

import os

from django.db import transaction

from isf_portal.domain import audit

from .models import (
    IdentityProvider,
    Membership,
    Organisation,
    Role,
    Sector,
    SignatoryCapacity,
    SteeringGroupMember,
    User,
)
from .services import membership_grant

DEMO_PASSWORD = "isf-demo-password"  # noqa: S105 - published in the README for the demo

ORGANISATIONS = [
    # slug, name, short name, sector, ODS code
    ("bolton", "Bolton Council", "Bolton", Sector.LOCAL_AUTHORITY, ""),
    ("bury", "Bury Council", "Bury", Sector.LOCAL_AUTHORITY, ""),
    ("manchester", "Manchester City Council", "Manchester", Sector.LOCAL_AUTHORITY, ""),
    ("oldham", "Oldham Council", "Oldham", Sector.LOCAL_AUTHORITY, ""),
    ("rochdale", "Rochdale Borough Council", "Rochdale", Sector.LOCAL_AUTHORITY, ""),
    ("salford", "Salford City Council", "Salford", Sector.LOCAL_AUTHORITY, ""),
    ("stockport", "Stockport Council", "Stockport", Sector.LOCAL_AUTHORITY, ""),
    ("tameside", "Tameside Council", "Tameside", Sector.LOCAL_AUTHORITY, ""),
    ("trafford", "Trafford Council", "Trafford", Sector.LOCAL_AUTHORITY, ""),
    ("wigan", "Wigan Council", "Wigan", Sector.LOCAL_AUTHORITY, ""),
    ("gmca", "Greater Manchester Combined Authority", "GMCA", Sector.COMBINED_AUTHORITY, ""),
    ("tfgm", "Transport for Greater Manchester", "TfGM", Sector.TRANSPORT, ""),
    ("gmfrs", "Greater Manchester Fire and Rescue Service", "GMFRS", Sector.FIRE_AND_RESCUE, ""),
    ("gmp", "Greater Manchester Police", "GMP", Sector.POLICE, ""),
    (
        "probation-gm",
        "The Probation Service, Greater Manchester region",
        "Probation GM",
        Sector.PROBATION,
        "",
    ),
    ("nhs-gm", "NHS Greater Manchester", "NHS GM", Sector.NHS, "QOP"),
    ("mft", "Manchester University NHS Foundation Trust", "MFT", Sector.NHS, "R0A"),
    ("nca", "Northern Care Alliance NHS Foundation Trust", "NCA", Sector.NHS, "RM3"),
    ("one-manchester", "One Manchester", "One Manchester", Sector.HOUSING, ""),
    ("healthwatch-manchester", "Healthwatch Manchester", "Healthwatch Mcr", Sector.HEALTHWATCH, ""),
    ("10gm", "10GM", "10GM", Sector.VCFSE, ""),
]

# email, full name, job title, {organisation slug: roles}
PEOPLE = [
    ("admin@gmca.example", "Portal Administrator", "ISF portal administrator", {}),
    (
        "ruth.adeyemi@gmca.example",
        "Ruth Adeyemi",
        "Head of Information Governance",
        {"gmca": [Role.MEMBER, Role.APPROVER, Role.GOVERNANCE_OFFICER, Role.ORG_ADMIN]},
    ),
    (
        "omar.farouk@gmca.example",
        "Omar Farouk",
        "Information Governance Manager",
        {"gmca": [Role.APPROVER]},
    ),
    (
        "priya.shah@manchester.example",
        "Priya Shah",
        "Adult Social Care Commissioning Manager",
        {"manchester": [Role.MEMBER]},
    ),
    (
        "tom.booth@manchester.example",
        "Tom Booth",
        "Information Governance Lead",
        {"manchester": [Role.MEMBER, Role.APPROVER]},
    ),
    (
        "grace.okafor@manchester.example",
        "Grace Okafor",
        "Senior Information Risk Owner",
        {"manchester": [Role.SIGNATORY]},
    ),
    (
        "dan.wright@manchester.example",
        "Dan Wright",
        "Data Protection Officer",
        {"manchester": [Role.GOVERNANCE_OFFICER]},
    ),
    (
        "helen.clarke@manchester.example",
        "Helen Clarke",
        "Information Governance Officer",
        {"manchester": [Role.MEMBER, Role.ORG_ADMIN]},
    ),
    (
        "lee.morris@manchester.example",
        "Lee Morris",
        "Service Improvement Analyst",
        {"manchester": []},
    ),
    (
        "sam.patel@manchesterfire.example",
        "Sam Patel",
        "Prevention Manager",
        {"gmfrs": [Role.MEMBER, Role.ORG_ADMIN]},
    ),
    (
        "jo.kelly@manchesterfire.example",
        "Jo Kelly",
        "Information Governance Manager",
        {"gmfrs": [Role.APPROVER, Role.GOVERNANCE_OFFICER]},
    ),
    (
        "maria.lopez@manchesterfire.example",
        "Maria Lopez",
        "Deputy Chief Fire Officer (SIRO)",
        {"gmfrs": [Role.SIGNATORY]},
    ),
    (
        "aisha.khan@salford.example",
        "Aisha Khan",
        "Information Governance Manager",
        {"salford": [Role.MEMBER, Role.APPROVER, Role.ORG_ADMIN]},
    ),
    (
        "mark.hughes@salford.example",
        "Mark Hughes",
        "Senior Information Risk Owner",
        {"salford": [Role.APPROVER, Role.SIGNATORY, Role.GOVERNANCE_OFFICER]},
    ),
    (
        "chris.evans@bolton.example",
        "Chris Evans",
        "Shared Information Governance Lead",
        {"bolton": [Role.APPROVER, Role.ORG_ADMIN], "bury": [Role.APPROVER, Role.ORG_ADMIN]},
    ),
    (
        "fiona.grant@nhsgm.example",
        "Fiona Grant",
        "Head of Information Governance",
        {"nhs-gm": [Role.MEMBER, Role.APPROVER, Role.GOVERNANCE_OFFICER, Role.ORG_ADMIN]},
    ),
    (
        "david.osei@nhsgm.example",
        "Dr David Osei",
        "Caldicott Guardian",
        {"nhs-gm": [Role.SIGNATORY]},
    ),
    (
        "karen.walsh@nhsgm.example",
        "Karen Walsh",
        "Senior Information Risk Owner",
        {"nhs-gm": [Role.SIGNATORY]},
    ),
    (
        "nadia.rahman@mft.example",
        "Nadia Rahman",
        "Data Protection Officer",
        {"mft": [Role.MEMBER, Role.APPROVER, Role.SIGNATORY, Role.GOVERNANCE_OFFICER]},
    ),
    (
        "paul.bennett@gmp.example",
        "Paul Bennett",
        "Force Information Sharing Lead",
        {"gmp": [Role.MEMBER, Role.APPROVER, Role.ORG_ADMIN]},
    ),
    (
        "sarah.lloyd@gmp.example",
        "Sarah Lloyd",
        "Assistant Chief Constable (SIRO)",
        {"gmp": [Role.SIGNATORY]},
    ),
    (
        "james.ward@probation.example",
        "James Ward",
        "Head of Public Protection",
        {"probation-gm": [Role.MEMBER, Role.APPROVER, Role.SIGNATORY]},
    ),
    (
        "emma.taylor@tfgm.example",
        "Emma Taylor",
        "Data Protection Officer",
        {"tfgm": [Role.MEMBER, Role.APPROVER, Role.SIGNATORY, Role.ORG_ADMIN]},
    ),
    (
        "olu.bakare@onemanchester.example",
        "Olu Bakare",
        "Tenancy Sustainment Manager",
        {"one-manchester": [Role.MEMBER, Role.APPROVER, Role.SIGNATORY]},
    ),
    (
        "beth.collins@10gm.example",
        "Beth Collins",
        "Partnerships Director",
        {"10gm": [Role.MEMBER, Role.APPROVER, Role.SIGNATORY]},
    ),
]

# email, organisation represented, chair?
STEERING_GROUP = [
    ("ruth.adeyemi@gmca.example", "gmca", True),
    ("tom.booth@manchester.example", "manchester", False),
    ("fiona.grant@nhsgm.example", "nhs-gm", False),
    ("paul.bennett@gmp.example", "gmp", False),
    ("aisha.khan@salford.example", "salford", False),
    ("beth.collins@10gm.example", "10gm", False),
]


def _ensure(model, lookup: dict, values: dict, *, reason: str):
    """Create the row, or bring it to `values`; save (and write history) only on a change."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
    elif all(getattr(obj, k) == v for k, v in values.items()):
        return obj, False
    else:
        for key, value in values.items():
            setattr(obj, key, value)
    audit(obj, reason=reason)
    obj.save()
    return obj, True


@transaction.atomic
def seed() -> dict:
    organisations = {}
    for number, (slug, name, short, sector, ods) in enumerate(ORGANISATIONS, start=1):
        domain = slug.replace("-", "")
        is_nhs = sector == Sector.NHS
        organisations[slug], _changed = _ensure(
            Organisation,
            {"slug": slug},
            {
                "name": name,
                "short_name": short,
                "sector": sector,
                "ico_registration_number": f"ZX9{number:05d}",
                "ods_code": ods,
                "dpo_name": f"{short} Data Protection Officer",
                "dpo_email": f"dpo@{domain}.example",
                "ig_mailbox": f"information.governance@{domain}.example",
                "dspt_status": "met" if is_nhs or sector == Sector.LOCAL_AUTHORITY else "",
                # NHS GM's Caldicott Guardian signs beside its SIRO.
                "requires_caldicott_signature": slug == "nhs-gm",
            },
            reason="isf.demo.organisation",
        )
    for email, full_name, job_title, roles_at in PEOPLE:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User(email=email, full_name=full_name, job_title=job_title)
            user.set_password(DEMO_PASSWORD)
            user.is_staff = user.is_superuser = email == "admin@gmca.example"
            audit(user, reason="isf.demo.user")
            user.save()
        for slug, roles in roles_at.items():
            membership_grant(user=user, organisation=organisations[slug], roles=roles)
    caldicott = Membership.objects.get(
        user__email="david.osei@nhsgm.example", organisation=organisations["nhs-gm"]
    )
    _ensure(
        Membership,
        {"pk": caldicott.pk},
        {"signatory_capacity": SignatoryCapacity.CALDICOTT},
        reason="isf.demo.membership",
    )
    for email, slug, is_chair in STEERING_GROUP:
        _ensure(
            SteeringGroupMember,
            {"user": User.objects.get(email=email)},
            {"organisation": organisations[slug], "is_chair": is_chair},
            reason="isf.demo.steering_group",
        )
    _demo_identity_provider(organisations["trafford"])
    return {"organisations": len(organisations), "people": len(PEOPLE)}


# `make run` starts scripts/oidc_provider.mjs on this port as Trafford's identity provider:
# addresses @staff.trafford.example sign in there (sso.demo@staff.trafford.example, say).
DEMO_IDP_PORT = int(os.environ.get("DEMO_IDP_PORT", "9400"))
DEMO_SSO_DOMAIN = "staff.trafford.example"


def _demo_identity_provider(trafford):
    _ensure(
        IdentityProvider,
        {"organisation": trafford},
        {
            "issuer": f"http://127.0.0.1:{DEMO_IDP_PORT}",
            "client_id": "portal-north",
            "client_secret": "north-secret",
            "email_domains": DEMO_SSO_DOMAIN,
            "tenant_id": "11111111-1111-4111-8111-111111111111",
            "is_active": True,
        },
        reason="isf.demo.identity_provider",
    )
