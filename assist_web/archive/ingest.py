"""The one way an object enters the archive, whatever path it came by.

Browser upload, STOW-RS, C-STORE and PACS pulls all call ``instances_ingest`` (or
``instance_ingest`` for one object). The SOP Instance UID is an object's identity: an identical
second copy is a no-op, a different object under a UID already stored is refused. A refused
object leaves nothing behind, neither a file nor a row.

A batch (the parts of one STOW request, the files of one upload) is indexed in one transaction:
a few queries per series instead of several per instance, and one commit. Should the batch
collide with a concurrent writer, it falls back to one transaction per instance.
"""

import hashlib
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from pydicom.dataset import Dataset

from assist_web.archive.deidentify import dataset_deidentify
from assist_web.archive.dicomjson import instance_json
from assist_web.archive.indexing import SeriesIndex
from assist_web.archive.models import Instance, Series, SiteSettings, Study
from assist_web.archive.parsing import DicomRejected, RefusalKind, parse_part10
from assist_web.archive.store import FileStore, file_store

logger = logging.getLogger(__name__)


class Outcome(StrEnum):
    STORED = "stored"
    DUPLICATE = "duplicate"
    REFUSED = "refused"


@dataclass(frozen=True)
class IngestResult:
    outcome: Outcome
    reason: str = ""
    refusal: RefusalKind | None = None
    sop_class_uid: str = ""
    sop_instance_uid: str = ""
    study_instance_uid: str = ""
    series_instance_uid: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome != Outcome.REFUSED


@dataclass
class _Candidate:
    """An object that parsed and is new to the archive, waiting to be indexed."""

    position: int
    dataset: Dataset
    data: bytes
    sha256: str
    transfer_syntax_uid: str
    metadata: str
    temporary: Path | None = None


def instance_ingest(*, data: bytes, expected_study_uid: str | None = None) -> IngestResult:
    return instances_ingest(items=[data], expected_study_uid=expected_study_uid)[0]


def instances_ingest(
    *, items: Sequence[bytes], expected_study_uid: str | None = None
) -> list[IngestResult]:
    """Ingest each object independently; one result per item, in order."""
    results: list[IngestResult | None] = [None] * len(items)
    deidentify = SiteSettings.current().deidentify_on_ingest
    candidates: list[_Candidate] = []
    for position, data in enumerate(items):
        try:
            candidates.append(_prepare(position, data, deidentify, expected_study_uid))
        except DicomRejected as refusal:
            results[position] = _refused(refusal)
    candidates = _drop_known(candidates, results)
    if candidates:
        store = file_store()
        for candidate in candidates:
            candidate.temporary = store.write_temporary(candidate.data)
        try:
            _index_batch(candidates, results, store)
        except IntegrityError:
            # A concurrent writer stored one of these UIDs first; sort it out one by one.
            for candidate in candidates:
                results[candidate.position] = _index_one(candidate, store)
        finally:
            for candidate in candidates:
                if candidate.temporary is not None:
                    candidate.temporary.unlink(missing_ok=True)
    return [r for r in results if r is not None]


def _prepare(
    position: int, data: bytes, deidentify: bool, expected_study_uid: str | None
) -> _Candidate:
    parsed = parse_part10(data)
    ds = parsed.dataset
    if deidentify:
        try:
            data = dataset_deidentify(ds)
        except (ValueError, TypeError, AttributeError, KeyError, OverflowError):
            raise DicomRejected(
                "The object could not be de-identified; it may be malformed.",
                sop_class_uid=str(ds.SOPClassUID),
                sop_instance_uid=str(ds.SOPInstanceUID),
            ) from None
    if expected_study_uid and ds.StudyInstanceUID != expected_study_uid:
        raise DicomRejected(
            "The object belongs to another study than the one in the request URL.",
            kind=RefusalKind.CONFLICT,
            sop_class_uid=str(ds.SOPClassUID),
            sop_instance_uid=str(ds.SOPInstanceUID),
        )
    try:
        metadata = instance_json(ds, transfer_syntax_uid=parsed.transfer_syntax_uid)
    except (ValueError, TypeError, AttributeError, KeyError, OverflowError):
        raise DicomRejected(
            "The object has attribute values that cannot be read; it may be malformed.",
            sop_class_uid=str(ds.SOPClassUID),
            sop_instance_uid=str(ds.SOPInstanceUID),
        ) from None
    return _Candidate(
        position=position,
        dataset=ds,
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        transfer_syntax_uid=parsed.transfer_syntax_uid,
        metadata=metadata,
    )


def _drop_known(
    candidates: list[_Candidate], results: list[IngestResult | None]
) -> list[_Candidate]:
    """Answer objects already stored (or repeated in this batch); return the new ones."""
    uids = [str(c.dataset.SOPInstanceUID) for c in candidates]
    known = dict(
        Instance.objects.filter(sop_instance_uid__in=uids).values_list("sop_instance_uid", "sha256")
    )
    fresh: list[_Candidate] = []
    for candidate in candidates:
        uid = str(candidate.dataset.SOPInstanceUID)
        if uid in known:
            results[candidate.position] = _known(candidate, known[uid])
            continue
        known[uid] = candidate.sha256
        fresh.append(candidate)
    return fresh


