"""Queries of a fixed shape, compiled once per process and database, run with new values.

Every signed-in request reads the same few rows by the same few keys: the user by id, their
memberships and their steering group seat by user id. Building each of those through the
ORM (a queryset, its filter, its compiler's SQL) cost several times what running it did
(about 0.3 ms of CPU for the user alone, against 0.05 ms for the query). A `FixedQuery` builds
its queryset once with a marker value, keeps the compiled SQL and the compiler, and then
only binds the value, runs the SQL and turns the rows into model instances through the ORM's
own converters and populators (`select_related` included), as the queryset would.

The query runs through `connection.cursor()`, so execute wrappers, query counting and
PostgreSQL's prepared statements see it like any other.
"""

from typing import Any, NamedTuple

from django.db import connections, router
from django.db.models.query import get_related_populators

# Stands for the value while compiling: an integer (it passes an integer field's checks)
# that no real key has.
MARKER = -738_291_045


class _Plan(NamedTuple):
    connection: Any  # the connection it was compiled for
    compiler: Any  # its converters and selected columns turn rows into values
    sql: str
    params: list
    slot: int  # where the value goes in params
    model: Any
    start: int  # the model's columns in a row
    end: int
    names: list  # their attribute names
    populators: list  # select_related's instances


class FixedQuery:
    """`build(value)` returns the queryset for one value (an integer: an id); `.all(value)`
    returns its instances as the queryset would."""

    def __init__(self, build):
        self._build = build
        self._plans: dict[str, _Plan] = {}

    def _plan(self, alias: str) -> _Plan:
        connection = connections[alias]
        plan = self._plans.get(alias)
        # A connection object is per thread: compile again for another one.
        if plan is None or plan[0] is not connection:
            queryset = self._build(MARKER)
            compiler = queryset.query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            slots = [i for i, param in enumerate(params) if param == MARKER]
            if len(slots) != 1 or compiler.annotation_col_map:
                raise ValueError("A fixed query binds its value once and has no annotations.")
            info = compiler.klass_info
            fields = info["select_fields"]
            start, end = fields[0], fields[-1] + 1
            names = [column[0].target.attname for column in compiler.select[start:end]]
            plan = self._plans[alias] = _Plan(
                connection,
                compiler,
                sql,
                list(params),
                slots[0],
                info["model"],
                start,
                end,
                names,
                get_related_populators(info, compiler.select, alias),
            )
        return plan

    def all(self, value: int) -> list:
        alias = router.db_for_read(self._model())
        plan = self._plan(alias)
        params = plan.params.copy()
        params[plan.slot] = value
        with plan.connection.cursor() as cursor:
            cursor.execute(plan.sql, params)
            rows = cursor.fetchall()
        found = []
        for row in plan.compiler.results_iter(results=[rows]):
            obj = plan.model.from_db(alias, plan.names, row[plan.start : plan.end])
            for populator in plan.populators:
                populator.populate(row, obj)
            found.append(obj)
        return found

    def _model(self):
        model = getattr(self, "_model_class", None)
        if model is None:
            model = self._model_class = self._build(MARKER).model
        return model
