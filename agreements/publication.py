"""The public transparency register: an active agreement is shown to anyone, signed in or
not, once every party has agreed to publish it (consents.py, ConsentKind.PUBLISH). Off by
default: a party's governance officer proposes it (permissions.Action.PUBLISH), each other
party's governance officer or signatory agrees, and the last agreement sets
`Agreement.published_at` (publication_agreed).

    not published ──a governance officer proposes──▶ pending (consents.py)
    pending ──every party agreed──▶ published: on the register while the agreement is active
    pending ──declined, withdrawn or lapsed──▶ not published
    published ──any party's governance officer takes it off──▶ not published (unpublish)

What the register shows is the public summary only: the title, the parties, the purpose in
plain English (the vision statement of the version agreed), the categories of data (never
the data items), the legal bases, the dates and the measurable outcomes. Nothing here, nor
on the public pages, reads an agreement that is not published and active: they are simply
not there (404), and never counted.
"""

from collections.abc import Iterator

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from isf_portal.domain import DomainError, audit
from isf_portal.spreadsheet import csv_lines, iso_date

from . import consents, permissions
from .events import agreement_locked, timeline_add
from .models import (
    Agreement,
    AgreementParty,
    AgreementStatus,
    ConsentKind,
    ConsentRequest,
    ConsentStatus,
)
from .notices import tell_update
from .register import SUMMARY_FIELDS
from .search import agreements_matching


# --- Publishing -----------------------------------------------------------------------------
def publication_problem(agreement: Agreement) -> str:
    """Why the parties cannot be asked to publish it now ("" if they can)."""
    if agreement.status != AgreementStatus.ACTIVE:
        return _("Only an agreement in force can be published on the public register.")
    if agreement.published_at:
        return _("This agreement is already on the public register.")
    if agreement.consents.filter(kind=ConsentKind.PUBLISH, status=ConsentStatus.PENDING).exists():
        return _("Publishing is already waiting for the parties to agree.")
    return ""


def may_propose(request_or_user, agreement: Agreement) -> bool:
    return permissions.may(request_or_user, permissions.Action.PUBLISH, agreement)


def agreement_publish_propose(*, agreement: Agreement, by, reason: str) -> ConsentRequest:
    """A party's governance officer asks every party to agree to publish the agreement on
    the public register. It is published once every party has agreed (publication_agreed)."""
    with transaction.atomic():
        a = agreement_locked(agreement)
        if not permissions.holders(permissions.Action.PUBLISH, a, user=by).exists():
            raise consents.NotAllowed(
                _("Only a governance officer of a party can propose publishing it.")
            )
        problem = publication_problem(a)
        if problem:
            raise DomainError(problem)
        return consents.consent_propose(agreement=a, kind=ConsentKind.PUBLISH, by=by, reason=reason)


@consents.on_agreed(ConsentKind.PUBLISH)
def publication_agreed(agreement: Agreement, consent: ConsentRequest) -> None:
    """Every party agreed: the agreement is on the public register from now on, while it is
    active. Called with the agreement row locked."""
    agreement.published_at = timezone.now()
    audit(agreement, reason="isf.agreement.published", by=consent.closed_by)
    agreement.save(update_fields=["published_at"])
    timeline_add(
        agreement,
        by=consent.closed_by,
        kind="published",
        description=_("Published on the public register"),
    )


def agreement_unpublish(*, agreement: Agreement, by, reason: str) -> Agreement:
    """A party's governance officer withdraws its agreement to publish: as every party must
    agree to publish it, any one party takes it off the public register, at once."""
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Give the reason for taking it off the public register"))
    with transaction.atomic():
        a = agreement_locked(agreement)
        party = consents.proposing_party(a, by, action=permissions.Action.PUBLISH)
        if party is None:
            raise consents.NotAllowed(
                _("Only a governance officer of a party can take it off the public register.")
            )
        if not a.published_at:
            raise DomainError(_("This agreement is not on the public register."))
        a.published_at = None
        audit(a, reason="isf.agreement.unpublished", by=by)
        a.save(update_fields=["published_at"])
        message = _("%(party)s took it off the public register") % {"party": party.name}
        timeline_add(a, by=by, kind="unpublished", description=f"{message}. {reason}")
        tell_update(a, message=message, reason=reason, exclude=by)
    return a


