"""The one way an object enters the archive, whatever path it came by.

Browser upload, STOW-RS, C-STORE and PACS pulls all call ``instances_ingest`` (or
``instance_ingest`` for one object). The SOP Instance UID is an object's identity: an identical
second copy is a no-op, a different object under a UID already stored is refused. A refused
object leaves nothing behind, neither a file nor a row.

A batch (the parts of one STOW request, the files of one upload) is indexed in one transaction:
a few queries per series instead of several per instance, and one commit. Should the batch
collide with a concurrent writer, it falls back to one transaction per instance.
"""

import errno
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from django.db import IntegrityError, OperationalError, transaction

from assist_web.archive.deidentify import dataset_deidentify
from assist_web.archive.header import Header
from assist_web.archive.indexing import (
    SeriesIndex,
    arrivals_count,
    instances_insert,
    stored_checksums,
)
from assist_web.archive.models import Instance, Series, SiteSettings
from assist_web.archive.parsing import parse_part10
from assist_web.archive.reading import DAMAGED
from assist_web.archive.refusals import DicomRejected, RefusalKind
from assist_web.archive.store import FileStore, Temporary, Writing, file_store

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
    header: Header
    data: bytes
    sha256: str
    transfer_syntax_uid: str
    metadata: str


def instance_ingest(
    *, data: bytes, expected_study_uid: str | None = None, derived: bool = False
) -> IngestResult:
    return instances_ingest(items=[data], expected_study_uid=expected_study_uid, derived=derived)[0]


def instances_ingest(
    *, items: Sequence[bytes], expected_study_uid: str | None = None, derived: bool = False
) -> list[IngestResult]:
    """Ingest each object independently; one result per item, in order.

    ``derived``: the objects were made by this site or its gpu workers from images already in
    the archive (SEG, RTSTRUCT), or are the archive's own files indexed again
    (``archive_check --repair``). They are never de-identified: their patient, study and
    referenced UIDs already are the archive's, and remapping them again would detach them
    from their images.
    """
    results: list[IngestResult | None] = [None] * len(items)
    deidentify = not derived and SiteSettings.deidentifies_on_ingest()
    candidates: list[_Candidate] = []
    for position, data in enumerate(items):
        try:
            candidates.append(_prepare(position, data, deidentify, expected_study_uid))
        except DicomRejected as refusal:
            results[position] = _refused(refusal)
    candidates = _drop_known(candidates, results)
    if candidates:
        try:
            _store(candidates, results)
        except OSError as error:
            # The storage failed (a full disk): the transaction rolled back, no file was named.
            logger.error("Storage failed for %d object(s): %s", len(candidates), error.strerror)
            for candidate in candidates:
                if results[candidate.position] is None:
                    results[candidate.position] = _refused(_storage_refusal(error, candidate))
    return [r for r in results if r is not None]


def _prepare(
    position: int, data: bytes, deidentify: bool, expected_study_uid: str | None
) -> _Candidate:
    header = parse_part10(data)
    if deidentify:
        try:
            data = dataset_deidentify(header.dataset)
        except DAMAGED:
            raise DicomRejected(
                "The object could not be de-identified; it may be malformed.",
                sop_class_uid=header.text("SOPClassUID"),
                sop_instance_uid=header.text("SOPInstanceUID"),
            ) from None
        header = Header.of(header.dataset, data=data)  # the values changed
    if expected_study_uid and header.text("StudyInstanceUID") != expected_study_uid:
        raise DicomRejected(
            "The object belongs to another study than the one in the request URL.",
            kind=RefusalKind.CONFLICT,
            sop_class_uid=header.text("SOPClassUID"),
            sop_instance_uid=header.text("SOPInstanceUID"),
        )
    try:
        metadata = header.json_text()
    except DAMAGED:
        raise DicomRejected(
            "The object has attribute values that cannot be read; it may be malformed.",
            sop_class_uid=header.text("SOPClassUID"),
            sop_instance_uid=header.text("SOPInstanceUID"),
        ) from None
    return _Candidate(
        position=position,
        header=header,
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        transfer_syntax_uid=header.transfer_syntax_uid,
        metadata=metadata,
    )


def _drop_known(
    candidates: list[_Candidate], results: list[IngestResult | None]
) -> list[_Candidate]:
    """Answer objects already stored (or repeated in this batch); return the new ones."""
    known = stored_checksums(sop_uids=[c.header.text("SOPInstanceUID") for c in candidates])
    fresh: list[_Candidate] = []
    for candidate in candidates:
        uid = candidate.header.text("SOPInstanceUID")
        if uid in known:
            results[candidate.position] = _known(candidate, known[uid])
            continue
        known[uid] = candidate.sha256
        fresh.append(candidate)
    return fresh


def _known(candidate: _Candidate, stored_sha256: str) -> IngestResult:
    if stored_sha256 == candidate.sha256:
        return _result(
            Outcome.DUPLICATE, candidate.header, "Already stored; identical copy ignored."
        )
    return _refused(
        DicomRejected(
            "A different object with this SOP Instance UID is already stored; the archive keeps "
            "the first one. Give a corrected object a new SOP Instance UID.",
            kind=RefusalKind.DUPLICATE_UID,
            sop_class_uid=candidate.header.text("SOPClassUID"),
            sop_instance_uid=candidate.header.text("SOPInstanceUID"),
        )
    )


