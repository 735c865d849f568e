"""A revision whose SEG and RTSTRUCT are real objects in the archive, drawn on a small MR series."""

import io
from dataclasses import dataclass

import numpy as np
from pydicom import Dataset

from assist_web.accounts.models import User
from assist_web.archive.ingest import instances_ingest
from assist_web.archive.models import Study
from assist_web.contours.approval import revision_approve
from assist_web.contours.models import Approval, Revision, StructureSet
from workers.dicom_out import Algorithm, rtstruct_write, seg_write
from workers.geometry.synthetic import series_build

SHAPE = (6, 32, 32)  # slices, rows, columns: small, but every slice a real MR image
MODEL = Algorithm(name="ASSIST SegResNet", version="2026.1.0")


@dataclass(frozen=True)
class ArchivedRevision:
    revision: Revision
    study: Study
    rtstruct: bytes  # the files exactly as the archive received them
    seg: bytes


def _part10(ds: Dataset) -> bytes:
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def _masks() -> dict[str, np.ndarray]:
    rows, columns = np.indices(SHAPE[1:])
    disc = (rows - 16) ** 2 + (columns - 15) ** 2 <= 36
    gtv = np.zeros(SHAPE, dtype=bool)
    gtv[1:5] = disc
    brain = np.zeros(SHAPE, dtype=bool)
    brain[:, 2:30, 2:30] = True
    return {"GTV": gtv, "Brain": brain}


def archived_revision(*, author: User | None = None) -> ArchivedRevision:
    """Ingest an MR series with a SEG and an RTSTRUCT on it; revision 1 points at both."""
    reference = series_build(np.full(SHAPE, 100, dtype=np.uint16))
    masks = _masks()
    seg = _part10(seg_write(reference=reference, masks=masks, algorithm=MODEL))
    rtstruct = _part10(rtstruct_write(reference=reference, masks=masks, algorithm=MODEL))
    results = instances_ingest(items=[*(_part10(ds) for ds in reference), seg, rtstruct])
    assert all(r.ok for r in results), [r.reason for r in results if not r.ok]
    study = Study.objects.get(study_instance_uid=reference[0].StudyInstanceUID)
    revision = Revision.objects.create(
        structure_set=StructureSet.objects.create(study=study),
        number=1,
        source=Revision.Source.HUMAN,
        author=author,
        seg_sop_instance_uid=results[-2].sop_instance_uid,
        rtstruct_sop_instance_uid=results[-1].sop_instance_uid,
        structures=[{"name": "GTV", "volume_ml": 0.4}, {"name": "Brain", "volume_ml": 10.0}],
    )
    return ArchivedRevision(revision=revision, study=study, rtstruct=rtstruct, seg=seg)


def approved(archived: ArchivedRevision, physician: User) -> Approval:
    """Sign the revision off as ``physician`` (whose test password is <username>-pass-2026)."""
    return revision_approve(
        revision=archived.revision,
        user=physician,
        password=f"{physician.get_username()}-pass-2026",
    )
