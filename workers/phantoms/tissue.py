"""What each sampled point is made of: normal head tissue, displaced and invaded by the lesion.

Fractions rather than hard classes, so a voxel on a boundary mixes its neighbours' signals the
way partial volume does in a real scan; labels are read off the same fractions, the oedema
label off the FLAIR signal its fraction adds.
"""

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import numpy.typing as npt

from workers.phantoms.lesion import LesionFractions

Float32Array = npt.NDArray[np.float32]


class Tissue(IntEnum):
    AIR = 0
    SCALP = 1  # skin and subcutaneous fat
    MARROW = 2  # the fatty diploe between the skull's tables
    BONE = 3
    CSF = 4
    GREY = 5
    WHITE = 6
    OEDEMA = 7
    ENHANCING = 8
    NECROSIS = 9


class Label(IntEnum):
    """Ground truth, BraTS convention."""

    BACKGROUND = 0
    NECROTIC_CORE = 1
    OEDEMA = 2
    ENHANCING_TUMOUR = 3


LABEL_NAMES = {
    Label.BACKGROUND: "background",
    Label.NECROTIC_CORE: "necrotic core",
    Label.OEDEMA: "oedema",
    Label.ENHANCING_TUMOUR: "enhancing tumour",
}

# Outer edges of the layers outside the brain, in mm from the template's intracranial surface:
# a thin CSF space, inner table, diploe, outer table, scalp.
SCALP_OUTER = 13.0
_SHELLS = ((1.5, None), (3.5, Tissue.BONE), (5.5, Tissue.MARROW), (7.5, Tissue.BONE),
           (SCALP_OUTER, Tissue.SCALP))
# Vasogenic oedema spreads along white matter; cortex swells far less.
_GREY_OEDEMA = 0.3
# Oedema is labelled wherever it raises FLAIR by more than this share of white matter's FLAIR
# signal: several times the noise of any site (sigma 2-6 % of white matter), so a reader sees
# it, and below the 24 % that fully swollen cortex gains (30 % of its water turned oedema), so
# the label covers the whole FLAIR abnormality, cortex included, as the Edema structure does.
OEDEMA_VISIBLE_RISE = 0.2


@dataclass(frozen=True)
class TissueMix:
    fractions: Float32Array  # (N, len(Tissue)), rows sum to 1
    enhancement: Float32Array  # (N,) patchiness of the rim's contrast uptake

    def labels(self, oedema_rise: Float32Array) -> npt.NDArray[np.uint8]:
        """BraTS labels; ``oedema_rise`` is how much the oedema raises each point's FLAIR, as
        a share of white matter's (``contrast.oedema_flair_rise``), so the oedema label is
        the region whose signal the oedema visibly changes, whatever tissue swelled."""
        f = self.fractions
        tumour = f[:, Tissue.ENHANCING] + f[:, Tissue.NECROSIS]
        labels = np.zeros(len(f), dtype=np.uint8)
        labels[oedema_rise > OEDEMA_VISIBLE_RISE] = Label.OEDEMA
        labels[tumour >= 0.5] = Label.ENHANCING_TUMOUR
        labels[(tumour >= 0.5) & (f[:, Tissue.NECROSIS] >= f[:, Tissue.ENHANCING])] = (
            Label.NECROTIC_CORE
        )
        return labels

    def dominant(self) -> npt.NDArray[np.uint8]:
        return np.argmax(self.fractions, axis=1).astype(np.uint8)


def _below(distance: Float32Array, level: float, edge: float) -> Float32Array:
    """Fraction of a voxel of size ``edge`` that lies closer in than ``level``."""
    return np.clip(0.5 + (level - distance) / edge, 0.0, 1.0)


def normal_columns(
    distance: Float32Array, grey: Float32Array, white: Float32Array, edge: float
) -> dict[Tissue, Float32Array]:
    """Fractions of the healthy head, one array per tissue, from the distance to the
    intracranial surface and the template's grey and white matter probabilities."""
    inner = _below(distance, _SHELLS[0][0], edge)
    columns = {tissue: np.zeros_like(distance) for tissue in Tissue}
    previous = inner
    for level, layer in _SHELLS[1:]:
        current = _below(distance, level, edge)
        columns[layer] += current - previous
        previous = current
    columns[Tissue.AIR] = 1 - previous
    scale = inner / np.maximum(grey + white, 1.0)  # the two maps overlap a little at edges
    columns[Tissue.GREY] = grey * scale
    columns[Tissue.WHITE] = white * scale
    columns[Tissue.CSF] = inner - columns[Tissue.GREY] - columns[Tissue.WHITE]
    return columns


def dominant_columns(columns: dict[Tissue, Float32Array]) -> npt.NDArray[np.uint8]:
    """The tissue with the largest fraction; a running maximum beats argmax over a stack."""
    best = np.zeros(columns[Tissue.AIR].shape, dtype=np.uint8)
    most = columns[Tissue.AIR]
    for tissue, fraction in columns.items():
        more = fraction > most
        best[more] = tissue
        most = np.maximum(most, fraction)
    return best


def normal_mix(
    distance: Float32Array, grey: Float32Array, white: Float32Array, edge: float
) -> Float32Array:
    """``normal_columns`` as one (N, len(Tissue)) array."""
    columns = normal_columns(distance, grey, white, edge)
    return np.stack([columns[tissue] for tissue in Tissue], axis=1)


def lesion_mix(normal: Float32Array, lesion: LesionFractions) -> TissueMix:
    """The healthy fractions ``normal`` with the tumour taking the brain's place and oedema
    soaking mostly the white matter."""
    mix = normal.copy()
    brain = normal[:, Tissue.CSF] + normal[:, Tissue.GREY] + normal[:, Tissue.WHITE]
    tumour = brain * lesion.tumour
    keep = 1 - lesion.tumour
    oedema = lesion.oedema
    grey, white = normal[:, Tissue.GREY], normal[:, Tissue.WHITE]
    mix[:, Tissue.NECROSIS] = tumour * lesion.core
    mix[:, Tissue.ENHANCING] = tumour * (1 - lesion.core)
    mix[:, Tissue.OEDEMA] = keep * oedema * (white + _GREY_OEDEMA * grey)
    mix[:, Tissue.WHITE] = keep * white * (1 - oedema)
    mix[:, Tissue.GREY] = keep * grey * (1 - _GREY_OEDEMA * oedema)
    mix[:, Tissue.CSF] = keep * normal[:, Tissue.CSF]
    return TissueMix(mix, lesion.enhancement)
