"""Reads of a fixed shape, compiled to SQL once per database connection, run with new values.

Why: the ORM builds a queryset and compiles it to SQL on every evaluation, and for the reads
nearly every page makes (the signed-in user by id, their memberships and steering group seat,
the home page's decisions and votes awaiting them, the proposal and review pages' proposal,
parties, lawful bases, rounds and timeline) building and compiling cost several times the CPU
that running the query did (for the user alone about 0.3 ms, against 0.05 ms for the query).
A `CompiledRead` builds its queryset once with a marker for each value that changes between
reads (an id, a reference), keeps the compiled SQL and the ORM's plan for turning rows into
values or model instances, and each read binds the values and runs that same statement, which
PostgreSQL also keeps prepared. Instances are built as the ORM's own iterator builds them
(`from_db`, select_related's populators, annotations, the database's converters), so they are
the objects the queryset gives. The SQL runs through `connection.cursor()`: execute wrappers,
query counting and the debug tools see it like any other query.

Limits: only the marked values change. A read whose shape depends on a value (a filter added
or not, an IN list's length, a LIMIT) is not one of these, unless that part of its shape is
declared: a slot of kind `tuple` (distinct integers, an IN list) is compiled once per length,
and a keyword of a read that is not a slot (a LIMIT) is given to `build` as it is and compiled
once per value, so such keywords must be hashable and take few values. A value given for a
slot is bound as it is, without the field's conversions: give what the column holds (an int
for a key, a str for a text column).
"""

import weakref
from collections.abc import Callable

from django.db import connections, router
from django.db.models import QuerySet
from django.db.models.query import get_related_populators

# A marker stands for a value while compiling and must reach the compiled parameters unchanged,
# to be found there: a string for a text column; for a key an integer no row has, within a
# 32-bit integer field's range (the ORM compiles a lookup beyond it to no query at all), one per
# slot and one per item of an IN list.
_TEXT_MARKER = "\x1fcompiled-read-{}\x1f"
_NUMBER_MARKER = -738_291_045
_SLOT_STRIDE = 10_000_000  # the markers of one slot's IN list items follow its own
_KINDS = (str, int, tuple)


class _Plan:
    """One connection's SQL for one shape, and the ORM's state for building its rows."""

    def __init__(self, queryset: QuerySet, markers: dict, connection):
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        self.sql = sql
        self.params = list(params)
        where = {}  # marker: (slot, which item of its IN list or None)
        for name, marker in markers.items():
            if isinstance(marker, tuple):
                where.update((item, (name, j)) for j, item in enumerate(marker))
            else:
                where[marker] = (name, None)
        # (position in the parameters, slot, item): a marker may appear at several positions.
        self.slots = [
            (position, *where[value])
            for position, value in enumerate(self.params)
            if type(value) in (str, int) and value in where
        ]
        missing = set(where.values()).difference((name, j) for _, name, j in self.slots)
        if missing:
            name = sorted(name for name, _ in missing)[0]
            raise ValueError(f"{name!r} is not a parameter of the compiled SQL")
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
    """`build(**markers, **shape)` is the queryset, given a marker for each of `slots` (name:
    its kind, `str`, `int`, or `tuple` for an IN list of integers) and, as they are, a read's
    keywords that are not slots (its shape: a LIMIT, say). `rows(**values)` and
    `instances(**values)` run it with those values. `using`: the database alias; by default
    the router's choice for the model, as the queryset's own (for writing if it locks)."""

    def __init__(self, build: Callable[..., QuerySet], *, using: str | None = None, **slots):
        if any(kind not in _KINDS for kind in slots.values()):
            raise TypeError("A slot's kind is str, int or tuple.")
        self._build = build
        self._using = using
        self._slots = slots
        self._lists = [name for name, kind in slots.items() if kind is tuple]
        self._routes = {}  # shape: (the router's method, the model)
        # Per connection (each thread has its own: a plan's converters belong to it), the plan
        # of each shape.
        self._plans = weakref.WeakKeyDictionary()

    def _markers(self, lengths: tuple) -> dict:
        lengths = iter(lengths)
        markers = {}
        for i, (name, kind) in enumerate(self._slots.items()):
            number = _NUMBER_MARKER - _SLOT_STRIDE * i
            if kind is str:
                markers[name] = _TEXT_MARKER.format(name)
            elif kind is int:
                markers[name] = number
            else:
                markers[name] = tuple(number - 1 - j for j in range(next(lengths)))
        return markers

    def _run(self, values: dict):
        if len(values) == len(self._slots) and not self._lists:
            lengths, shape, key = (), {}, ()  # the usual read: its values and nothing else
        else:
            lengths = tuple(len(values[name]) for name in self._lists)
            shape = {name: value for name, value in values.items() if name not in self._slots}
            key = (lengths, *sorted(shape.items()))
        alias = self._using
        if alias is None:
            route = self._routes.get(key)
            if route is None:
                # Per shape (a shape may read another model). A locking read
                # (select_for_update) goes where writes go, as its queryset's.
                queryset = self._build(**self._markers(lengths), **shape)
                choose = router.db_for_write if queryset._for_write else router.db_for_read
                route = self._routes[key] = (choose, queryset.model)
            alias = route[0](route[1])
        connection = connections[alias]
        plans = self._plans.get(connection)
        if plans is None:
            plans = self._plans[connection] = {}
        plan = plans.get(key)
        if plan is None:
            markers = self._markers(lengths)
            plan = plans[key] = _Plan(self._build(**markers, **shape), markers, connection)
        params = plan.params.copy()
        for position, name, item in plan.slots:
            params[position] = values[name] if item is None else values[name][item]
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, params)
            rows = cursor.fetchall()
        if plan.col_count is not None:
            rows = [row[: plan.col_count] for row in rows]
        if plan.converters:
            rows = list(_converted(rows, plan.converters, connection))
        return plan, alias, rows

    def rows(self, **values) -> list:
        """The rows, as the select list has them (a values_list's tuples, converted)."""
        return self._run(values)[2]

    def instances(self, *, known: dict | None = None, **values) -> list:
        """The rows as model instances, with their select_related rows and annotations.
        `known`: objects already read that each instance refers to ({field name: object}),
        set on them as a related manager's queryset sets its instance."""
        plan, db, rows = self._run(values)
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
    # The relation's own queryset (filtered to `instance`, as prefetch_related's is), so that
    # a further filter on it (`instance.<name>.exclude(...)`) reads that instance's rows, not
    # the whole table.
    queryset = getattr(instance, name).all() if hasattr(instance, name) else QuerySet(model=model)
    queryset._result_cache = objects
    queryset._prefetch_done = True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[name] = queryset


def prefetched_children(parents: list, children, name: str, model, parent: str) -> None:
    """Give each of `parents` the `children` whose `parent` is it, as its prefetched `name`,
    each child's `parent` set to that instance (not read again): what
    prefetch_related(name) gives, from rows read in one query for all the parents."""
    found = {instance.pk: [] for instance in parents}
    for child in children:
        found[getattr(child, f"{parent}_id")].append(child)
    for instance in parents:
        for child in found[instance.pk]:
            child._state.fields_cache[parent] = instance
        prefetched(instance, name, found[instance.pk], model)
