"""The component colours stay apart, also to the common colour-vision deficiencies."""

import numpy as np
import pytest

from gmm_viz.colour_vision import VISIONS, min_delta_e, simulate, to_lab
from gmm_viz.palette import component_colors


def test_lab_of_known_colours():
    np.testing.assert_allclose(to_lab([255, 255, 255]), [100.0, 0.0, 0.0], atol=0.05)
    np.testing.assert_allclose(to_lab([0, 0, 0]), [0.0, 0.0, 0.0], atol=1e-9)
    # sRGB red is L* 53.2, a* 80.1, b* 67.2 (CIELAB, D65).
    np.testing.assert_allclose(to_lab([255, 0, 0]), [53.24, 80.09, 67.20], atol=0.05)


def test_the_dichromat_simulation_merges_red_and_green():
    red, green = [200, 30, 30], [30, 140, 30]
    normal = min_delta_e(np.array([red, green]))
    for vision in ("protanopia", "deuteranopia"):
        assert min_delta_e(np.array([red, green]), vision) < normal / 2
    np.testing.assert_allclose(simulate([[128, 128, 128]], "deuteranopia"),
                               [[128, 128, 128]], atol=1.0)  # greys stay grey


@pytest.mark.parametrize("vision", VISIONS)
def test_the_first_eight_colours_are_far_apart_under_every_vision(vision):
    # ΔE ~20 is a clear difference between small marks; the palette before this one had
    # 13.5 between two of its first eight under protanopia.
    assert min_delta_e(component_colors(8), vision) >= 19.5


@pytest.mark.parametrize("vision", VISIONS)
def test_all_twenty_colours_stay_distinguishable_under_every_vision(vision):
    # The palette before this one had 2.8 (under deuteranopia) between two of its 20.
    assert min_delta_e(component_colors(20), vision) >= 9.0


def test_the_first_eight_colours_have_distinct_hues():
    lab = to_lab(component_colors(8))
    hue = np.degrees(np.arctan2(lab[:, 2], lab[:, 1]))
    gaps = np.abs((hue[:, None] - hue[None, :] + 180.0) % 360.0 - 180.0)
    # (The design asks 40 degrees and narrows the gap only when no candidate is left so
    # far from all those chosen: the eighth colour, purple, is 31 from crimson.)
    assert gaps[~np.eye(8, dtype=bool)].min() >= 30.0
    assert gaps[:7, :7][~np.eye(7, dtype=bool)].min() >= 40.0


def test_every_colour_reads_on_white_as_a_thin_line():
    lightness = to_lab(component_colors(20))[:, 0]
    assert lightness.max() <= 70.0


def test_soft_colours_keep_owned_points_and_wash_out_shared_ones():
    from gmm_viz.palette import SHARED_GREY, SHARED_PULL, blend_colors, soft_colors

    colors = component_colors(3)
    resp = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [1 / 3, 1 / 3, 1 / 3],
                     [0.9, 0.1, 0.0]])
    out = soft_colors(resp, colors)
    assert out.dtype == np.uint8 and out.shape == (4, 3)
    np.testing.assert_array_equal(out[0], colors[0])  # owned: its component's colour
    grey = np.array(SHARED_GREY, dtype=float)
    blend = blend_colors(resp, colors).astype(float)
    # Shared evenly by all three: the full pull towards grey.
    expected = blend[2] + SHARED_PULL * (grey - blend[2])
    assert np.abs(out[2] - expected).max() <= 1
    # Two of three sharing evenly: three quarters of the pull; a point owned at 0.9, little.
    expected = blend[1] + 0.75 * SHARED_PULL * (grey - blend[1])
    assert np.abs(out[1] - expected).max() <= 1
    assert np.abs(out[3] - blend[3]).max() < np.abs(out[1] - blend[1]).max()
    # Two similar colours that blend to almost the same colour: the shared point is still
    # far from both in colour.
    similar = np.array([[0, 114, 178], [30, 120, 210]], dtype=np.uint8)
    shared = soft_colors(np.array([[0.5, 0.5]]), similar)[0].astype(float)
    assert min(np.abs(shared - c).sum() for c in similar.astype(float)) > 60
