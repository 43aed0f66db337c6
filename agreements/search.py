"""Searching agreements: the one query behind the register's search box and its CSV, and
the one the API, the public register and the "what already exists" check reuse.

Every word of the search must be found (isf_portal/search.py: words match independently,
the same on SQLite and PostgreSQL) in what the searcher may see of the agreement:

- anyone: its reference, its title, and its parties' names and short names (the register's
  summary, which every signed-in partner sees);
- someone who may read the agreement (its parties' members and the steering group,
  permissions.py's VIEW row), also: its data items and its parties' legal gateways.

So a word found only in the data items of an agreement the searcher may not read finds
nothing, and the results never reveal more than the register's summary. A caller without a
user (the public register) searches the summary only.

On PostgreSQL the columns searched have GIN trigram indexes (migrations 0003 and
0005_search_detail). Each word's condition is a few sets of ids (`pk IN (...)`), each set read
once through its column's index: the agreements whose reference or title has the word, those
with a party named so, and, for a reader, those whose detail has it. Testing each agreement's
own columns in turn instead (`UPPER(title) LIKE ...` row by row) read every active agreement
for every search: in make bench's register search that was 4.3 of its 4.9 ms.
"""

from django.db.models import Q

from isf_portal.search import contains, contains_any, every_word, search_words

from . import permissions
from .models import Agreement, AgreementParty

SUMMARY_FIELDS = ("reference", "title")
PARTY_FIELDS = ("name", "short_name")


def detail_text(snapshot: dict) -> str:
    """An agreement's searchable detail, from the frozen version it was generated from: the
    names of its data items and its parties' legal powers or statutory gateways."""
    lines = [item.get("name") or "" for item in snapshot.get("data_items", [])]
    for party in snapshot.get("participants", []):
        lines += [basis.get("legal_power") or "" for basis in party.get("lawful_bases", [])]
    return "\n".join(dict.fromkeys(line.strip() for line in lines if line and line.strip()))


def agreements_matching(text: str, *, user=None) -> Q:
    """The condition on Agreement that the search `text` selects, for `user` (None: the
    summary only). Empty text selects everything."""
    return every_word(search_words(text), word_matching(user=user))


def word_matching(*, user=None, pattern: bool = False):
    """The condition on Agreement that one word of a search selects, for `user` (None: the
    summary only), as a function of the word: shared by this search and the "what already
    exists" check (similar.py), which scores agreements by how many words each matches.
    `pattern`: the function is given each word's LIKE pattern (isf_portal.search.like_pattern),
    for a compiled read that binds it."""
    readable = permissions.visible_to(user=user) if user is not None else None

    def match(word: str) -> Q:
        summary = Agreement.objects.filter(contains_any(word, *SUMMARY_FIELDS, pattern=pattern))
        parties = AgreementParty.objects.filter(contains_any(word, *PARTY_FIELDS, pattern=pattern))
        found = Q(pk__in=summary.order_by().values("pk")) | Q(
            pk__in=parties.order_by().values("agreement_id")
        )
        if readable is not None:
            detail = Agreement.objects.filter(contains("search_detail", word, pattern=pattern))
            found |= Q(pk__in=detail.order_by().values("pk")) & Q(pk__in=readable)
        return found

    return match
