"""Reads of a fixed shape whose SQL is compiled once per database connection.

The ORM compiles a queryset to SQL on every evaluation: for the proposal and review pages'
reads (a proposal with its annotations and related rows, its parties, their lawful bases, its
timeline) that compiling cost more CPU than PostgreSQL spent running them. A `CompiledRead` is
such a queryset built once with a marker for each value that changes between reads (the
proposal's reference or id); its SQL and the ORM's plan for turning rows into model instances
are kept, and each read binds the values and runs the same statement, which PostgreSQL also
keeps prepared. The instances are built as the ORM's own iterator builds them (`from_db`,
select_related's populators, annotations, the database's converters), so they are the same
objects a queryset gives.

Only the values marked change: a read whose shape depends on a value (an IN list of varying
length, a filter added or not) is not one of these."""

import weakref
from collections.abc import Callable

from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import get_related_populators

# A marker must reach the compiled parameters unchanged, to be found there: a string for a
# text column, an integer no row's key has for a key.
_TEXT_MARKER = "\x1fcompiled-read-{}\x1f"
_NUMBER_MARKER = -7_340_000_000_000


class _Plan:
    """One connection's SQL and the ORM's state for building rows into instances."""

    def __init__(self, queryset: QuerySet, markers: dict, connection):
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        params = list(params)
        self.sql = sql
        self.params = params
        self.slots = {}
        for name, marker in markers.items():
            positions = [i for i, value in enumerate(params) if value == marker]
            if not positions:
                raise ValueError(f"{name!r} is not a parameter of the compiled SQL")
            self.slots[name] = positions
        self.col_count = compiler.col_count if compiler.has_extra_select else None
        select = compiler.select
        fields = [s[0] for s in select[0 : compiler.col_count]]
        self.converters = list(compiler.get_converters(fields).items())
        self.model = None
        if compiler.klass_info is not None and not queryset._fields:
            klass_info = compiler.klass_info
            self.model = klass_info["model"]
            start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
            self.model_slice = slice(start, end)
            self.init_list = [f[0].target.attname for f in select[start:end]]
            self.populators = get_related_populators(klass_info, select, connection.alias)
            self.annotations = list((compiler.annotation_col_map or {}).items())


class CompiledRead:
    """`build(**markers)` is the queryset, given a marker for each of `slots` (name: str or
    int); `rows(**values)` and `instances(**values)` run it with those values."""

    def __init__(self, build: Callable[..., QuerySet], *, using: str = "default", **slots):
        self._build = build
        self._using = using
        self._markers = {
            name: (_TEXT_MARKER.format(name) if kind is str else _NUMBER_MARKER - i)
            for i, (name, kind) in enumerate(slots.items())
        }
        # One plan per connection (each thread has its own): its converters belong to it.
        self._plans = weakref.WeakKeyDictionary()

    def _plan(self, connection) -> _Plan:
        plan = self._plans.get(connection)
        if plan is None:
            plan = _Plan(self._build(**self._markers), self._markers, connection)
            self._plans[connection] = plan
        return plan

    def _run(self, values: dict):
        connection = connections[self._using]
        plan = self._plan(connection)
        params = list(plan.params)
        for name, positions in plan.slots.items():
            value = values[name]
            for i in positions:
                params[i] = value
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, params)
            rows = cursor.fetchall()
        if plan.col_count is not None:
            rows = [row[: plan.col_count] for row in rows]
        if plan.converters:
            rows = list(_converted(rows, plan.converters, connection))
        return plan, rows

    def rows(self, **values) -> list:
        """The rows, as the select list has them (a values_list's tuples, converted)."""
        return self._run(values)[1]

    def instances(self, *, known: dict | None = None, **values) -> list:
        """The rows as model instances, with their select_related rows and annotations.
        `known`: objects already read that each instance refers to ({field name: object}),
        set on them as a related manager's queryset sets its instance."""
        plan, rows = self._run(values)
        db = self._using
        known = list((known or {}).items())
        found = []
        for row in rows:
            obj = plan.model.from_db(db, plan.init_list, row[plan.model_slice])
            for populator in plan.populators:
                populator.populate(row, obj)
            for name, position in plan.annotations:
                setattr(obj, name, row[position])
            for name, value in known:
                obj._state.fields_cache[name] = value
            found.append(obj)
        return found


def _converted(rows, converters, connection):
    for row in map(list, rows):
        for position, (convert, expression) in converters:
            value = row[position]
            for converter in convert:
                value = converter(value, expression, connection)
            row[position] = value
        yield row


def prefetched(instance, name: str, objects: list, model) -> None:
    """Store `objects` as `instance`'s prefetched `name` (a reverse relation), as
    prefetch_related does: `instance.<name>.all()` then reads them without a query."""
    queryset = QuerySet(model=model)
    queryset._result_cache = objects
    queryset._prefetch_done = True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[name] = queryset
