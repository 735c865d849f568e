"""The four sequences of a study as volumes on the T1c grid, in the bundle's channel order."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydicom import Dataset

from workers.geometry import Volume, resample_to, volume_from_datasets
from workers.gpu.errors import PermanentError

REFERENCE = "T1c"  # contrast-enhanced 3D: the finest grid, and the one contours are drawn on


@dataclass(frozen=True, eq=False)
class StudyVolumes:
    reference: Volume  # the T1c as acquired
    channels: tuple[Volume, ...]  # one per bundle channel, all on the reference grid


def volumes_on_reference(volumes: Mapping[str, Volume],
                         channels: Sequence[str]) -> StudyVolumes:
    """Resample every sequence onto the T1c grid through patient coordinates."""
    missing = [name for name in channels if name not in volumes]
    if missing or REFERENCE not in volumes:
        raise PermanentError(
            f"The study lacks the {', '.join(missing or [REFERENCE])} series the model needs.")
    reference = volumes[REFERENCE]
    resampled = tuple(
        reference if name == REFERENCE else resample_to(volumes[name], reference)
        for name in channels
    )
    return StudyVolumes(reference=reference, channels=resampled)


def study_volumes(series: Mapping[str, Sequence[Dataset]],
                  channels: Sequence[str]) -> StudyVolumes:
    """Decode each series (GeometryError if one is not a regular grid) and align them."""
    empty = [name for name in channels if not series.get(name)]
    if empty:
        raise PermanentError(f"The study has no images for {', '.join(empty)}.")
    volumes = {name: volume_from_datasets(series[name]) for name in channels}
    return volumes_on_reference(volumes, channels)
