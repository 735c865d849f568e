"""A QIDO-RS query as one parameterised SQL statement over the index tables.

Compiling the equivalent queryset cost the ORM more CPU than running the query and writing the
answer together (about half of a study search). A search is a few known kinds of condition
over four tables joined by their foreign keys, so it is written here directly. Each condition
takes the backend's own lookup operator and cast (``connection.operators``, ``lookup_cast``)
and prepares its value as the ORM lookup it replaces did, so SQLite and PostgreSQL match
exactly as before. Only table and column names from the models' meta are interpolated;
every value is a parameter.
"""

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import Model

from assist_web.archive.models import Instance, Patient, Series, Study
from assist_web.archive.sql_names import column_name, table_name
from assist_web.dicomweb.attributes import Attribute, Level, Match
from assist_web.dicomweb.qido_query import Filter, QidoQuery, date_range, uid_list

# Each table with the one above it: instance -> series -> study -> patient.
_CHAIN: tuple[tuple[type[Model], str, str | None], ...] = (
    (Instance, "i", "series"),
    (Series, "se", "study"),
    (Study, "st", "patient"),
    (Patient, "pa", None),
)
Param = str | int
_START = {Level.INSTANCE: 0, Level.SERIES: 1, Level.STUDY: 2}
_DEPTH = {alias: depth for depth, (_, alias, _) in enumerate(_CHAIN)}
_MODEL_OF_LEVEL: dict[Level, type[Model]] = {
    Level.STUDY: Study,
    Level.SERIES: Series,
    Level.INSTANCE: Instance,
}
_ORDER: dict[Level, tuple[tuple[type[Model], str, str], ...]] = {
    # Newest studies first, as a worklist reads; the primary key breaks ties so paging is stable.
    Level.STUDY: (
        (Study, "study_date", "DESC"),
        (Study, "study_time", "DESC"),
        (Study, "id", "DESC"),
    ),
    Level.SERIES: (
        (Series, "study", "ASC"),
        (Series, "series_number", "ASC"),
        (Series, "id", "ASC"),
    ),
    Level.INSTANCE: (
        (Instance, "series", "ASC"),
        (Instance, "instance_number", "ASC"),
        (Instance, "id", "ASC"),
    ),
}


@dataclass(frozen=True)
class Column:
    alias: str  # of its table in the statement
    name: str  # quoted

    @property
    def sql(self) -> str:
        return f"{self.alias}.{self.name}"


@functools.cache
def model_column(model: type[Model], field: str) -> Column:
    alias = next(a for m, a, _ in _CHAIN if m is model)
    return Column(alias, column_name(model, field))


@functools.cache
def attribute_column(attribute: Attribute) -> Column:
    """Where an attribute is stored: its ``field`` path followed from its level's model."""
    model = _MODEL_OF_LEVEL[attribute.level]
    *relations, name = attribute.field.split("__")
    for relation in relations:
        model = model._meta.get_field(relation).related_model  # type: ignore[assignment]
    return model_column(model, name)


@functools.cache
def _joins(level: Level, depth: int) -> str:
    """FROM the searched table, joined up the chain to the table at ``depth``."""
    start = _START[level]
    model, alias, _ = _CHAIN[start]
    tables = [f"{table_name(model)} {alias}"]
    for (child_model, child, key), (parent, alias, _) in zip(
        _CHAIN[start:depth], _CHAIN[start + 1 : depth + 1], strict=True
    ):
        foreign, primary = column_name(child_model, key or ""), column_name(parent, "id")
        tables.append(f"JOIN {table_name(parent)} {alias} ON {child}.{foreign} = {alias}.{primary}")
    return " ".join(tables)


class Statement:
    """A SELECT being written: its columns, conditions and parameters, and the tables they need."""

    def __init__(self, level: Level) -> None:
        self.level = level
        self.columns: dict[Column, int] = {}  # each with its index in a result row
        self._conditions: list[str] = []
        self._params: list[Param] = []
        self._depth = _START[level]  # the highest table of _CHAIN that must be joined
        for model, field, _ in _ORDER[level]:
            self._need(model_column(model, field))

    def select(self, column: Column) -> int:
        """The index of ``column`` in each result row, adding it if it is new."""
        index = self.columns.get(column)
        if index is None:
            self._need(column)
            index = self.columns[column] = len(self.columns)
        return index

    def where(self, sql: str, params: Sequence[Param], *, uses: Column) -> None:
        self._need(uses)
        self._conditions.append(sql)
        self._params.extend(params)

    def _need(self, column: Column) -> None:
        self._depth = max(self._depth, _DEPTH[column.alias])

    def sql(self, *, limit: int, offset: int) -> tuple[str, list[Param]]:
        order = ", ".join(f"{model_column(m, f).sql} {d}" for m, f, d in _ORDER[self.level])
        where = f" WHERE {' AND '.join(self._conditions)}" if self._conditions else ""
        text = (
            f"SELECT {', '.join(c.sql for c in self.columns)} "  # noqa: S608 - names only
            f"FROM {_joins(self.level, self._depth)}{where} ORDER BY {order} LIMIT %s OFFSET %s"
        )
        return text, [*self._params, limit, offset]


