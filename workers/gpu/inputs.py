"""The four sequences of a study as volumes, in the bundle's channel order, with the T1c as the
grid the contours are drawn on."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydicom import Dataset

from workers.geometry import Volume, resample_to, volume_from_datasets
from workers.geometry.resample import same_frame_check
from workers.gpu.errors import PermanentError

REFERENCE = "T1c"  # contrast-enhanced 3D: the finest grid, and the one contours are drawn on


@dataclass(frozen=True, eq=False)
class StudyVolumes:
    reference: Volume  # the T1c as acquired
    sources: tuple[Volume, ...]  # one per bundle channel, as acquired

    def on(self, grid: Volume) -> tuple[Volume, ...]:
        """Every channel resampled straight onto ``grid`` through patient coordinates.

        Straight from each acquisition, not through the T1c grid: on a 1 mm T1c that detour
        costs an interpolation of 8 M voxels per sequence and blurs the inputs twice.
        """
        return tuple(v if v is grid else resample_to(v, grid) for v in self.sources)

    def channel_on_reference(self, index: int) -> Volume:
        """Channel ``index`` on the T1c grid."""
        source = self.sources[index]
        return source if source is self.reference else resample_to(source, self.reference)


def volumes_on_reference(volumes: Mapping[str, Volume],
                         channels: Sequence[str]) -> StudyVolumes:
    """The sequences a model needs, with the T1c as the grid the contours are drawn on."""
    missing = [name for name in channels if name not in volumes]
    if missing or REFERENCE not in volumes:
        raise PermanentError(
            f"The study lacks the {', '.join(missing or [REFERENCE])} series the model needs.")
    reference = volumes[REFERENCE]
    for name in channels:  # a different frame of reference fails here, before any work
        same_frame_check(volumes[name], reference)
    return StudyVolumes(reference=reference, sources=tuple(volumes[name] for name in channels))


def study_volumes(series: Mapping[str, Sequence[Dataset]],
                  channels: Sequence[str]) -> StudyVolumes:
    """Decode each series (GeometryError if one is not a regular grid) and align them."""
    empty = [name for name in channels if not series.get(name)]
    if empty:
        raise PermanentError(f"The study has no images for {', '.join(empty)}.")
    volumes = {name: volume_from_datasets(series[name]) for name in channels}
    return volumes_on_reference(volumes, channels)
