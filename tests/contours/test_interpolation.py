"""Shape-based interpolation between drawn slices."""

import numpy as np

from assist_web.contours.interpolation import slices_interpolate

ROWS, COLUMNS = np.indices((48, 48))


def _disc(radius: float, row: int = 24, column: int = 24) -> np.ndarray:
    return (ROWS - row) ** 2 + (COLUMNS - column) ** 2 <= radius**2


def test_between_two_equal_shapes_is_that_shape() -> None:
    mask = np.zeros((5, 48, 48), dtype=bool)
    mask[0] = mask[4] = _disc(8)

    filled = slices_interpolate(mask, (1.0, 1.0))

    assert all((filled[k] == _disc(8)).all() for k in range(5))


def test_a_growing_disc_grows_evenly_in_between() -> None:
    mask = np.zeros((5, 48, 48), dtype=bool)
    mask[0], mask[4] = _disc(5), _disc(13)

    filled = slices_interpolate(mask, (1.0, 1.0))

    for k, radius in ((1, 7.0), (2, 9.0), (3, 11.0)):
        assert abs(int(filled[k].sum()) - int(_disc(radius).sum())) <= 0.1 * _disc(radius).sum()
    assert (filled[0] == mask[0]).all() and (filled[4] == mask[4]).all()


def test_a_shape_moving_sideways_moves_through_the_slices() -> None:
    mask = np.zeros((3, 48, 48), dtype=bool)
    mask[0], mask[2] = _disc(8, column=19), _disc(8, column=29)  # overlapping, as on slices

    filled = slices_interpolate(mask, (1.0, 1.0))

    columns = np.flatnonzero(filled[1].any(axis=0))
    assert filled[1].sum() > 0.6 * _disc(8).sum()
    assert abs((columns[0] + columns[-1]) / 2 - 24) <= 1


def test_only_gaps_between_drawn_slices_are_filled() -> None:
    mask = np.zeros((7, 48, 48), dtype=bool)
    mask[2] = mask[3] = _disc(6)

    filled = slices_interpolate(mask, (0.8, 1.2))

    assert (filled == mask).all()  # nothing before the first or after the last, no gap


def test_rectangular_pixels_are_measured_in_mm() -> None:
    mask = np.zeros((3, 48, 48), dtype=bool)
    mask[0, 20:28, 10:38] = True  # 8 rows x 28 columns
    mask[2, 20:28, 10:38] = True

    filled = slices_interpolate(mask, (2.0, 0.5))

    assert (filled[1] == mask[0]).all()
