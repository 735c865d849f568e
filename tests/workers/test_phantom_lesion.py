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
    assert np.mean(labels[shell] == Label.OEDEMA) > 0.4
    # Where the shell is not oedema, it is cortex or CSF, which vasogenic oedema spares.
    unlabelled = shell & (labels == Label.BACKGROUND)
    assert np.mean(lesion_phantom.tissue[unlabelled] == Tissue.WHITE) < 0.2


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
