"""Query expressions the ORM lacks on both our databases (Postgres and SQLite)."""

from __future__ import annotations

from typing import Any

from django.db.models import JSONField, QuerySet, Subquery


class JSONRows(Subquery):
    """The rows of a small related subquery as one JSON list, read as a column
    of the parent's query: a view that needs a handful of related rows (the
    teams covering a channel, who else has a conversation open) gets them
    without a round trip of their own.

    ``queryset`` must select one column named ``row``, a ``JSONObject``:
    ``Team.objects.filter(...).values(row=JSONObject(id="pk", name="name"))``.
    An empty subquery gives ``[]``. Order inside the list is not promised;
    sort in Python where it matters."""

    output_field = JSONField()
    template = "COALESCE((SELECT jsonb_agg(_rows.row) FROM (%(subquery)s) _rows), '[]'::jsonb)"

    def __init__(self, queryset: QuerySet, **extra: Any) -> None:
        if list(queryset.query.annotation_select) != ["row"] or queryset.query.values_select:
            raise ValueError("JSONRows needs .values(row=JSONObject(...)) and nothing else")
        super().__init__(queryset, **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        # json() so each row nests as an object, not as a string of JSON.
        template = (
            "COALESCE((SELECT json_group_array(json(_rows.row)) FROM (%(subquery)s) _rows), '[]')"
        )
        # Subquery.as_sql takes a template; the stubs only know BaseExpression's.
        return self.as_sql(compiler, connection, template=template, **extra_context)  # type: ignore[call-arg]
