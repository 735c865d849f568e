"""Tissue contrast per sequence, compared on the T1C grid through patient coordinates."""

import numpy as np
import pytest
from scipy import ndimage

from workers.phantoms import Label, Phantom, Sequence, Tissue, resample_nearest


def _on_t1c(phantom: Phantom, sequence: Sequence) -> np.ndarray:
    volume = phantom.series[sequence]
    return resample_nearest(volume.pixels, volume.geometry, phantom.label_geometry)


def _relative_to_white(phantom: Phantom, sequence: Sequence, region: np.ndarray) -> float:
    """Mean of ``region`` over mean of healthy white matter far from the lesion."""
    image = _on_t1c(phantom, sequence).astype(float)
    lesion = ndimage.binary_dilation(phantom.labels > 0, iterations=3)
    white = ndimage.binary_erosion(phantom.tissue == Tissue.WHITE) & ~lesion
    assert region.sum() > 20 and white.sum() > 100
    return float(image[region].mean() / image[white].mean())


def test_enhancing_rim_is_bright_after_gadolinium_only(small_phantom: Phantom) -> None:
    rim = small_phantom.labels == Label.ENHANCING_TUMOUR
    post = _relative_to_white(small_phantom, Sequence.T1C, rim)
    pre = _relative_to_white(small_phantom, Sequence.T1, rim)
    assert post > 1.25
    assert pre < 1.0
    assert post > pre + 0.4


@pytest.mark.parametrize("sequence", [Sequence.FLAIR, Sequence.T2])
def test_oedema_is_brighter_than_white_matter(small_phantom: Phantom, sequence: Sequence) -> None:
    oedema = ndimage.binary_erosion(small_phantom.labels == Label.OEDEMA)
    assert _relative_to_white(small_phantom, sequence, oedema) > 1.3


def test_flair_nulls_csf_that_t2_shows_bright(small_phantom: Phantom) -> None:
    csf = ndimage.binary_erosion(small_phantom.tissue == Tissue.CSF)
    csf &= small_phantom.labels == 0
    assert _relative_to_white(small_phantom, Sequence.FLAIR, csf) < 0.6
    assert _relative_to_white(small_phantom, Sequence.T2, csf) > 1.8


def test_necrosis_is_dark_on_t1c(small_phantom: Phantom) -> None:
    core = small_phantom.labels == Label.NECROTIC_CORE
    if core.sum() <= 20:
        pytest.skip("core too small on the small grid for this seed")
    assert _relative_to_white(small_phantom, Sequence.T1C, core) < 0.7
