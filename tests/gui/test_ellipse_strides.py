"""Outlines in device pixels are drawn with as few segments as keep them within a
quarter pixel of the ellipse: small ones with few, large ones with all."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from gmm_viz.gui.views.ellipses_item import _CHORD_TOLERANCE_PX, _strides

N_POINTS = 121


def _outline(a, b, angle=0.3, centre=(400.0, 300.0)):
    t = np.linspace(0.0, 2.0 * np.pi, N_POINTS)
    x, y = a * np.cos(t), b * np.sin(t)
    c, s = np.cos(angle), np.sin(angle)
    return np.stack([centre[0] + c * x - s * y, centre[1] + s * x + c * y], axis=-1)


def _largest_gap(outline, stride):
    """Largest distance from the true ellipse (densely sampled) to the drawn chords."""
    kept = outline[::stride]
    a_pts = kept[:-1]
    b_pts = kept[1:]
    worst = 0.0
    for p, q in zip(a_pts, b_pts):
        # The true curve between p and q: the original points in between, refined.
        seg = q - p
        length = np.hypot(*seg)
        normal = np.array([-seg[1], seg[0]]) / length
        i0 = int(np.argmin(np.hypot(*(outline - p).T)))
        between = outline[i0:i0 + stride + 1]
        fine = np.concatenate([np.linspace(u, v, 20) for u, v in itertools.pairwise(between)])
        worst = max(worst, float(np.abs((fine - p) @ normal).max()))
    return worst


@pytest.mark.parametrize("a,b", [(3, 2), (25, 10), (60, 40), (150, 20), (400, 300)])
def test_each_outline_stays_within_a_quarter_pixel_and_closed(a, b):
    outline = _outline(a, b)
    (stride,) = _strides(outline[None], N_POINTS)
    assert (N_POINTS - 1) % stride == 0  # the last point drawn is the first: closed
    # The sampled points' own chords are the reference (stride 1 is what was drawn before).
    assert _largest_gap(outline, stride) <= _CHORD_TOLERANCE_PX + _largest_gap(outline, 1)


def test_small_ellipses_take_few_segments_and_large_ones_all():
    small, medium, large = _strides(np.stack([_outline(10, 6), _outline(60, 40),
                                              _outline(500, 300)]), N_POINTS)
    assert small > medium > 1
    assert large == 1
    assert (N_POINTS - 1) // small >= 8  # never fewer than 8 segments


def test_outlines_far_off_or_degenerate_keep_every_point():
    flat = np.zeros((1, N_POINTS, 2))  # a collapsed component: one point
    assert _strides(flat, N_POINTS)[0] >= 1
    assert _strides(np.full((1, N_POINTS, 2), np.nan), N_POINTS)[0] == 1
