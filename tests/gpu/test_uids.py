from pydicom.uid import UID

from workers.gpu.uids import result_uids


def test_uids_depend_only_on_study_job_and_model() -> None:
    one = result_uids(study_uid="1.2.3", job_id=5, model_sha256="a" * 64)
    assert one == result_uids(study_uid="1.2.3", job_id=5, model_sha256="a" * 64)
    assert len({one.seg_series, one.seg_sop, one.rtstruct_series, one.rtstruct_sop}) == 4
    for uid in (one.seg_series, one.seg_sop, one.rtstruct_series, one.rtstruct_sop):
        assert UID(uid).is_valid
    others = [result_uids(study_uid="1.2.4", job_id=5, model_sha256="a" * 64),
              result_uids(study_uid="1.2.3", job_id=6, model_sha256="a" * 64),
              result_uids(study_uid="1.2.3", job_id=5, model_sha256="b" * 64)]
    assert all(other.seg_sop != one.seg_sop for other in others)
