"""One study from images to contours, in memory: the steps every inference job runs.

No HTTP here: ``job`` fetches the series and stores the results; tests and the benchmark call
``study_contour`` directly on phantom datasets.
"""

from collections.abc import Callable, Mapping, Sequence

import torch
from pydicom import Dataset

from workers.dicom_out import Algorithm
from workers.gpu.bundle import Bundle
from workers.gpu.inputs import REFERENCE, study_volumes
from workers.gpu.results import StudyResult, results_write
from workers.gpu.segment import device_select, study_probabilities
from workers.gpu.targets import ORDER, USED_OUTPUTS, Margins, structures_build, volumes_ml
from workers.gpu.uids import ResultUids

Progress = Callable[[int, str], None]  # (percent, stage)


def _quiet(percent: int, stage: str) -> None:
    """No progress reporting (tests, the benchmark)."""


def study_contour(series: Mapping[str, Sequence[Dataset]], bundle: Bundle, *,
                  margins: Margins, uids: ResultUids, progress: Progress = _quiet,
                  device: torch.device | None = None) -> StudyResult:
    """``series`` maps the bundle's channel names (T1, T1c, T2, FLAIR) to their images."""
    progress(30, "preparing")
    volumes = study_volumes(series, bundle.channels)
    progress(40, "segmenting")
    probabilities = study_probabilities(bundle, volumes, device or device_select(),
                                        USED_OUTPUTS)
    progress(75, "contouring")
    # The T1 on the T1c grid is needed only to strip the skull when the model predicts no
    # brain; resampling it (and no other channel) costs 40 ms on a 1 mm grid.
    t1 = None
    if "Brain" not in probabilities and "T1" in bundle.channels:
        t1 = volumes.channel_on_reference(bundle.channels.index("T1"))
    masks = structures_build(probabilities, volumes.reference, threshold=bundle.threshold,
                             margins=margins, t1=t1)
    masks = {name: masks[name] for name in ORDER}
    algorithm = Algorithm(name=bundle.name, version=bundle.version)
    return results_write(reference=series[REFERENCE], masks=masks, algorithm=algorithm,
                         uids=uids, volumes_ml=volumes_ml(masks, volumes.reference.spacing))
