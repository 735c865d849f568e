"""UIDs of a job's SEG and RTSTRUCT, derived from the job rather than drawn at random.

A duplicated or redelivered task that gets past the claim (or a retried STOW) then stores
objects under the same UIDs, which the archive treats as the same instances, not new ones.
"""

from dataclasses import dataclass

from pydicom.uid import generate_uid


@dataclass(frozen=True)
class ResultUids:
    seg_series: str
    seg_sop: str
    rtstruct_series: str
    rtstruct_sop: str


def result_uids(*, study_uid: str, job_id: int, model_sha256: str) -> ResultUids:
    def uid(*what: str) -> str:
        return str(generate_uid(entropy_srcs=["assist-inference", study_uid, str(job_id),
                                              model_sha256, *what]))

    return ResultUids(
        seg_series=uid("SEG", "series"),
        seg_sop=uid("SEG", "instance"),
        rtstruct_series=uid("RTSTRUCT", "series"),
        rtstruct_sop=uid("RTSTRUCT", "instance"),
    )
