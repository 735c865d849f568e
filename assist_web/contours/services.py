"""Making revisions. There is no update path: a revision, once written, stays as it is."""

from dataclasses import dataclass

from django.db import transaction

from assist_web.contours.models import Revision, StructureSet
from assist_web.inference.models import Job


@dataclass(frozen=True)
class StructureSummary:
    name: str
    volume_ml: float

    def as_json(self) -> dict[str, object]:
        return {"name": self.name, "volume_ml": self.volume_ml}


@transaction.atomic
def revision_create_from_ai(
    *, job: Job, seg_uid: str, rtstruct_uid: str, structures: list[StructureSummary]
) -> Revision:
    """Revision 1 of a new structure set for the job's study, made by the job's model."""
    structure_set = StructureSet.objects.create(study_id=job.study_id)
    return Revision.objects.create(
        structure_set=structure_set,
        number=1,
        parent=None,
        source=Revision.Source.AI,
        model_version_id=job.model_version_id,
        job=job,
        seg_sop_instance_uid=seg_uid,
        rtstruct_sop_instance_uid=rtstruct_uid,
        structures=[s.as_json() for s in structures],
    )
