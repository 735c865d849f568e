"""Phantom studies as training and evaluation cases, built in memory (no DICOM round trip).

The volumes are exactly those ``volume_from_datasets`` makes from the written files (a test
checks it), so the model trains on what the pipeline will feed it.
"""

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from workers.geometry import Volume
from workers.gpu.inputs import StudyVolumes, volumes_on_reference
from workers.phantoms import PROFILES, Label, Phantom, Sequence, SeriesVolume, Tissue
from workers.phantoms import make_phantom as _make_phantom

# The site's sequence names (the REST API's "sequences" keys) for the phantom's series.
SEQUENCE_NAMES = {Sequence.T1: "T1", Sequence.T1C: "T1c", Sequence.T2: "T2",
                  Sequence.FLAIR: "FLAIR"}
SITES = tuple(PROFILES)  # every scanner look, so the model meets each site's contrast
_INTRACRANIAL = (Tissue.CSF, Tissue.GREY, Tissue.WHITE, Tissue.OEDEMA, Tissue.ENHANCING,
                 Tissue.NECROSIS)


@dataclass(frozen=True, eq=False)
class PhantomCase:
    seed: int
    site: str
    volumes: StudyVolumes
    truth: dict[str, np.ndarray]  # boolean masks on the T1c grid: TC, WT, ET, Brain


def case_site(seed: int) -> str:
    """Sites take turns by seed, so any run of consecutive seeds covers all of them."""
    return SITES[seed % len(SITES)]


def series_volume(series: SeriesVolume, frame_of_reference_uid: str) -> Volume:
    affine = series.geometry.affine_lps()[:, [2, 1, 0, 3]]  # (column, row, slice) -> ours
    geometry = series.geometry
    return Volume(
        array=series.pixels.astype(np.float32),
        affine=affine,
        spacing=(float(geometry.slice_spacing), float(geometry.pixel_spacing[0]),
                 float(geometry.pixel_spacing[1])),
        sop_instance_uids=(),
        frame_of_reference_uid=frame_of_reference_uid,
    )


def truth_masks(phantom: Phantom) -> dict[str, np.ndarray]:
    labels = phantom.labels
    whole = labels > 0
    brain = ndimage.binary_fill_holes(np.isin(phantom.tissue, _INTRACRANIAL) | whole)
    return {
        "TC": (labels == Label.NECROTIC_CORE) | (labels == Label.ENHANCING_TUMOUR),
        "WT": whole,
        "ET": labels == Label.ENHANCING_TUMOUR,
        "Brain": brain,
    }


def phantom_case(seed: int, grid: str, channels: tuple[str, ...]) -> PhantomCase:
    site = case_site(seed)
    phantom = _make_phantom(seed, site=site, grid=grid)
    frame = phantom.identity.frame_of_reference_uid
    volumes = {SEQUENCE_NAMES[s]: series_volume(v, frame) for s, v in phantom.series.items()}
    return PhantomCase(seed=seed, site=site, volumes=volumes_on_reference(volumes, channels),
                       truth=truth_masks(phantom))


def seed_range(text: str) -> list[int]:
    """'9000-9009' or '1,2,5' -> seeds."""
    seeds: list[int] = []
    for part in text.split(","):
        low, _, high = part.strip().partition("-")
        seeds.extend(range(int(low), int(high or low) + 1))
    return seeds
