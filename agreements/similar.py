"""The active agreements like a proposal being started or about to be submitted: the
agreements' answer to sharing_requests/similar.py, registered there in AgreementsConfig.ready()
(the proposals' layer sits below this one and does not import it).

An agreement scores a point for each organisation it shares with the proposal, for each of
the proposal's special kinds of data it also covers (special category, criminal offence:
the register's category filter), and for each purpose word its search finds (search.py: in
the register's summary, or in its detail when the person may read it). What is shown is the
register's summary, which every signed-in partner sees; a link only when the person may open
the agreement.
"""

from django.db.models import Case, Count, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse

from sharing_requests.choices import DataCategory
from sharing_requests.similar import LIMIT, Similar, Wanted, provider

from . import permissions
from .models import Agreement, AgreementParty, AgreementStatus
from .register import STATUS_TAG_CLASSES
from .search import word_matching


def _point(condition) -> Case:
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


@provider
def similar_agreements(user, wanted: Wanted) -> list[Similar]:
    """The active agreements most like `wanted`: three queries, whatever their number."""
    shared = (
        AgreementParty.objects.filter(
            agreement=OuterRef("pk"), organisation_id__in=wanted.organisation_ids
        )
        .order_by()
        .values("agreement")
        .annotate(n=Count("organisation", distinct=True))
        .values("n")
    )
    score = Coalesce(Subquery(shared, output_field=IntegerField()), Value(0))
    if DataCategory.SPECIAL in wanted.categories:
        score = score + _point(Q(has_special_category=True))
    if DataCategory.CRIMINAL in wanted.categories:
        score = score + _point(Q(has_criminal_offence=True))
    match = word_matching(user=user)
    for word in wanted.words:
        score = score + _point(match(word))
    rows = list(
        Agreement.objects.filter(status=AgreementStatus.ACTIVE)
        .annotate(score=score)
        .filter(score__gt=0)
        .only("reference", "title", "status")
        .order_by("-score", "reference")[:LIMIT]
    )
    names: dict[int, list[str]] = {}
    for party in AgreementParty.objects.filter(agreement__in=[a.pk for a in rows]).order_by(
        "-is_lead", "name"
    ):
        names.setdefault(party.agreement_id, []).append(party.name)
    readable = permissions.visible_ids(user=user, agreement_ids=[a.pk for a in rows])
    return [
        Similar(
            kind="agreement",
            reference=a.reference,
            title=a.title,
            parties=names.get(a.pk, []),
            status=a.get_status_display(),
            score=a.score,
            url=reverse("agreements:detail", args=[a.reference]) if a.pk in readable else "",
            tag_class=STATUS_TAG_CLASSES.get(a.status, ""),
        )
        for a in rows
    ]
