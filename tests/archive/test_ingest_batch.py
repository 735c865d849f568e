"""A batch is indexed with a few plain statements; what it writes must be what the ORM wrote,
and a batch that collides with another writer must still fall back to one object at a time."""

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from assist_web.archive import indexing, ingest, ingest_batch
from assist_web.archive.ingest import Outcome, instance_ingest, instances_ingest
from assist_web.archive.models import Instance, Patient, Series, Study
from tests.dicom_files import mr_slice, to_bytes

pytestmark = pytest.mark.django_db

STUDY_UID = "1.2.826.0.1.3680043.8.498.77"
SERIES_UID = "1.2.826.0.1.3680043.8.498.77.1"


def _slice(number: int) -> bytes:
    return to_bytes(
        mr_slice(study_uid=STUDY_UID, series_uid=SERIES_UID, instance_number=number, seed=number)
    )


def test_a_batch_writes_every_row_and_count(data_dir: Path) -> None:
    before = timezone.now()
    items = [_slice(n) for n in (1, 2, 3)]

    results = instances_ingest(items=items)

    assert [r.outcome for r in results] == [Outcome.STORED] * 3
    rows = list(Instance.objects.order_by("instance_number"))
    assert [r.instance_number for r in rows] == [1, 2, 3]
    for row, data in zip(rows, items, strict=True):
        assert (row.rows, row.columns, row.number_of_frames) == (16, 16, 1)
        assert row.size == len(data)
        assert row.transfer_syntax_uid == "1.2.840.10008.1.2.1"
        assert row.created_at >= before
        assert (data_dir / "dicom" / row.path).read_bytes() == data
        assert row.metadata.startswith("{")
    assert Series.objects.get().num_instances == 3
    study = Study.objects.get()
    assert (study.num_series, study.num_instances) == (1, 3)
    assert study.last_received_at >= before


def test_a_new_study_gets_its_patient_study_and_series_rows_from_the_header() -> None:
    before = timezone.now()
    ds = mr_slice(study_uid=STUDY_UID, series_uid=SERIES_UID, patient_id="PAT-9")
    ds.IssuerOfPatientID, ds.PatientSex, ds.StudyID = "LUND", "F", "S7"
    ds.StudyDescription, ds.ReferringPhysicianName = "Brain tumour", "Ek^Anna"
    ds.SeriesDescription, ds.BodyPartExamined, ds.SeriesNumber = "T1 +C", "HEAD", 4

    instances_ingest(items=[to_bytes(ds)])

    patient = Patient.objects.get()
    assert (patient.patient_id, patient.issuer, patient.name, patient.birth_date, patient.sex) == (
        "PAT-9", "LUND", "Doe^Jane", "19700101", "F"
    )  # fmt: skip
    study = Study.objects.get()
    assert (study.study_instance_uid, study.patient, study.study_date, study.study_time) == (
        STUDY_UID, patient, "20260101", "101010"
    )  # fmt: skip
    assert (study.accession_number, study.study_id) == ("ACC1", "S7")
    assert study.description == "Brain tumour"
    assert (study.referring_physician, study.modalities) == ("Ek^Anna", "MR")
    assert (study.num_series, study.num_instances) == (1, 1)
    assert study.created_at >= before and study.last_received_at >= before
    series = Series.objects.get()
    assert (series.series_instance_uid, series.study, series.modality) == (SERIES_UID, study, "MR")
    assert (series.series_number, series.description, series.body_part) == (4, "T1 +C", "HEAD")
    assert series.frame_of_reference_uid == ds.FrameOfReferenceUID
    assert series.num_instances == 1


def test_each_new_series_adds_its_modality_to_the_study_once() -> None:
    seg = mr_slice(study_uid=STUDY_UID, series_uid=SERIES_UID + ".2", sop_uid="1.2.3.9")
    seg.Modality = "SEG"
    second_mr = mr_slice(study_uid=STUDY_UID, series_uid=SERIES_UID + ".3", sop_uid="1.2.3.8")

    instances_ingest(items=[_slice(1), to_bytes(seg)])
    instances_ingest(items=[to_bytes(second_mr)])

    study = Study.objects.get()
    assert (study.num_series, study.num_instances, study.modalities) == (3, 3, "MR\\SEG")


