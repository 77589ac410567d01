"""Which changes of positions drawn are visible (gmm_viz.gui.views.visible_change)."""

import numpy as np

from gmm_viz.gui.views.visible_change import INVISIBLE_SHIFT_PX, moves_visibly

# 0.05 data units per pixel across, 0.1 up: a view of 50 x 60 units on 1000 x 600 px.
PIXEL = (0.05, 0.1)


def points():
    return np.array([[0.0, 0.0], [3.0, -2.0], [np.nan, np.nan]])


def test_a_shift_below_the_tolerance_on_either_axis_is_not_visible():
    drawn = points()
    new = drawn + [0.5 * INVISIBLE_SHIFT_PX * 0.05, 0.9 * INVISIBLE_SHIFT_PX * 0.1]
    assert not moves_visibly(drawn, new, PIXEL)
    assert not moves_visibly(drawn, drawn.copy(), PIXEL)


def test_a_shift_of_the_tolerance_is_visible_along_x_or_along_y():
    drawn = points()
    along_x = drawn.copy()
    along_x[1, 0] += INVISIBLE_SHIFT_PX * 0.05
    along_y = drawn.copy()
    along_y[0, 1] -= INVISIBLE_SHIFT_PX * 0.1
    assert moves_visibly(drawn, along_x, PIXEL)
    assert moves_visibly(drawn, along_y, PIXEL)
    # The same shift in data units is invisible where pixels are ten times larger.
    assert not moves_visibly(drawn, along_x, (0.5, 1.0))


def test_a_point_appearing_or_disappearing_or_a_new_shape_is_a_change():
    drawn = points()
    appeared = drawn.copy()
    appeared[2] = [1.0, 1.0]
    assert moves_visibly(drawn, appeared, PIXEL)
    assert moves_visibly(appeared, drawn, PIXEL)
    assert moves_visibly(drawn, drawn[:2], PIXEL)
    assert moves_visibly(drawn, np.vstack([drawn, [[0.0, 0.0]]]), PIXEL)


def test_an_unknown_pixel_size_or_an_infinite_coordinate_means_draw():
    drawn = points()
    for pixel in ((0.0, 0.1), (np.nan, 0.1), (0.05, np.inf), (-0.05, 0.1)):
        assert moves_visibly(drawn, drawn.copy(), pixel)
    infinite = drawn.copy()
    infinite[0, 0] = np.inf
    assert moves_visibly(drawn, infinite, PIXEL)


def test_outlines_of_any_leading_shape_are_compared_point_by_point():
    rng = np.random.default_rng(0)
    drawn = rng.normal(size=(8, 3, 121, 2))
    new = drawn.copy()
    assert not moves_visibly(drawn, new, PIXEL)
    new[5, 2, 60, 1] += 0.2  # two pixels up, at one point of one outline
    assert moves_visibly(drawn, new, PIXEL)