def _store(candidates: list[_Candidate], results: list[IngestResult | None]) -> None:
    store = file_store()
    # The files are written and flushed while the index is looked up.
    writing = store.write([c.data for c in candidates])
    try:
        _index_batch(candidates, writing, results, store)
    except (IntegrityError, OperationalError) as error:
        if isinstance(error, OperationalError) and not _concurrent_writers(error):
            raise
        # A concurrent writer stored one of these UIDs first, or two batches waited for each
        # other (both making the same new series, in another order): one by one instead.
        writing.discard()
        for candidate in candidates:
            results[candidate.position] = _index_one(candidate, store)
    finally:
        writing.discard()  # those not stored


def _concurrent_writers(error: OperationalError) -> bool:
    """The database rolled the transaction back for another's sake: a deadlock (SQLSTATE
    40P01) or a serialization failure (40001)."""
    return getattr(error.__cause__, "sqlstate", None) in ("40P01", "40001")


def _storage_refusal(error: OSError, candidate: _Candidate) -> DicomRejected:
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        problem = "The archive's storage is full"
    else:
        problem = f"The archive could not write to its storage ({error.strerror or 'I/O error'})"
    return DicomRejected(
        f"{problem}; nothing of this object was stored. Send it again once the site's IT has "
        "fixed that.",
        kind=RefusalKind.OUT_OF_RESOURCES,
        sop_class_uid=candidate.header.text("SOPClassUID"),
        sop_instance_uid=candidate.header.text("SOPInstanceUID"),
    )


def _index_batch(
    candidates: list[_Candidate],
    writing: Writing,
    results: list[IngestResult | None],
    store: FileStore,
) -> None:
    with transaction.atomic():
        index = SeriesIndex()
        accepted: list[tuple[_Candidate, Instance]] = []
        for candidate in candidates:
            try:
                series = index.series_for(candidate.header)
                row = _instance_row(candidate, series, store)
            except DicomRejected as refusal:
                results[candidate.position] = _refused(refusal)
                continue
            accepted.append((candidate, row))
        files = dict(zip((c.position for c in candidates), writing.wait(), strict=True))
        rows: list[tuple[_Candidate, Instance, Temporary]] = [
            (c, row, files[c.position]) for c, row in accepted
        ]
        instances_insert(rows=[row for _, row, _ in rows])
        store.promote([(temporary, row.path) for _, row, temporary in rows])
        arrivals_count(rows=[row for _, row, _ in rows], added=index.added)
        for candidate, _, _ in rows:
            results[candidate.position] = _result(Outcome.STORED, candidate.header)


def _index_one(candidate: _Candidate, store: FileStore) -> IngestResult:
    sop_uid = candidate.header.text("SOPInstanceUID")
    known = (
        Instance.objects.filter(sop_instance_uid=sop_uid).values_list("sha256", flat=True).first()
    )
    if known is not None:
        return _known(candidate, known)
    writing = store.write([candidate.data])
    try:
        with transaction.atomic():
            index = SeriesIndex()
            row = _instance_row(candidate, index.series_for(candidate.header), store)
            [temporary] = writing.wait()
            row.save(force_insert=True)
            store.promote([(temporary, row.path)])
            arrivals_count(rows=[row], added=index.added)
    except DicomRejected as refusal:
        return _refused(refusal)
    except IntegrityError:
        known = (
            Instance.objects.filter(sop_instance_uid=sop_uid)
            .values_list("sha256", flat=True)
            .first()
        )
        if known is None:
            raise
        return _known(candidate, known)
    finally:
        writing.discard()
    return _result(Outcome.STORED, candidate.header)


def _instance_row(candidate: _Candidate, series: Series, store: FileStore) -> Instance:
    header = candidate.header
    sop_uid = header.text("SOPInstanceUID")
    return Instance(
        sop_instance_uid=sop_uid,
        series=series,
        sop_class_uid=header.text("SOPClassUID"),
        instance_number=_int_or_none(header.get("InstanceNumber")),
        transfer_syntax_uid=candidate.transfer_syntax_uid,
        rows=_int_or_none(header.get("Rows")),
        columns=_int_or_none(header.get("Columns")),
        number_of_frames=_int_or_none(header.get("NumberOfFrames")) or 1,
        path=store.relative_path(
            header.text("StudyInstanceUID"), header.text("SeriesInstanceUID"), sop_uid
        ),
        size=len(candidate.data),
        sha256=candidate.sha256,
        metadata=candidate.metadata,
    )


def _result(outcome: Outcome, header: Header, reason: str = "") -> IngestResult:
    return IngestResult(
        outcome=outcome,
        reason=reason,
        sop_class_uid=header.text("SOPClassUID"),
        sop_instance_uid=header.text("SOPInstanceUID"),
        study_instance_uid=header.text("StudyInstanceUID"),
        series_instance_uid=header.text("SeriesInstanceUID"),
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
