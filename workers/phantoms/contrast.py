"""Tissue signal per sequence, relative to white matter on T1.

Relative values follow the textbook appearance of a glioblastoma: the rim enhances on T1C only;
necrosis is dark on T1 and bright on T2; oedema is bright on T2 and FLAIR, where FLAIR's
inversion nulls free water so CSF goes dark while oedema stays bright.
"""

from dataclasses import replace

import numpy as np
import numpy.typing as npt

from workers.phantoms.lesion import LesionFractions
from workers.phantoms.sequences import Sequence
from workers.phantoms.tissue import Tissue, TissueMix, lesion_mix

Float32Array = npt.NDArray[np.float32]

#                     air  scalp marrow bone  csf   grey white oedema enh   necrosis
_SIGNAL = {
    Sequence.T1: (0.0, 1.25, 0.95, 0.05, 0.28, 0.72, 1.00, 0.62, 0.70, 0.35),
    Sequence.T1C: (0.0, 1.25, 0.95, 0.05, 0.22, 0.68, 1.00, 0.60, 1.60, 0.38),
    Sequence.T2: (0.0, 0.85, 0.70, 0.05, 1.90, 0.85, 0.60, 1.35, 1.05, 1.60),
    Sequence.FLAIR: (0.0, 0.95, 0.80, 0.05, 0.15, 1.00, 0.75, 1.60, 1.30, 0.90),
}
SIGNAL: dict[Sequence, Float32Array] = {
    sequence: np.asarray(values, dtype=np.float32) for sequence, values in _SIGNAL.items()
}


def white_signal(sequence: Sequence) -> float:
    return float(SIGNAL[sequence][Tissue.WHITE])


def contrast_columns(columns: dict[Tissue, Float32Array], sequence: Sequence) -> Float32Array:
    """``contrast_render`` for tissue fractions held one array per tissue (no enhancement)."""
    signal = SIGNAL[sequence]
    image = np.zeros_like(columns[Tissue.AIR])
    for tissue, fraction in columns.items():
        if signal[tissue]:
            image += signal[tissue] * fraction
    return image


def contrast_render(
    fractions: Float32Array, sequence: Sequence, enhancement: Float32Array | None = None
) -> Float32Array:
    """Noise-free signal of each point: its tissue fractions (N, len(Tissue)) weighted by
    their signals; ``enhancement`` varies the rim's contrast uptake."""
    signal = SIGNAL[sequence]
    image: Float32Array = np.einsum("nt,t->n", fractions, signal)  # no BLAS threads
    if sequence is Sequence.T1C and enhancement is not None:
        # Only the part above the unenhanced level varies with uptake.
        uptake = signal[Tissue.ENHANCING] - SIGNAL[Sequence.T1][Tissue.ENHANCING]
        image += fractions[:, Tissue.ENHANCING] * uptake * (enhancement - 1)
    return image


def oedema_flair_rise(normal: Float32Array, lesion: LesionFractions) -> Float32Array:
    """How much the oedema raises FLAIR at each point of ``lesion_mix(normal, lesion)``, as a
    share of white matter's FLAIR: the same point rendered with and without its oedema."""
    swollen: TissueMix = lesion_mix(normal, lesion)
    dry = lesion_mix(normal, replace(lesion, oedema=np.zeros_like(lesion.oedema)))
    rise = (contrast_render(swollen.fractions, Sequence.FLAIR)
            - contrast_render(dry.fractions, Sequence.FLAIR))
    result: Float32Array = rise / white_signal(Sequence.FLAIR)
    return result
