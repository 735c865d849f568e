"""The oedema label is exactly the region whose FLAIR the oedema visibly raises, cortex included."""

import numpy as np
import pytest

from workers.phantoms import Label, Phantom, Sequence, Tissue, make_phantom
from workers.phantoms.anatomy import anatomy_load
from workers.phantoms.contrast import SIGNAL, contrast_render, oedema_flair_rise
from workers.phantoms.lesion import LesionFractions, lesion_fractions, mass_effect_source
from workers.phantoms.tissue import OEDEMA_VISIBLE_RISE, lesion_mix, normal_mix

FLAIR = SIGNAL[Sequence.FLAIR]


def _brain(grey: float, white: float, n: int) -> np.ndarray:
    """``n`` healthy voxels of intracranial tissue, CSF making up the rest."""
    normal = np.zeros((n, len(Tissue)), dtype=np.float32)
    normal[:, Tissue.GREY], normal[:, Tissue.WHITE] = grey, white
    normal[:, Tissue.CSF] = 1 - grey - white
    return normal


def _oedema(levels: np.ndarray, tumour: float = 0.0) -> LesionFractions:
    n = len(levels)
    return LesionFractions(np.full(n, tumour, np.float32), np.zeros(n, np.float32),
                           levels.astype(np.float32), np.ones(n, np.float32))


LEVELS = np.linspace(0, 1, 21, dtype=np.float32)


@pytest.mark.parametrize(("grey", "white", "gain"), [
    # FLAIR gained per unit of oedema, over white matter's FLAIR: oedema replaces all the
    # swollen white matter's water but only 30 % of the cortex's.
    (0.0, 1.0, (FLAIR[Tissue.OEDEMA] - FLAIR[Tissue.WHITE]) / FLAIR[Tissue.WHITE]),
    (1.0, 0.0, 0.3 * (FLAIR[Tissue.OEDEMA] - FLAIR[Tissue.GREY]) / FLAIR[Tissue.WHITE]),
    (0.6, 0.2, (0.6 * 0.3 * (FLAIR[Tissue.OEDEMA] - FLAIR[Tissue.GREY])
                + 0.2 * (FLAIR[Tissue.OEDEMA] - FLAIR[Tissue.WHITE])) / FLAIR[Tissue.WHITE]),
])
def test_rise_is_the_flair_the_oedema_adds(grey: float, white: float, gain: float) -> None:
    normal, lesion = _brain(grey, white, len(LEVELS)), _oedema(LEVELS)
    rise = oedema_flair_rise(normal, lesion)
    np.testing.assert_allclose(rise, LEVELS * gain, atol=1e-6)
    mix = lesion_mix(normal, lesion)
    flair = contrast_render(mix.fractions, Sequence.FLAIR)
    np.testing.assert_allclose(flair - contrast_render(normal, Sequence.FLAIR),
                               rise * FLAIR[Tissue.WHITE], atol=1e-6)
    labels = mix.labels(rise)
    np.testing.assert_array_equal(labels == Label.OEDEMA, rise > OEDEMA_VISIBLE_RISE)
    assert set(np.unique(labels)) <= {Label.BACKGROUND, Label.OEDEMA}


def test_fully_swollen_cortex_is_oedema_and_faint_swelling_is_not() -> None:
    cortex = _brain(1.0, 0.0, 3)
    levels = np.array([1.0, 0.9, 0.5], dtype=np.float32)
    rise = oedema_flair_rise(cortex, _oedema(levels))
    labels = lesion_mix(cortex, _oedema(levels)).labels(rise)
    assert labels.tolist() == [Label.OEDEMA, Label.OEDEMA, Label.BACKGROUND]
    # A sixth of white matter's oedema already shows; the cortex needs most of its share.
    white = _brain(0.0, 1.0, 2)
    few = np.array([0.2, 0.15], dtype=np.float32)
    rise = oedema_flair_rise(white, _oedema(few))
    assert lesion_mix(white, _oedema(few)).labels(rise).tolist() == [
        Label.OEDEMA, Label.BACKGROUND]


def test_tumour_labels_take_precedence_over_the_oedema_around_them() -> None:
    normal = _brain(0.0, 1.0, 2)
    lesion = LesionFractions(np.array([0.6, 0.4], np.float32), np.zeros(2, np.float32),
                             np.ones(2, np.float32), np.ones(2, np.float32))
    labels = lesion_mix(normal, lesion).labels(oedema_flair_rise(normal, lesion))
    assert labels.tolist() == [Label.ENHANCING_TUMOUR, Label.OEDEMA]


@pytest.mark.parametrize("seed", [9001, 9011])
def test_phantom_label_is_the_region_of_visible_flair_rise(seed: int) -> None:
    phantom: Phantom = make_phantom(seed, site="default", grid="small")
    geometry, lesion = phantom.label_geometry, phantom.lesion
    to_atlas = phantom.pose.atlas_from_patient()
    atlas = geometry.points(0, geometry.shape[0], into=to_atlas, dtype=np.float32)
    edge = min(geometry.pixel_spacing) / phantom.pose.scale
    fractions = lesion_fractions(lesion, atlas, edge)
    # The healthy tissue each voxel holds now: pushed outwards by the tumour's mass effect.
    source = mass_effect_source(lesion, atlas)
    anatomy = anatomy_load()
    grey, white = anatomy.brain_at(source)
    normal = normal_mix(anatomy.distance_at(source), grey, white, edge)
    # The FLAIR the oedema adds, in closed form: it takes the place of all the water of the white
    # matter it swells and 30 % of the cortex's, in what the tumour leaves of the voxel.
    gain_white = (FLAIR[Tissue.OEDEMA] - FLAIR[Tissue.WHITE]) / FLAIR[Tissue.WHITE]
    gain_grey = 0.3 * (FLAIR[Tissue.OEDEMA] - FLAIR[Tissue.GREY]) / FLAIR[Tissue.WHITE]
    rise = (1 - fractions.tumour) * fractions.oedema * (
        normal[:, Tissue.WHITE] * gain_white + normal[:, Tissue.GREY] * gain_grey)
    tumour = fractions.tumour * (normal[:, Tissue.CSF] + normal[:, Tissue.GREY]
                                 + normal[:, Tissue.WHITE])
    labels = phantom.labels.ravel()
    expected = (rise > OEDEMA_VISIBLE_RISE + 1e-5) & (tumour < 0.5)
    unsure = np.abs(rise - OEDEMA_VISIBLE_RISE) <= 1e-5  # float32 rounding at the threshold
    assert unsure.sum() < 10
    np.testing.assert_array_equal((labels == Label.OEDEMA)[~unsure], expected[~unsure])
    assert expected.sum() > 1000
    # Cortex that the oedema swells counts now: voxels that were (nearly) all grey matter.
    cortex = (normal[:, Tissue.GREY] >= 0.9) & (labels == Label.OEDEMA)
    assert cortex.sum() > 0