def publication_for_page(agreement: Agreement, request_or_user, *, pending=None) -> dict:
    """What the agreement's page says about the public register, for its parties (nothing
    once it is no longer active). `pending`: its pending consent requests, when the page has
    read them already (consents.pending_for_page)."""
    if agreement.status != AgreementStatus.ACTIVE:
        return {}
    if pending is None:
        pending = consents.pending(agreement)
    waiting = next((c for c in pending if c.kind == ConsentKind.PUBLISH), None)
    # publication_problem's answer for an active agreement, from the pending requests in
    # hand (its EXISTS query asks the same of the database).
    problem = bool(agreement.published_at) or waiting is not None
    return {
        "published_at": agreement.published_at,
        "waiting": waiting,
        "may_propose": not problem and may_propose(request_or_user, agreement),
        "may_unpublish": bool(agreement.published_at) and may_propose(request_or_user, agreement),
    }


# --- Reading the public register ------------------------------------------------------------
def published_agreements() -> QuerySet[Agreement]:
    """Every agreement on the public register: active, and every party agreed to publish."""
    return Agreement.objects.filter(status=AgreementStatus.ACTIVE, published_at__isnull=False)


def public_entries(q: str = "") -> QuerySet[Agreement]:
    """The published agreements matching the search (the summary only: search.py without a
    user), newest first, with their parties and the version they were generated from."""
    queryset = (
        published_agreements()
        .select_related("version")
        .only("id", *SUMMARY_FIELDS, "published_at", "version__snapshot")
        .prefetch_related(
            Prefetch(
                "parties",
                queryset=AgreementParty.objects.only(
                    "id", "agreement_id", "name", "is_lead"
                ).order_by("-is_lead", "name"),
            )
        )
        .order_by("-published_at", "-pk")
    )
    if q:
        queryset = queryset.filter(agreements_matching(q, user=None))
    return queryset


def public_agreement(reference: str) -> Agreement | None:
    """The published agreement with this reference, or None (whatever else exists)."""
    return public_entries().filter(reference=reference).first()


CATEGORY_LABELS = {
    "personal": gettext_lazy("Personal data"),
    "special": gettext_lazy("Special category data (UK GDPR Article 9)"),
    "criminal": gettext_lazy("Criminal offence data (UK GDPR Article 10)"),
}


def _unique(values) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in values if v and v.strip()))


def public_summary(agreement: Agreement) -> dict:
    """What the public register says of a published agreement: its purpose (the vision
    statement agreed), its categories of data, its legal bases and its measurable outcomes.
    Never the data items themselves, the contacts or the documents."""
    snapshot = (agreement.version.snapshot or {}) if agreement.version_id else {}
    items = snapshot.get("data_items", [])
    codes = {i.get("category_code") for i in items} | {"personal"}
    if agreement.has_special_category:
        codes.add("special")
    if agreement.has_criminal_offence:
        codes.add("criminal")
    bases, powers = [], []
    for party in snapshot.get("participants", []):
        for basis in party.get("lawful_bases", []):
            bases += [basis.get("article6"), basis.get("article9")]
            powers.append(basis.get("legal_power"))
    return {
        "purpose": (snapshot.get("vision") or {}).get("text", ""),
        "categories": [str(label) for code, label in CATEGORY_LABELS.items() if code in codes],
        "legal_bases": _unique(bases),
        "legal_powers": _unique(powers),
        "outcomes": _unique(o.get("description") for o in snapshot.get("outcomes", [])),
    }


def public_rows(agreements) -> list[dict]:
    return [
        {
            "agreement": a,
            "parties": [p.name for p in a.parties.all()],
            **public_summary(a),
        }
        for a in agreements
    ]


# --- CSV ------------------------------------------------------------------------------------
CSV_HEADER = [
    gettext_lazy("Reference"),
    gettext_lazy("Title"),
    gettext_lazy("Parties"),
    gettext_lazy("Purpose"),
    gettext_lazy("Categories of data"),
    gettext_lazy("Legal bases"),
    gettext_lazy("Legal powers"),
    gettext_lazy("Start date"),
    gettext_lazy("End date"),
    gettext_lazy("Review date"),
    gettext_lazy("Outcomes"),
    gettext_lazy("Published"),
]


def csv_rows(queryset: QuerySet[Agreement]) -> Iterator[str]:
    """The public register as CSV lines, streamed (isf_portal/spreadsheet.py)."""
    return csv_lines(
        CSV_HEADER,
        (
            (
                row["agreement"].reference,
                row["agreement"].title,
                "; ".join(row["parties"]),
                row["purpose"],
                "; ".join(row["categories"]),
                "; ".join(row["legal_bases"]),
                "; ".join(row["legal_powers"]),
                iso_date(row["agreement"].start_date),
                iso_date(row["agreement"].end_date),
                iso_date(row["agreement"].review_date),
                "; ".join(row["outcomes"]),
                iso_date(timezone.localdate(row["agreement"].published_at)),
            )
            for row in public_rows(queryset.iterator(chunk_size=200))
        ),
    )
