"""The model's input: channels straight onto the model grid, the bundle's intensity scaling."""

import numpy as np
import pytest
import torch
from monai.transforms import Compose, NormalizeIntensity, ScaleIntensityRangePercentiles

from workers.geometry import GeometryError, Volume, resample_to
from workers.gpu.inputs import StudyVolumes, volumes_on_reference
from workers.gpu.preprocess import model_grid, model_input, preprocessed

FRAME = "1.2.826.0.1.3680043.8.498.7"


def _volume(array: np.ndarray, spacing: tuple[float, float, float],
            origin: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> Volume:
    affine = np.eye(4)
    affine[:3, :3] = np.diag(spacing)
    affine[:3, 3] = origin
    return Volume(array=array.astype(np.float32), affine=affine, spacing=spacing,
                  sop_instance_uids=(), frame_of_reference_uid=FRAME)


@pytest.mark.filterwarnings("ignore:Divide by zero")  # MONAI on the constant channel
def test_percentile_scaling_gives_monais_values() -> None:
    rng = np.random.default_rng(5)
    image = (rng.gamma(2.0, 300.0, (3, 20, 30, 30))).astype(np.float32)
    image[2] = 7.0  # a constant channel: MONAI only shifts it
    for transform in (
        Compose([ScaleIntensityRangePercentiles(0.5, 99.5, 0.0, 1.0, channel_wise=True)]),
        Compose([ScaleIntensityRangePercentiles(5, 95, -1.0, 1.0, clip=True,
                                                channel_wise=True)]),
        Compose([ScaleIntensityRangePercentiles(2, 98, -1.0, 1.0, clip=True),
                 NormalizeIntensity(channel_wise=True)]),
        Compose([NormalizeIntensity(channel_wise=True),
                 ScaleIntensityRangePercentiles(1, 99, 0.0, 1.0, channel_wise=True)]),
    ):
        expected = torch.as_tensor(transform(image)).numpy()

        got = np.asarray(preprocessed(transform, list(image)))

        # float32 percentiles (torch) against float64 ones (numpy): a few float32 ulps.
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_preprocessing_leaves_the_channels_as_they_were() -> None:
    """The channels may be the study's own volumes (the T1c on its own grid)."""
    channels = [np.arange(1000, dtype=np.float32).reshape(10, 10, 10) for _ in range(2)]
    transform = Compose([ScaleIntensityRangePercentiles(0.5, 99.5, 0.0, 1.0,
                                                        channel_wise=True)])

    preprocessed(transform, channels)

    for channel in channels:
        np.testing.assert_array_equal(channel.ravel(), np.arange(1000))


def test_channels_go_straight_from_their_own_grid_onto_the_model_grid() -> None:
    """Not through the T1c grid: one interpolation, from the acquisition, per channel."""
    rng = np.random.default_rng(6)
    t1c = _volume(rng.random((30, 40, 40)), (1.5, 1.0, 1.0))
    flair = _volume(rng.random((10, 20, 20)), (5.0, 2.0, 2.0), origin=(1.0, 0.5, -0.5))
    volumes = StudyVolumes(reference=t1c, sources=(t1c, flair))
    identity = Compose([])

    prepared = model_input(volumes, (3.0, 2.0, 2.0), identity)

    grid = model_grid(t1c, (3.0, 2.0, 2.0))
    assert grid is not None and prepared.grid is not None
    assert tuple(prepared.tensor.shape) == (2, *grid.shape)
    np.testing.assert_allclose(prepared.tensor[0].numpy(), resample_to(t1c, grid).array)
    np.testing.assert_allclose(prepared.tensor[1].numpy(), resample_to(flair, grid).array)
    assert volumes.channel_on_reference(0) is t1c  # on the T1c grid, the T1c is itself
    np.testing.assert_allclose(volumes.channel_on_reference(1).array,
                               resample_to(flair, t1c).array)


def test_a_series_in_another_frame_of_reference_is_refused_before_any_work() -> None:
    t1c = _volume(np.zeros((4, 5, 5)), (1.0, 1.0, 1.0))
    elsewhere = Volume(array=t1c.array, affine=t1c.affine, spacing=t1c.spacing,
                       sop_instance_uids=(), frame_of_reference_uid="1.2.826.0.1.3680043.8.498.8")

    with pytest.raises(GeometryError, match="different frames of reference"):
        volumes_on_reference({"T1c": t1c, "FLAIR": elsewhere}, ("T1c", "FLAIR"))
