"""Same seed, site and grid: the same bytes. Another site: the same patient, another scanner."""

from pathlib import Path

import numpy as np
from scipy import ndimage

from workers.phantoms import (
    Phantom,
    PhantomFiles,
    Sequence,
    Tissue,
    make_phantom,
    write_phantom_study,
)

from .conftest import SEED


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def test_same_seed_site_and_grid_give_identical_files(small_study: PhantomFiles,
                                                     tmp_path: Path) -> None:
    again = write_phantom_study(make_phantom(SEED, site="default", grid="small"), tmp_path)
    first, second = _files(small_study.case_dir), _files(again.case_dir)
    assert len(first) == 2 + 44 + 25 * 3  # case.json, labels and every slice
    assert first == second


def _air_noise(phantom: Phantom) -> float:
    """Noise in air relative to white matter on T1C: Rician noise of magnitude images is
    Rayleigh-distributed there, so its mean is proportional to sigma."""
    pixels = phantom.series[Sequence.T1C].pixels.astype(float)
    air = ndimage.binary_erosion(phantom.tissue == Tissue.AIR, iterations=3)
    white = ndimage.binary_erosion(phantom.tissue == Tissue.WHITE) & (phantom.labels == 0)
    return float(pixels[air].mean() / pixels[white].mean())


def test_a_site_changes_the_scanner_not_the_patient(small_phantom: Phantom) -> None:
    other = make_phantom(SEED, site="linkoping", grid="small")
    np.testing.assert_array_equal(other.labels, small_phantom.labels)
    np.testing.assert_array_equal(other.tissue, small_phantom.tissue)
    for sequence in Sequence:
        mine = small_phantom.series[sequence].pixels
        assert not np.array_equal(other.series[sequence].pixels, mine)
    # The 1.5 T site is noisier relative to its signal than the newest 3 T one,
    lund = make_phantom(SEED, site="lund", grid="small")
    assert _air_noise(other) > 1.8 * _air_noise(lund)
    # and the GE site's reconstruction stores far larger numbers for the same tissue.
    white = (small_phantom.tissue == Tissue.WHITE) & (small_phantom.labels == 0)
    ge = make_phantom(SEED, site="umea", grid="small")
    assert ge.series[Sequence.T1C].pixels[white].mean() > 1.5 * (
        small_phantom.series[Sequence.T1C].pixels[white].mean()
    )
    assert other.identity.study_uid != small_phantom.identity.study_uid
    assert other.identity.patient_id != small_phantom.identity.patient_id
