"""QIDO-RS searches (PS3.18 10.6) answered from the index tables, never from files."""

import json
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from pydicom.datadict import tag_for_keyword

from assist_web.archive.dicomjson import BASE_PLACEHOLDER
from assist_web.archive.models import Instance, Series, Study
from assist_web.dicomweb.attributes import ATTRIBUTES, Attribute, Level, Match, field_path
from assist_web.dicomweb.qido_query import Filter, QidoQuery, date_range, uid_list

_MODELS: dict[Level, type[Model]] = {
    Level.STUDY: Study,
    Level.SERIES: Series,
    Level.INSTANCE: Instance,
}
_ORDER: dict[Level, tuple[str, ...]] = {
    # Newest studies first, as a worklist reads; pk breaks ties so paging is stable.
    Level.STUDY: ("-study_date", "-study_time", "-pk"),
    Level.SERIES: ("study_id", "series_number", "pk"),
    Level.INSTANCE: ("series_id", "instance_number", "pk"),
}
_STUDY_PK = {Level.STUDY: "pk", Level.SERIES: "study_id", Level.INSTANCE: "series__study_id"}


@dataclass(frozen=True)
class SearchResult:
    items: list[dict[str, Any]]
    study_uids: list[str]
    truncated: bool


def qido_search(*, query: QidoQuery, base_url: str) -> SearchResult:
    level = query.level
    returned = _returned_attributes(query)
    queryset = _filtered(query)
    paths = {field_path(a, level) for a in returned} | set(_uid_paths(level).values())
    extra_from_metadata = level == Level.INSTANCE and (query.include_all or _unindexed(query))
    if extra_from_metadata:
        paths.add("metadata")
    rows = list(queryset.values(*paths)[query.offset : query.offset + query.limit + 1])
    truncated = len(rows) > query.limit
    rows = rows[: query.limit]
    items = [_item(row, returned, query, base_url) for row in rows]
    study_path = _uid_paths(level)["study"]
    return SearchResult(
        items=items,
        study_uids=sorted({row[study_path] for row in rows}),
        truncated=truncated,
    )


def _uid_paths(level: Level) -> dict[str, str]:
    prefix = {Level.STUDY: "", Level.SERIES: "study__", Level.INSTANCE: "series__study__"}
    paths = {"study": prefix[level] + "study_instance_uid"}
    if level >= Level.SERIES:
        paths["series"] = ("series__" if level == Level.INSTANCE else "") + "series_instance_uid"
    if level == Level.INSTANCE:
        paths["instance"] = "sop_instance_uid"
    return paths


def _unindexed(query: QidoQuery) -> set[str]:
    indexed = {a.keyword for a in ATTRIBUTES}
    return set(query.include) - indexed


def _returned_attributes(query: QidoQuery) -> list[Attribute]:
    matched = {f.attribute.keyword for f in query.filters}
    scoped_levels = set()
    if query.study_uid:
        scoped_levels.add(Level.STUDY)
    if query.series_uid:
        scoped_levels.add(Level.SERIES)
    chosen = []
    for attribute in ATTRIBUTES:
        if attribute.level > query.level:
            continue
        wanted = attribute.default and attribute.level not in scoped_levels
        if attribute.keyword in ("StudyInstanceUID", "SeriesInstanceUID"):
            wanted = True  # a client needs them to build the next URL
        if wanted or query.include_all or attribute.keyword in query.include | matched:
            chosen.append(attribute)
    return chosen


def _filtered(query: QidoQuery) -> QuerySet[Any]:
    level = query.level
    conditions = [_condition(item, level, query.fuzzy) for item in query.filters]
    uids = _uid_paths(level)
    if query.study_uid:
        conditions.append(Q(**{uids["study"]: query.study_uid}))
    if query.series_uid:
        conditions.append(Q(**{uids["series"]: query.series_uid}))
    # One filter() call: each call copies the whole query.
    queryset = _MODELS[level].objects.filter(*conditions)  # type: ignore[attr-defined]
    return queryset.order_by(*_ORDER[level])


def _condition(item: Filter, level: Level, fuzzy: bool) -> Q:
    attribute, value = item.attribute, item.value
    path = field_path(attribute, level)
    if attribute.match == Match.UID:
        return Q(**{f"{path}__in": uid_list(value)})
    if attribute.match in (Match.DATE, Match.TIME):
        low, high = date_range(value)
        if low == high:
            return Q(**{path: low})
        condition = ~Q(**{path: ""})
        if low:
            condition &= Q(**{f"{path}__gte": low})
        if high:
            # A time bound '10' must admit '105959.9': compare against the bound's upper end.
            bound = high if attribute.match == Match.DATE else high + "\uffff"
            condition &= Q(**{f"{path}__lte": bound})
        return condition
    if attribute.match == Match.INTEGER:
        return Q(**{path: int(value)})
    if attribute.match == Match.MODALITIES:
        modalities = [m.strip() for m in re.split(r"[\\,]", value) if m.strip()]
        series = Series.objects.filter(study_id=OuterRef(_STUDY_PK[level]), modality__in=modalities)
        return Q(Exists(series))
    insensitive = attribute.match == Match.PERSON_NAME
    if fuzzy and insensitive and "*" not in value and "?" not in value:
        # Fuzzy person-name matching: any name component that starts with the value.
        return Q(**{f"{path}__iregex": r"(^|[\^= ])" + re.escape(value)})
    return _wildcard(path, value, insensitive=insensitive)


def _wildcard(path: str, value: str, *, insensitive: bool) -> Q:
    if "*" not in value and "?" not in value:
        return Q(**{f"{path}__{'iexact' if insensitive else 'exact'}": value})
    if insensitive and value.endswith("*") and "*" not in value[:-1] and "?" not in value:
        return Q(**{f"{path}__istartswith": value[:-1]})
    pattern = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in value)
    return Q(**{f"{path}__{'iregex' if insensitive else 'regex'}": f"^{pattern}$"})


def _item(
    row: dict[str, Any], returned: list[Attribute], query: QidoQuery, base_url: str
) -> dict[str, Any]:
    level = query.level
    item: dict[str, Any] = {}
    if "metadata" in row:
        # Unindexed includefield values come from the instance's stored DICOM JSON.
        metadata = json.loads(row["metadata"].replace(BASE_PLACEHOLDER, base_url))
        wanted = None if query.include_all else {_tag(k) for k in _unindexed(query)}
        item.update({t: v for t, v in metadata.items() if wanted is None or t in wanted})
    for attribute in returned:
        item[attribute.tag] = element(attribute, row[field_path(attribute, level)])
    uids = _uid_paths(level)
    url = f"{base_url}/studies/{row[uids['study']]}"
    if level >= Level.SERIES:
        url += f"/series/{row[uids['series']]}"
    if level == Level.INSTANCE:
        url += f"/instances/{row[uids['instance']]}"
    item["00080056"] = {"vr": "CS", "Value": ["ONLINE"]}
    item["00081190"] = {"vr": "UR", "Value": [url]}
    return dict(sorted(item.items()))


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
