"""New objects written to the file store and indexed, a whole batch at once.

A batch (the parts of one STOW request, the files of one upload) is indexed in one transaction:
a few queries per series instead of several per instance, and one commit. Should the batch
collide with a concurrent writer, it falls back to one transaction per instance. A refused
object leaves nothing behind, neither a file nor a row.
"""

from django.db import IntegrityError, OperationalError, transaction

from assist_web.archive.indexing import SeriesIndex, arrivals_count, instances_insert
from assist_web.archive.ingest_candidates import Candidate, known_result
from assist_web.archive.ingest_results import (
    IngestResult,
    Outcome,
    header_result,
    refusal_result,
)
from assist_web.archive.models import Instance, Series
from assist_web.archive.refusals import DicomRejected
from assist_web.archive.store import FileStore, Temporary, Writing, file_store


def batch_store(candidates: list[Candidate], results: list[IngestResult | None]) -> None:
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


def _index_batch(
    candidates: list[Candidate],
    writing: Writing,
    results: list[IngestResult | None],
    store: FileStore,
) -> None:
    with transaction.atomic():
        index = SeriesIndex()
        accepted: list[tuple[Candidate, Instance]] = []
        for candidate in candidates:
            try:
                series = index.series_for(candidate.header)
                row = _instance_row(candidate, series, store)
            except DicomRejected as refusal:
                results[candidate.position] = refusal_result(refusal)
                continue
            accepted.append((candidate, row))
        files = dict(zip((c.position for c in candidates), writing.wait(), strict=True))
        rows: list[tuple[Candidate, Instance, Temporary]] = [
            (c, row, files[c.position]) for c, row in accepted
        ]
        instances_insert(rows=[row for _, row, _ in rows])
        store.promote([(temporary, row.path) for _, row, temporary in rows])
        arrivals_count(rows=[row for _, row, _ in rows], added=index.added)
        for candidate, _, _ in rows:
            results[candidate.position] = header_result(Outcome.STORED, candidate.header)


def _index_one(candidate: Candidate, store: FileStore) -> IngestResult:
    sop_uid = candidate.header.text("SOPInstanceUID")
    known = (
        Instance.objects.filter(sop_instance_uid=sop_uid).values_list("sha256", flat=True).first()
    )
    if known is not None:
        return known_result(candidate, known)
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
        return refusal_result(refusal)
    except IntegrityError:
        known = (
            Instance.objects.filter(sop_instance_uid=sop_uid)
            .values_list("sha256", flat=True)
            .first()
        )
        if known is None:
            raise
        return known_result(candidate, known)
    finally:
        writing.discard()
    return header_result(Outcome.STORED, candidate.header)


def _instance_row(candidate: Candidate, series: Series, store: FileStore) -> Instance:
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


def _int_or_none(value: object) -> int | None:
    try:
        return int(value) if value not in (None, "") else None  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None