@pytest.mark.django_db(transaction=True)
def test_requests_storing_a_new_series_at_once_make_one_series_row() -> None:
    batches = [[_slice(n), _slice(n + 10)] for n in range(1, 5)]
    start = threading.Barrier(len(batches))
    outcomes: list[Outcome] = []

    def store(items: list[bytes]) -> None:
        start.wait()
        try:
            outcomes.extend(r.outcome for r in instances_ingest(items=items))
        finally:
            connection.close()

    threads = [threading.Thread(target=store, args=(b,)) for b in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert outcomes == [Outcome.STORED] * 8
    assert Patient.objects.count() == 1
    study = Study.objects.get()
    assert (study.num_series, study.num_instances, study.modalities) == (1, 8, "MR")
    assert Series.objects.get().num_instances == 8


def _concurrently(batches: list[list[bytes]]) -> list[Outcome]:
    outcomes: list[Outcome] = []
    start = threading.Barrier(len(batches))

    def store(items: list[bytes]) -> None:
        start.wait()
        try:
            outcomes.extend(r.outcome for r in instances_ingest(items=items))
        finally:
            connection.close()

    threads = [threading.Thread(target=store, args=(b,)) for b in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def _meeting(count: int) -> Callable[[], None]:
    """Each of ``count`` threads waits for the others here once (or 2 s, where the database
    lets only one writer through at a time)."""
    barrier, met = threading.Barrier(count), threading.local()

    def meet() -> None:
        if not getattr(met, "done", False):
            met.done = True
            try:
                barrier.wait(timeout=2)
            except threading.BrokenBarrierError:
                pass

    return meet


@pytest.mark.django_db(transaction=True)
def test_a_batch_making_a_series_and_one_adding_to_an_old_series_do_not_deadlock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    new_series = SERIES_UID + ".2"
    instances_ingest(items=[_slice(1)])
    meet, count = _meeting(2), indexing.arrivals_count

    def arrivals_count_when_both_are_ready(**kwargs: object) -> None:
        meet()  # both batches have looked up and made their rows
        if len(kwargs["rows"]) == 2:  # type: ignore[arg-type]
            time.sleep(0.3)  # the batch of the old series counts first
        count(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ingest_batch, "arrivals_count", arrivals_count_when_both_are_ready)
    newcomer = mr_slice(study_uid=STUDY_UID, series_uid=new_series, sop_uid="1.2.3.77")

    outcomes = _concurrently([[_slice(2)], [_slice(3), to_bytes(newcomer)]])

    assert outcomes == [Outcome.STORED] * 3
    study = Study.objects.get()
    assert (study.num_series, study.num_instances, study.modalities) == (2, 4, "MR")
    counts = dict(Series.objects.values_list("series_instance_uid", "num_instances"))
    assert counts == {SERIES_UID: 3, new_series: 1}


@pytest.mark.django_db(transaction=True)
def test_batches_making_the_same_new_series_in_opposite_orders_all_store(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first, second = SERIES_UID + ".1", SERIES_UID + ".2"
    meet, insert = _meeting(2), indexing.row_insert_new

    def insert_then_wait(model: type, values: dict[str, object], **kwargs: object) -> bool:
        made = insert(model, values, **kwargs)  # type: ignore[arg-type]
        if model is Series:
            meet()  # each has made one series and now makes the other's: they wait in a circle
        return made

    monkeypatch.setattr(indexing, "row_insert_new", insert_then_wait)
    study_first = mr_slice(study_uid=STUDY_UID, series_uid=first, sop_uid="1.2.3.1")
    prepared = instances_ingest(items=[to_bytes(study_first)])  # the study exists for both
    assert [r.outcome for r in prepared] == [Outcome.STORED]
    a = [to_bytes(mr_slice(study_uid=STUDY_UID, series_uid=s, sop_uid=f"1.2.4.{n}"))
         for n, s in enumerate([second, first + ".9"])]  # fmt: skip
    b = [to_bytes(mr_slice(study_uid=STUDY_UID, series_uid=s, sop_uid=f"1.2.5.{n}"))
         for n, s in enumerate([first + ".9", second])]  # fmt: skip

    outcomes = _concurrently([a, b])

    assert outcomes == [Outcome.STORED] * 4
    study = Study.objects.get()
    assert (study.num_series, study.num_instances) == (3, 5)
    counts = dict(Series.objects.values_list("series_instance_uid", "num_instances"))
    assert counts == {first: 1, second: 2, first + ".9": 2}


def test_a_second_batch_of_the_series_adds_to_its_counts() -> None:
    instances_ingest(items=[_slice(1), _slice(2)])

    instances_ingest(items=[_slice(3)])

    assert Series.objects.get().num_instances == 3
    assert Study.objects.get().num_instances == 3


def test_an_object_another_writer_stores_meanwhile_is_answered_one_by_one(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> None:
    first, second = _slice(1), _slice(2)
    check = ingest.known_drop

    def check_then_another_writer(*args: object) -> object:
        fresh = check(*args)  # type: ignore[arg-type]
        # Between this batch's check and its insert, another request stores the first object.
        monkeypatch.setattr(ingest, "known_drop", check)
        assert instance_ingest(data=first).outcome == Outcome.STORED
        return fresh

    one_by_one: list[object] = []
    index_one = ingest_batch._index_one

    def counted(*args: object) -> object:
        one_by_one.append(args[0])
        return index_one(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(ingest, "known_drop", check_then_another_writer)
    monkeypatch.setattr(ingest_batch, "_index_one", counted)

    results = instances_ingest(items=[first, second])

    assert len(one_by_one) == 2  # the batch's insert collided and was rolled back
    assert [r.outcome for r in results] == [Outcome.DUPLICATE, Outcome.STORED]
    assert Instance.objects.count() == 2
    assert Series.objects.get().num_instances == 2
    assert Study.objects.get().num_instances == 2
    stored = sorted(p.name for p in (data_dir / "dicom").rglob("*.dcm"))
    assert len(stored) == 2
    assert list((data_dir / "dicom").rglob("*.part")) == []  # no temporary left behind
