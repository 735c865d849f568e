"""An AI revision as the gpu worker leaves it: a phantom T1c in the archive, with a SEG and an
RTSTRUCT of all five structures drawn from the phantom's ground truth."""

import io
from dataclasses import dataclass

import numpy as np
from pydicom import Dataset, dcmread

from assist_web.archive.ingest import instances_ingest
from assist_web.archive.models import Study
from assist_web.contours.models import Revision, StructureSet
from assist_web.inference.models import ModelVersion
from workers.dicom_out import Algorithm, rtstruct_write, seg_write
from workers.geometry import series_sort
from workers.phantoms import Phantom, PhantomFiles, Sequence
from workers.phantoms.tissue import Label, Tissue
from workers.structures import clip, expand_mm

ORDER = ("GTV", "Edema", "CTV", "PTV", "Brain")
_BRAIN_TISSUES = [Tissue.CSF, Tissue.GREY, Tissue.WHITE, Tissue.OEDEMA, Tissue.ENHANCING,
                  Tissue.NECROSIS]  # fmt: skip


@dataclass(frozen=True)
class ReviewCase:
    """The phantom and its files, made once per test session."""

    phantom: Phantom
    files: PhantomFiles


@dataclass(frozen=True, eq=False)
class ArchivedAiRevision:
    revision: Revision
    study: Study
    reference: list[Dataset]  # the T1c images in slice order (sorted along the normal)
    masks: dict[str, np.ndarray]  # on that order, as the SEG holds them
    spacing: tuple[float, float, float]

    @property
    def instances(self) -> list[str]:
        return [str(ds.SOPInstanceUID) for ds in self.reference]

    @property
    def shape(self) -> tuple[int, int, int]:
        return self.masks["Brain"].shape  # type: ignore[return-value]


def _part10(ds: Dataset) -> bytes:
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def truth_structures(
    phantom: Phantom, spacing: tuple[float, float, float]
) -> dict[str, np.ndarray]:
    """The five structures as the AI would draw them, in the phantom's stored slice order."""
    labels = phantom.labels
    gtv = np.isin(labels, [Label.NECROTIC_CORE, Label.ENHANCING_TUMOUR])
    edema = labels > 0
    brain = np.isin(phantom.tissue, _BRAIN_TISSUES) | edema
    ctv = clip(expand_mm(gtv, spacing, 15.0), brain)
    ptv = expand_mm(ctv, spacing, 3.0)
    return {"GTV": gtv, "Edema": edema, "CTV": ctv, "PTV": ptv, "Brain": brain}


def archived_ai_revision(case: ReviewCase, model_version: ModelVersion) -> ArchivedAiRevision:
    """Ingest the T1c, then the AI's SEG and RTSTRUCT on it; revision 1 of a new set."""
    paths = case.files.series[Sequence.T1C]
    datasets = [dcmread(path) for path in paths]  # file k holds stored slice k
    series = series_sort(datasets)
    stored_at = {id(ds): k for k, ds in enumerate(datasets)}
    order = [stored_at[id(ds)] for ds in series.datasets]
    stored = truth_structures(case.phantom, series.spacing)
    masks = {name: stored[name][order] for name in ORDER}
    algorithm = Algorithm(name=model_version.name, version=model_version.version)
    seg = seg_write(reference=datasets, masks=masks, algorithm=algorithm)
    rtstruct = rtstruct_write(reference=datasets, masks=masks, algorithm=algorithm)
    items = [path.read_bytes() for path in paths] + [_part10(seg), _part10(rtstruct)]
    results = instances_ingest(items=items)
    assert all(r.ok for r in results), [r.reason for r in results if not r.ok]
    study = Study.objects.get(study_instance_uid=results[0].study_instance_uid)
    voxel_ml = float(np.prod(series.spacing)) / 1000.0
    revision = Revision.objects.create(
        structure_set=StructureSet.objects.create(study=study),
        number=1,
        source=Revision.Source.AI,
        model_version=model_version,
        seg_sop_instance_uid=str(seg.SOPInstanceUID),
        rtstruct_sop_instance_uid=str(rtstruct.SOPInstanceUID),
        structures=[
            {"name": name, "volume_ml": round(float(masks[name].sum()) * voxel_ml, 2)}
            for name in ORDER
        ],
    )
    return ArchivedAiRevision(
        revision=revision,
        study=study,
        reference=list(series.datasets),
        masks=masks,
        spacing=series.spacing,
    )
