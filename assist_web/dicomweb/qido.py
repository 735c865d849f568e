"""QIDO-RS searches (PS3.18 10.6) answered from the index tables, never from files."""

import functools
import json
from dataclasses import dataclass
from typing import Any

from django.db import connection
from pydicom.datadict import tag_for_keyword

from assist_web.archive.dicomjson import BASE_PLACEHOLDER
from assist_web.archive.models import Instance, Series, Study
from assist_web.dicomweb.attributes import ATTRIBUTES, Attribute, Level
from assist_web.dicomweb.qido_query import QidoQuery
from assist_web.dicomweb.qido_sql import Statement, attribute_column, model_column, statement_filter

# The UIDs that name each result in its URL, from the study down to the level searched.
_URL_UIDS = (
    ("studies", Study, "study_instance_uid"),
    ("series", Series, "series_instance_uid"),
    ("instances", Instance, "sop_instance_uid"),
)
_INDEXED = frozenset(a.keyword for a in ATTRIBUTES)
_ONLINE = "00080056"  # InstanceAvailability
_URL = "00081190"  # RetrieveURL


@dataclass(frozen=True)
class SearchResult:
    items: list[dict[str, Any]]
    study_uids: list[str]
    truncated: bool


def qido_search(*, query: QidoQuery, base_url: str) -> SearchResult:
    statement = Statement(query.level)
    url_parts = [
        (name, statement.select(model_column(model, field)))
        for name, model, field in _URL_UIDS[: query.level + 1]
    ]
    # (tag, row index, attribute), sorted by tag below so that each item is written in order;
    # InstanceAvailability and RetrieveURL are no columns and are filled in per row.
    returned = [(a.tag, statement.select(attribute_column(a)), a) for a in _returned(query)]
    metadata = None
    if query.level == Level.INSTANCE and (query.include_all or _unindexed(query)):
        metadata = statement.select(model_column(Instance, "metadata"))
    statement_filter(statement, query)
    sql, params = statement.sql(limit=query.limit + 1, offset=query.offset)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    truncated = len(rows) > query.limit
    rows = rows[: query.limit]
    layout = sorted([*returned, (_ONLINE, -1, None), (_URL, -1, None)])
    wanted = None if query.include_all else {_tag(k) for k in _unindexed(query)}
    items = []
    for row in rows:
        url = base_url + "".join(f"/{name}/{row[index]}" for name, index in url_parts)
        item = {
            tag: element(attribute, row[index])
            if attribute is not None
            else _url_or_online(tag, url)
            for tag, index, attribute in layout
        }
        if metadata is not None:
            item = _with_metadata(item, row[metadata], base_url, wanted)
        items.append(item)
    study_index = url_parts[0][1]
    return SearchResult(
        items=items,
        study_uids=sorted({row[study_index] for row in rows}),
        truncated=truncated,
    )


def _url_or_online(tag: str, url: str) -> dict[str, Any]:
    if tag == _URL:
        return {"vr": "UR", "Value": [url]}
    return {"vr": "CS", "Value": ["ONLINE"]}


def _with_metadata(
    item: dict[str, Any], text: str, base_url: str, wanted: set[str] | None
) -> dict[str, Any]:
    """Unindexed includefield values, from the instance's stored DICOM JSON; the indexed
    values win where both have an attribute."""
    stored = json.loads(text.replace(BASE_PLACEHOLDER, base_url))
    extra = {t: v for t, v in stored.items() if wanted is None or t in wanted}
    return dict(sorted({**extra, **item}.items()))


def _unindexed(query: QidoQuery) -> set[str]:
    return set(query.include) - _INDEXED


def _returned(query: QidoQuery) -> tuple[Attribute, ...]:
    return _returned_for(
        query.level,
        query.include | {f.attribute.keyword for f in query.filters},
        query.include_all,
        scoped=(bool(query.study_uid), bool(query.series_uid)),
    )


@functools.lru_cache(maxsize=256)
def _returned_for(
    level: Level, asked: frozenset[str], include_all: bool, *, scoped: tuple[bool, bool]
) -> tuple[Attribute, ...]:
    # Searches come in a few shapes (a worklist, a study's series), so this is worked out once
    # for each: asked holds the includefield keywords and those matched on.
    scoped_levels = {lvl for lvl, s in zip((Level.STUDY, Level.SERIES), scoped, strict=True) if s}
    chosen = []
    for attribute in ATTRIBUTES:
        if attribute.level > level:
            continue
        wanted = attribute.default and attribute.level not in scoped_levels
        if attribute.keyword in ("StudyInstanceUID", "SeriesInstanceUID"):
            wanted = True  # a client needs them to build the next URL
        if wanted or include_all or attribute.keyword in asked:
            chosen.append(attribute)
    return tuple(chosen)


def _tag(keyword: str) -> str:
    return f"{tag_for_keyword(keyword):08X}"


def element(attribute: Attribute, value: object) -> dict[str, Any]:
    """One DICOM JSON attribute (PS3.18 F.2.2); an empty value is present without 'Value'."""
    if value is None or value == "":
        return {"vr": attribute.vr}
    if attribute.vr == "PN":
        return {"vr": "PN", "Value": [{"Alphabetic": str(value)}]}
    if attribute.vr in ("IS", "US"):
        return {"vr": attribute.vr, "Value": [int(value)]}  # type: ignore[call-overload]
    if attribute.keyword == "ModalitiesInStudy":
        return {"vr": "CS", "Value": str(value).split("\\")}
    return {"vr": attribute.vr, "Value": [str(value)]}