def _known(candidate: _Candidate, stored_sha256: str) -> IngestResult:
    if stored_sha256 == candidate.sha256:
        return _result(
            Outcome.DUPLICATE, candidate.dataset, "Already stored; identical copy ignored."
        )
    return _refused(
        DicomRejected(
            "A different object with this SOP Instance UID is already stored; the archive keeps "
            "the first one. Give a corrected object a new SOP Instance UID.",
            kind=RefusalKind.DUPLICATE_UID,
            sop_class_uid=str(candidate.dataset.SOPClassUID),
            sop_instance_uid=str(candidate.dataset.SOPInstanceUID),
        )
    )


def _index_batch(
    candidates: list[_Candidate], results: list[IngestResult | None], store: FileStore
) -> None:
    with transaction.atomic():
        index = SeriesIndex()
        rows: list[tuple[_Candidate, Instance]] = []
        for candidate in candidates:
            try:
                series = index.series_for(candidate.dataset)
            except DicomRejected as refusal:
                results[candidate.position] = _refused(refusal)
                continue
            rows.append((candidate, _instance_row(candidate, series, store)))
        Instance.objects.bulk_create([row for _, row in rows])
        _count_arrivals([row for _, row in rows])
        for candidate, row in rows:
            store.promote(_take_temporary(candidate), row.path)
            results[candidate.position] = _result(Outcome.STORED, candidate.dataset)


def _index_one(candidate: _Candidate, store: FileStore) -> IngestResult:
    known = (
        Instance.objects.filter(sop_instance_uid=candidate.dataset.SOPInstanceUID)
        .values_list("sha256", flat=True)
        .first()
    )
    if known is not None:
        return _known(candidate, known)
    try:
        with transaction.atomic():
            row = _instance_row(candidate, SeriesIndex().series_for(candidate.dataset), store)
            row.save(force_insert=True)
            _count_arrivals([row])
            store.promote(_take_temporary(candidate), row.path)
    except DicomRejected as refusal:
        return _refused(refusal)
    except IntegrityError:
        known = (
            Instance.objects.filter(sop_instance_uid=candidate.dataset.SOPInstanceUID)
            .values_list("sha256", flat=True)
            .first()
        )
        if known is None:
            raise
        return _known(candidate, known)
    return _result(Outcome.STORED, candidate.dataset)


def _instance_row(candidate: _Candidate, series: Series, store: FileStore) -> Instance:
    ds = candidate.dataset
    return Instance(
        sop_instance_uid=ds.SOPInstanceUID,
        series=series,
        sop_class_uid=ds.SOPClassUID,
        instance_number=_int_or_none(ds.get("InstanceNumber")),
        transfer_syntax_uid=candidate.transfer_syntax_uid,
        rows=_int_or_none(ds.get("Rows")),
        columns=_int_or_none(ds.get("Columns")),
        number_of_frames=_int_or_none(ds.get("NumberOfFrames")) or 1,
        path=store.relative_path(ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID),
        size=len(candidate.data),
        sha256=candidate.sha256,
        metadata=candidate.metadata,
    )


def _count_arrivals(rows: list[Instance]) -> None:
    per_series = Counter(row.series_id for row in rows)
    per_study = Counter(row.series.study_id for row in rows)
    for series_id, count in per_series.items():
        Series.objects.filter(pk=series_id).update(num_instances=F("num_instances") + count)
    now = timezone.now()
    for study_id, count in per_study.items():
        Study.objects.filter(pk=study_id).update(
            num_instances=F("num_instances") + count, last_received_at=now
        )


def _take_temporary(candidate: _Candidate) -> Path:
    assert candidate.temporary is not None
    temporary, candidate.temporary = candidate.temporary, None
    return temporary


def _result(outcome: Outcome, ds: Dataset, reason: str = "") -> IngestResult:
    return IngestResult(
        outcome=outcome,
        reason=reason,
        sop_class_uid=str(ds.SOPClassUID),
        sop_instance_uid=str(ds.SOPInstanceUID),
        study_instance_uid=str(ds.StudyInstanceUID),
        series_instance_uid=str(ds.SeriesInstanceUID),
    )


def _refused(refusal: DicomRejected) -> IngestResult:
    return IngestResult(
        outcome=Outcome.REFUSED,
        reason=refusal.reason,
        refusal=refusal.kind,
        sop_class_uid=refusal.sop_class_uid,
        sop_instance_uid=refusal.sop_instance_uid,
    )


def _int_or_none(value: object) -> int | None:
    try:
        return int(value) if value not in (None, "") else None  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None
