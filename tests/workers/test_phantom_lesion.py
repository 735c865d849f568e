"""The lesion: three nested regions, inside the brain, different per seed."""

import numpy as np
import pytest
from scipy import ndimage

from workers.phantoms import Label, Phantom, Tissue, make_phantom

SEEDS = [1, 2, 3, 4]


@pytest.fixture(scope="module", params=SEEDS)
def lesion_phantom(request: pytest.FixtureRequest) -> Phantom:
    return make_phantom(request.param, site="default", grid="small")


def test_all_three_label_classes_are_present(lesion_phantom: Phantom) -> None:
    counts = np.bincount(lesion_phantom.labels.ravel(), minlength=4)
    assert (counts[1:] > 0).all(), counts


def test_core_is_wrapped_in_enhancing_tumour(lesion_phantom: Phantom) -> None:
    labels = lesion_phantom.labels
    core = labels == Label.NECROTIC_CORE
    # Rims are at least 3 mm; the small grid's slices are 4 mm apart, so look within slices.
    in_plane = np.zeros((3, 3, 3), dtype=bool)
    in_plane[1] = ndimage.generate_binary_structure(2, 1)
    shell = ndimage.binary_dilation(core, in_plane) & ~core
    assert np.mean(labels[shell] == Label.ENHANCING_TUMOUR) > 0.9


def test_tumour_is_wrapped_in_oedema_wherever_white_matter_touches_it(
    lesion_phantom: Phantom,
) -> None:
    labels = lesion_phantom.labels
    tumour = np.isin(labels, [Label.NECROTIC_CORE, Label.ENHANCING_TUMOUR])
    shell = ndimage.binary_dilation(tumour) & ~tumour
    assert np.mean(labels[shell] == Label.OEDEMA) > 0.8
    # What the shell leaves unlabelled is mostly CSF, which oedema spares, and cortex, whose
    # FLAIR it raises too little; white matter left out is a few diagonal neighbours at most.
    unlabelled_white = labels[shell] == Label.BACKGROUND
    unlabelled_white &= lesion_phantom.tissue[shell] == Tissue.WHITE
    assert np.mean(unlabelled_white) < 0.05


def test_lesion_lies_inside_the_brain(lesion_phantom: Phantom) -> None:
    labels, tissue = lesion_phantom.labels, lesion_phantom.tissue
    outside = np.isin(tissue, [Tissue.AIR, Tissue.SCALP, Tissue.MARROW, Tissue.BONE])
    assert not np.any(outside & (labels > 0))
    tumour = np.isin(labels, [Label.NECROTIC_CORE, Label.ENHANCING_TUMOUR])
    assert not np.any(ndimage.binary_dilation(outside, iterations=2) & tumour)


def test_a_different_seed_gives_a_different_lesion() -> None:
    first = make_phantom(1, grid="small")
    second = make_phantom(2, grid="small")
    assert not np.array_equal(first.labels, second.labels)
    assert not np.allclose(first.lesion.centre, second.lesion.centre)
