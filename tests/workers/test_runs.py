"""The runs codec: masks to alternating 0/1 run lengths and back."""

import numpy as np
import pytest

from workers.structures.runs import RunsError, mask_to_runs, runs_to_mask


def test_runs_start_with_the_zeros_and_alternate() -> None:
    mask = np.array([[[0, 0, 1], [1, 1, 0]]], dtype=bool)  # 1 slice, 2 rows, 3 columns

    assert mask_to_runs(mask) == [2, 3, 1]


def test_a_mask_that_starts_set_begins_with_an_empty_run_of_zeros() -> None:
    mask = np.array([[[1, 1], [0, 1]]], dtype=bool)

    assert mask_to_runs(mask) == [0, 2, 1, 1]


@pytest.mark.parametrize(("fill", "runs"), [(False, [24]), (True, [0, 24])])
def test_uniform_masks_are_one_run(fill: bool, runs: list[int]) -> None:
    assert mask_to_runs(np.full((2, 3, 4), fill)) == runs


def test_random_masks_survive_the_round_trip_in_c_order() -> None:
    rng = np.random.default_rng(7)
    for density in (0.01, 0.5, 0.99):
        mask = rng.random((7, 13, 11)) < density

        runs = mask_to_runs(mask)

        assert sum(runs) == mask.size
        assert all(r > 0 for r in runs[1:])
        restored = runs_to_mask(runs, mask.shape)
        assert restored.dtype == bool
        np.testing.assert_array_equal(restored, mask)


def test_the_flattening_is_slice_then_row_then_column() -> None:
    mask = np.zeros((2, 2, 3), dtype=bool)
    mask[1, 0, 2] = True  # flat index 1*6 + 0*3 + 2 = 8

    assert mask_to_runs(mask) == [8, 1, 3]
    assert runs_to_mask([8, 1, 3], (2, 2, 3))[1, 0, 2]


def test_zero_length_runs_inside_are_read_as_nothing() -> None:
    restored = runs_to_mask([1, 0, 2, 1], (1, 1, 4))

    np.testing.assert_array_equal(restored.ravel(), [False, False, False, True])


@pytest.mark.parametrize(
    ("runs", "message"),
    [
        ([5, 1], "The runs cover 6 voxels; the reference grid 1x2x4 has 8."),
        ([5, 4], "The runs cover 9 voxels; the reference grid 1x2x4 has 8."),
        ([], "The runs cover 0 voxels; the reference grid 1x2x4 has 8."),
        ([9, -1], "Runs must not be negative."),
        ([4.0, 4], "Runs must be a list of whole numbers."),
        ([True, 7], "Runs must be a list of whole numbers."),
        (["4", 4], "Runs must be a list of whole numbers."),
        ("8", "Runs must be a list of whole numbers."),
    ],
)
def test_runs_that_do_not_describe_the_grid_are_refused(runs: object, message: str) -> None:
    with pytest.raises(RunsError) as refused:
        runs_to_mask(runs, (1, 2, 4))  # type: ignore[arg-type]

    assert str(refused.value) == message
