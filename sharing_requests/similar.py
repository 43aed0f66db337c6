"""What already exists: the proposals and agreements like the one someone is starting or
about to submit, so they join or vary an existing agreement instead of duplicating it.

Like means sharing at least one party, data category or purpose word (the words go through
isf_portal/search.py, so they match as the portal's other searches do). Each found thing
scores one point per party, category and word it shares; the most alike come first.

This app finds the proposals. Agreements live in a layer above, which this one does not
import: it registers a provider here (`provider`) in its AppConfig.ready(), and each
provider answers for its own kind in the same terms (`Similar`).

What is shown never goes beyond what the person may see: proposals they may open, never
another organisation's draft; an agreement's register summary (reference, title, parties,
status), which every signed-in partner sees.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse

from isf_portal.search import contains_any, search_words
from organisations.permissions import memberships

from . import permissions
from .choices import STATUS_TAG_CLASSES, ProposalStatus
from .models import DataItem, Participant, Proposal

# Each kind lists at most this many: the most alike.
LIMIT = 5
# Shorter words ("of", "and", "the") are in everything: they say nothing about likeness.
MIN_WORD_LENGTH = 4
PROPOSAL_WORD_FIELDS = ("title", "problem", "vision__proposal_name", "vision__outcome")


@dataclass(frozen=True)
class Wanted:
    """What the new proposal is about: its parties' organisations, its data categories and
    the words of its purpose."""

    organisation_ids: frozenset[int] = frozenset()
    categories: frozenset[str] = frozenset()
    words: tuple[str, ...] = ()
    exclude_proposal_id: int | None = None

    @classmethod
    def of(cls, *, organisation_ids=(), categories=(), text: str = "", exclude=None):
        words = tuple(w for w in search_words(text) if len(w) >= MIN_WORD_LENGTH)
        return cls(frozenset(organisation_ids), frozenset(categories), words, exclude)

    @classmethod
    def about(cls, proposal: Proposal):
        """What a proposal is about: its parties, its data items' categories, the words of
        its title and its vision's name and outcome (two queries)."""
        vision = getattr(proposal, "vision", None)
        parts = (vision.proposal_name, vision.outcome) if vision else ()
        text = " ".join([proposal.title, *parts])
        return cls.of(
            organisation_ids=proposal.participants.values_list("organisation_id", flat=True),
            categories=proposal.data_items.values_list("category", flat=True).distinct(),
            text=text,
            exclude=proposal.pk,
        )

    def __bool__(self) -> bool:
        return bool(self.organisation_ids or self.categories or self.words)


@dataclass
class Similar:
    """One thing that already exists, as the lists show it."""

    kind: str  # "agreement" or "proposal"
    reference: str
    title: str
    parties: list[str]
    status: str
    score: int
    url: str = ""  # empty: the person may see the summary only
    tag_class: str = ""


# (user, wanted) -> the things of one kind, most alike first.
Provider = Callable[[object, Wanted], list[Similar]]
_providers: list[Provider] = []


def provider(find: Provider) -> Provider:
    """Register a finder of similar things (a higher layer's, at ready()); once each."""
    if find not in _providers:
        _providers.append(find)
    return find


def word_score(words, *fields: str):
    """One point per word found in any of the fields: an expression to annotate with."""
    points = [Case(When(contains_any(w, *fields), then=Value(1)), default=Value(0)) for w in words]
    total = Value(0, output_field=IntegerField())
    for point in points:
        total = total + point
    return total


def _count(queryset, outer: str):
    counted = queryset.filter(**{outer: OuterRef("pk")}).order_by().values(outer)
    counted = counted.annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def similar_proposals(user, wanted: Wanted, *, request=None) -> list[Similar]:
    """The proposals the person may see that are like `wanted`: two queries."""
    own = list(memberships(request or user))
    shown = (
        permissions.objects_for(user, permissions.Action.VIEW)
        .exclude(status=ProposalStatus.WITHDRAWN)
        .exclude(Q(status=ProposalStatus.DRAFT) & ~Q(lead_organisation_id__in=own))
    )
    if wanted.exclude_proposal_id:
        shown = shown.exclude(pk=wanted.exclude_proposal_id)
    parties = Participant.objects.filter(organisation_id__in=wanted.organisation_ids)
    categories = DataItem.objects.filter(category__in=wanted.categories).values("category")
    category_count = (
        categories.filter(proposal=OuterRef("pk"))
        .order_by()
        .values("proposal")
        .annotate(n=Count("category", distinct=True))
        .values("n")
    )
    rows = list(
        shown.annotate(
            shared_parties=_count(parties, "proposal"),
            shared_categories=Coalesce(
                Subquery(category_count, output_field=IntegerField()), Value(0)
            ),
            shared_words=word_score(wanted.words, *PROPOSAL_WORD_FIELDS),
        )
        .annotate(score=F("shared_parties") + F("shared_categories") + F("shared_words"))
        .filter(score__gt=0)
        .only("reference", "title", "status")
        .order_by("-score", "-last_activity_at", "-pk")[:LIMIT]
    )
    names = {}
    for participant in (
        Participant.objects.filter(proposal__in=[p.pk for p in rows])
        .select_related("organisation")
        .only("proposal_id", "is_lead", "organisation__name")
        .order_by("-is_lead", "organisation__name")
    ):
        names.setdefault(participant.proposal_id, []).append(participant.organisation.name)
    return [
        Similar(
            kind="proposal",
            reference=p.reference,
            title=p.title,
            parties=names.get(p.pk, []),
            status=p.get_status_display(),
            score=p.score,
            url=reverse("requests:detail", args=[p.reference]),
            tag_class=STATUS_TAG_CLASSES.get(p.status, ""),
        )
        for p in rows
    ]


def similar(request, wanted: Wanted) -> dict[str, list[Similar]]:
    """Everything like `wanted` the person may see, by kind: "agreements" (from the
    registered providers) and "proposals"; empty when nothing is wanted."""
    if not wanted:
        return {"agreements": [], "proposals": []}
    found = []
    for find in _providers:
        found += find(request.user, wanted)
    found.sort(key=lambda s: -s.score)
    return {
        "agreements": found,
        "proposals": similar_proposals(request.user, wanted, request=request),
    }