def statement_filter(statement: Statement, query: QidoQuery) -> None:
    """Add the query's conditions: its matching keys and the study or series of its URL."""
    for item in query.filters:
        _condition(statement, item, query.fuzzy)
    for model, field, uid in (
        (Study, "study_instance_uid", query.study_uid),
        (Series, "series_instance_uid", query.series_uid),
    ):
        if uid:
            column = model_column(model, field)
            statement.where(f"{column.sql} = %s", [uid], uses=column)


def _lookup(statement: Statement, column: Column, lookup: str, value: Param) -> None:
    # The SQL the ORM writes for ``field__<lookup>=value`` on this backend.
    lhs = connection.ops.lookup_cast(lookup) % column.sql
    operator = connection.operators[lookup]
    statement.where(f"{lhs} {operator % '%s'}", [value], uses=column)


def _condition(statement: Statement, item: Filter, fuzzy: bool) -> None:
    attribute, value = item.attribute, item.value
    column = attribute_column(attribute)
    if attribute.match == Match.UID:
        uids = uid_list(value)
        statement.where(f"{column.sql} IN ({', '.join(['%s'] * len(uids))})", uids, uses=column)
    elif attribute.match in (Match.DATE, Match.TIME):
        if "-" not in value:  # single value matching (PS3.4 C.2.2.2.1)
            _lookup(statement, column, "exact", value)
            return
        # A range, also one whose ends are equal: '1010-1010' is all of 10:10.
        low, high = date_range(value)
        statement.where(f"NOT ({column.sql} = %s)", [""], uses=column)  # unknown: in no range
        if low:
            _lookup(statement, column, "gte", low)
        if high:
            # A time bound '10' must admit '105959.9': compare against the bound's upper end.
            bound = high if attribute.match == Match.DATE else high + "\uffff"
            _lookup(statement, column, "lte", bound)
    elif attribute.match == Match.INTEGER:
        _lookup(statement, column, "exact", int(value))
    elif attribute.match == Match.MODALITIES:
        _modalities(statement, [m.strip() for m in re.split(r"[\\,]", value) if m.strip()])
    elif fuzzy and attribute.match == Match.PERSON_NAME and "*" not in value and "?" not in value:
        # Fuzzy person-name matching: any name component that starts with the value.
        _lookup(statement, column, "iregex", r"(^|[\^= ])" + re.escape(value))
    else:
        _wildcard(statement, column, value, insensitive=attribute.match == Match.PERSON_NAME)


def _modalities(statement: Statement, modalities: list[str]) -> None:
    """Any series of the study has one of ``modalities``."""
    study = model_column(Study, "id")
    if not modalities:
        statement.where("1 = 0", [], uses=study)  # nothing listed, nothing matches
        return
    modality, study_key = (column_name(Series, f) for f in ("modality", "study"))
    statement.where(
        f"EXISTS (SELECT 1 FROM {table_name(Series)} m "  # noqa: S608 - names only
        f"WHERE m.{study_key} = {study.sql} AND m.{modality} IN "
        f"({', '.join(['%s'] * len(modalities))}))",
        modalities,
        uses=study,
    )


def _wildcard(statement: Statement, column: Column, value: str, *, insensitive: bool) -> None:
    ops = connection.ops
    if "*" not in value and "?" not in value:
        if insensitive:
            _lookup(statement, column, "iexact", ops.prep_for_iexact_query(value))
        else:
            _lookup(statement, column, "exact", value)
    elif insensitive and value.endswith("*") and "*" not in value[:-1] and "?" not in value:
        _lookup(statement, column, "istartswith", ops.prep_for_like_query(value[:-1]) + "%")
    else:
        pattern = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in value)
        _lookup(statement, column, "iregex" if insensitive else "regex", f"^{pattern}$")
