"""QIDO-RS query parameters (PS3.18 8.3.4) parsed into a checked query, or a 400 a person reads."""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from assist_web.archive.store import uid_is_valid
from assist_web.dicomweb.attributes import BY_KEYWORD, Attribute, Level, Match, resolve_keyword
from assist_web.dicomweb.errors import BadRequest

# Larger than any worklist page a viewer asks for; past it clients page with offset, and one
# request cannot make the server build an unbounded answer.
MAX_RESULTS = 10_000
_TIME = re.compile(r"^\d{2}(\d{2}(\d{2}(\.\d{1,6})?)?)?$")
_UID_SEPARATORS = re.compile(r"[\\,]")
# Past any archive's row count, and within the databases' integer range (a larger OFFSET is an
# error there, not an empty page).
_LARGEST = 2**31 - 1


@dataclass(frozen=True)
class Filter:
    attribute: Attribute
    value: str


@dataclass(frozen=True)
class QidoQuery:
    level: Level
    filters: tuple[Filter, ...] = ()
    include: frozenset[str] = frozenset()  # keywords asked for with includefield
    include_all: bool = False
    limit: int = MAX_RESULTS
    offset: int = 0
    fuzzy: bool = False
    study_uid: str | None = None  # scope from the URL
    series_uid: str | None = None


def qido_query_parse(
    *,
    level: Level,
    params: Mapping[str, Sequence[str]],
    study_uid: str | None = None,
    series_uid: str | None = None,
) -> QidoQuery:
    for uid in (study_uid, series_uid):
        if uid is not None and not uid_is_valid(uid):
            raise BadRequest(f"'{uid}' in the URL is not a valid DICOM UID.")
    filters: list[Filter] = []
    include: set[str] = set()
    include_all = False
    limit, offset, fuzzy = MAX_RESULTS, 0, False
    for name, values in params.items():
        key = name.lower()
        if key == "limit":
            limit = _integer(name, values[-1], minimum=1, maximum=_LARGEST)
            limit = min(limit, MAX_RESULTS)
        elif key == "offset":
            offset = _integer(name, values[-1], minimum=0, maximum=_LARGEST)
        elif key == "fuzzymatching":
            fuzzy = _boolean(name, values[-1])
        elif key == "includefield":
            for field in (f.strip() for v in values for f in v.split(",")):
                if field.lower() == "all":
                    include_all = True
                elif field:
                    include.add(_keyword(field))
        else:
            attribute = _matching_attribute(name, level)
            for value in values:
                if value:
                    _check_value(attribute, value)
                    filters.append(Filter(attribute, value))
                else:
                    include.add(attribute.keyword)  # empty value: universal match, return it
    return QidoQuery(
        level=level,
        filters=tuple(filters),
        include=frozenset(include),
        include_all=include_all,
        limit=limit,
        offset=offset,
        fuzzy=fuzzy,
        study_uid=study_uid,
        series_uid=series_uid,
    )


def _keyword(name: str) -> str:
    keyword = resolve_keyword(name)
    if keyword is None:
        raise BadRequest(f"'{name}' is not a DICOM attribute keyword or tag.")
    return keyword


def _matching_attribute(name: str, level: Level) -> Attribute:
    keyword = _keyword(name)
    if level == Level.STUDY and keyword == "Modality":
        keyword = "ModalitiesInStudy"  # what a study-level search by modality means
    attribute = BY_KEYWORD.get(keyword)
    if attribute is None or attribute.match == Match.NONE:
        searchable = ", ".join(a.keyword for a in BY_KEYWORD.values() if a.match != Match.NONE)
        raise BadRequest(f"{keyword} cannot be used to search here. Searchable: {searchable}.")
    if attribute.level > level:
        raise BadRequest(
            f"{keyword} is a {attribute.level.name.lower()}-level attribute; it cannot be "
            f"matched in a {level.name.lower()}-level search."
        )
    return attribute


def _integer(name: str, value: str, *, minimum: int, maximum: int | None = None) -> int:
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number, not '{value}'.") from None
    if number < minimum:
        raise BadRequest(f"{name} must be at least {minimum}.")
    if maximum is not None and number > maximum:
        raise BadRequest(f"{name} must be at most {maximum}.")
    return number


def _boolean(name: str, value: str) -> bool:
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise BadRequest(f"{name} must be 'true' or 'false', not '{value}'.")


def uid_list(value: str) -> list[str]:
    return [uid.strip() for uid in _UID_SEPARATORS.split(value) if uid.strip()]


def date_range(value: str) -> tuple[str | None, str | None]:
    """'20200101' -> same bounds; '20200101-' and '-20201231' are open ranges."""
    low, dash, high = value.partition("-")
    return (low or None, high or None) if dash else (value, value)


def _check_value(attribute: Attribute, value: str) -> None:
    keyword = attribute.keyword
    if attribute.match == Match.UID:
        uids = uid_list(value)
        bad = [uid for uid in uids if not uid_is_valid(uid)]
        if bad or not uids:
            raise BadRequest(f"{keyword}: '{(bad or [value])[0]}' is not a valid DICOM UID.")
    elif attribute.match in (Match.DATE, Match.TIME):
        low, high = date_range(value)
        if low is None and high is None:
            raise BadRequest(f"{keyword}: a range needs at least one end.")
        for bound in (b for b in (low, high) if b is not None):
            if not _valid_date_or_time(attribute.match, bound):
                form = "YYYYMMDD" if attribute.match == Match.DATE else "HHMMSS"
                raise BadRequest(
                    f"{keyword}: '{bound}' is not a {form} value; use {form}, "
                    f"{form}-{form}, -{form} or {form}-."
                )
    elif attribute.match == Match.INTEGER:
        _integer(keyword, value, minimum=-(2**31))


def _valid_date_or_time(match: Match, value: str) -> bool:
    if match == Match.TIME:
        return bool(_TIME.match(value))
    try:
        datetime.strptime(value, "%Y%m%d")  # noqa: DTZ007 - a calendar date, no zone
    except ValueError:
        return False
    return len(value) == 8
