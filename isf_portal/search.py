"""What someone typed into a search box, as a database query: the generic part of every
search in the portal (the agreement register's is agreements/search.py).

- **Words match independently.** "fire risk" is two words, and an object matches when each
  word is found somewhere in the fields searched, in any order, as part of a longer word or
  not: it finds "Fire-risk referrals" and "Risk of fire". Punctuation separates words.
- **One meaning on both databases.** Each word is Django's `icontains` (`UPPER(column) LIKE
  UPPER('%word%')`), so SQLite (the embedded default) and PostgreSQL return the same rows.
  On PostgreSQL a GIN trigram index on the same `UPPER(column::text)` expression serves each
  word of three letters or more (`trigram_indexes`, in the app's migrations); SQLite scans,
  which is fine at its scale.
- **A page and its total in one query** (`page_counted`): the count rides on the page's rows
  as a window function, so an expensive search runs once, not once to count and again for the
  page.
"""

import logging
import re
from collections.abc import Callable, Iterable

from django.core.paginator import Page, Paginator
from django.db import migrations, transaction
from django.db.models import Count, F, IntegerField, Q, QuerySet, Subquery, Value, Window
from django.db.models.functions import Coalesce
from django.db.models.lookups import IContains, PatternLookup

logger = logging.getLogger(__name__)

# More words than this add nothing but cost: the rest are ignored.
MAX_WORDS = 8

_WORD = re.compile(r"\w+")


def search_words(text: str) -> list[str]:
    """The words of a search, in order, each once (whatever its case), at most MAX_WORDS."""
    words: dict[str, str] = {}
    for word in _WORD.findall(text or ""):
        words.setdefault(word.casefold(), word)
    return list(words.values())[:MAX_WORDS]


class PatternContains(IContains):
    """`icontains` given its LIKE pattern (like_pattern(word)) rather than the word: the same
    SQL and the same parameter, so a compiled read (isf_portal/compiled.py) can bind a
    search's words as it binds an id."""

    def process_rhs(self, qn, connection):
        return super(PatternLookup, self).process_rhs(qn, connection)


def like_pattern(word: str, connection) -> str:
    """The parameter `icontains` binds for `word`, which PatternContains takes."""
    return PatternLookup.param_pattern % connection.ops.prep_for_like_query(word)


def contains(field: str, word: str, *, pattern: bool = False) -> Q:
    """The word appears in the field (any case); `pattern`: `word` is its LIKE pattern."""
    if pattern:
        return Q(PatternContains(F(field), word))
    return Q(**{f"{field}__icontains": word})


def contains_any(word: str, *fields: str, pattern: bool = False) -> Q:
    """The word appears in at least one of the fields (any case); `pattern`: `word` is its
    LIKE pattern (like_pattern)."""
    match = Q()
    for field in fields:
        match |= contains(field, word, pattern=pattern)
    return match


def every_word(words: Iterable[str], match: Callable[[str], Q]) -> Q:
    """Each word matches, by `match(word)`: the condition an object found by these words
    meets. No words: everything matches."""
    condition = Q()
    for word in words:
        condition &= match(word)
    return condition


# --- A page and its count --------------------------------------------------------------------
def page_number(number) -> int:
    """A page's number as Paginator.get_page reads it: a bad or missing one is 1."""
    try:
        return max(int(number), 1)
    except (TypeError, ValueError):
        return 1


def with_total(queryset: QuerySet, *, cheap: bool = False) -> QuerySet:
    """The queryset with each row's `_total`, the number of rows of the whole queryset.

    By default a window over the rows (`COUNT(*) OVER ()`): the condition runs once, but every
    matching row is read, in the page's order, before the page is taken. `cheap`: the
    condition is cheap to run twice (plain column filters, no search), so the total is a
    separate count of the same rows in a subquery, which PostgreSQL runs once for the whole
    statement, and the page reads only its own rows. The register's unfiltered first page:
    0.6 ms rather than 2.5 ms, for 2,000 agreements."""
    if not cheap:
        return queryset.annotate(_total=Window(Count("pk")))
    count = (
        queryset.order_by()
        .annotate(_all=Value(1, output_field=IntegerField()))
        .values("_all")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(_total=Coalesce(Subquery(count), 0))


def page_counted(queryset, number, per_page: int, *, read=None) -> Page:
    """The page `number` of `queryset` (an ordered queryset), like Paginator.get_page: a bad
    or missing number is page 1, a number past the end the last page. One query reads the
    page's rows and the total together; only a number past the end costs two more.

    `read(offset)`: the page's rows from `offset`, each with `_total` (with_total), when
    the caller reads them its own way (a compiled read); `queryset` may then be a function
    giving the queryset, called only for a number past the end."""
    number = page_number(number)
    offset = (number - 1) * per_page
    if read is not None:
        rows = read(offset)
    else:
        rows = list(with_total(queryset)[offset : offset + per_page])
    if not rows and number > 1:
        if callable(queryset):
            queryset = queryset()
        # Past the end: Django counts and takes the last.
        return Paginator(queryset, per_page).get_page(number)
    paginator = Paginator((), per_page)
    paginator.count = rows[0]._total if rows else 0  # a cached_property: set, never queried
    return Page(rows, number, paginator)


# --- PostgreSQL's trigram indexes, for the migrations ----------------------------------------
# GIN's "fast update" parks new rows in a pending list that every search reads in full until
# a vacuum merges it: after a bulk load (13,900 parties) the planner rightly judged the index
# slower than a sequential scan (15 ms a word) and ignored it. The searched tables are written
# a few rows a day, so the indexes are updated in place instead.
_NO_PENDING_LIST = "fastupdate = off"


def trigram_indexes(*indexes: tuple[str, str, str]) -> migrations.RunPython:
    """A migration operation making GIN trigram indexes on UPPER(column::text), the
    expression `icontains` compares, for (index name, table, column) triples, without a
    pending list; an index of that name that exists already is switched to the same. PostgreSQL
    only; nothing on SQLite. Without the right to create pg_trgm (a managed database) the
    search still works, unindexed, and the migration says so in the log."""

    def create(apps, schema_editor):
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        try:
            with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except Exception as exc:  # no right to create it: the search works, only slower
            logger.warning("pg_trgm not available (%s): not indexed", exc)
            return
        with connection.cursor() as cursor:
            for name, table, column in indexes:
                cursor.execute(
                    f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
                    f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops) '
                    f"WITH ({_NO_PENDING_LIST})"
                )
                cursor.execute(f'ALTER INDEX "{name}" SET ({_NO_PENDING_LIST})')
                cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [name])

    def drop(apps, schema_editor):
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            for name, _table, _column in indexes:
                cursor.execute(f'DROP INDEX IF EXISTS "{name}"')

    return migrations.RunPython(create, drop, elidable=False)
