"""Component colours: a colour-blind-friendly qualitative palette and soft blending.

The app draws on a white background (it is meant for teaching screenshots and slides), so
every colour here is dark or saturated enough to read as a 1-2 px point or a 2 px line on
white. The order matters: the first eight are the most distinct, also to the common
red-green colour-vision deficiencies, because most runs use k <= 8; up to 20 they stay
apart (see :mod:`gmm_viz.colour_vision`). Beyond 20 the palette cycles, so colours stay
deterministic per component index.
"""

from __future__ import annotations

import numpy as np

#: Background of every plot in the app.
BACKGROUND = "w"
#: Foreground (axes, text) of every plot in the app, as RGB and as a hex string.
FOREGROUND = (40, 40, 40)
FOREGROUND_HEX = "#282828"
#: Colour of points that have no assignment yet (no labels, no responsibilities).
UNASSIGNED = (128, 128, 128)

# Chosen by tools/design_palette.py: colours dark and strong enough for 2 px lines and
# small points on white (CIELAB L* 35-68), each next one as far as possible (CIE76 ΔE)
# from those before it under normal vision, protanopia and deuteranopia, the first eight
# of distinct hues (no "blue" beside a "light blue" among the colours of most runs).
# Smallest ΔE among the first 8 / all 20 (tests/test_palette.py checks them): normal
# 35.1 / 16.7, protanopia 19.7 / 9.7, deuteranopia 23.0 / 9.1; the palette it replaced
# (Okabe & Ito, then Paul Tol's) had 26.4 / 9.4, 13.5 / 3.5, 13.7 / 2.8.
_PALETTE_HEX = (
    "#0072B2",  # blue (Okabe & Ito)
    "#D55E00",  # vermillion (Okabe & Ito)
    "#00B496",  # turquoise
    "#C30F4B",  # crimson
    "#2DB4D2",  # cyan
    "#B487FF",  # lilac
    "#78B45A",  # leaf green
    "#A50078",  # purple
    "#00785A",  # forest green
    "#784B0F",  # brown
    "#FF5A87",  # pink
    "#5A4BB4",  # indigo
    "#5AA5E1",  # light blue
    "#69782D",  # olive
    "#C369A5",  # orchid
    "#B4A53C",  # mustard
    "#873C2D",  # rust
    "#D27869",  # salmon
    "#7887C3",  # periwinkle
    "#3C693C",  # moss
)

_PALETTE = np.array(
    [[int(h[1:3], 16), int(h[3:5], 16), int(h[5:7], 16)] for h in _PALETTE_HEX], dtype=np.uint8
)
_PALETTE.setflags(write=False)


def component_colors(k: int) -> np.ndarray:
    """Return the colours of components ``0 .. k-1``.

    Parameters
    ----------
    k : int
        Number of components (0 or more). Beyond 20 the palette cycles.

    Returns
    -------
    colors : ndarray of shape (k, 3), dtype uint8
        RGB colours; row ``i`` is always the same colour for component ``i``.
    """
    k = int(k)
    if k < 0:
        raise ValueError(f"k must be 0 or more; got {k}.")
    return _PALETTE[np.arange(k) % len(_PALETTE)].copy()


def blend_colors(resp: np.ndarray, colors: np.ndarray) -> np.ndarray:
    """Mix component colours per point in proportion to the responsibilities.

    Parameters
    ----------
    resp : ndarray of shape (n_samples, n_components)
        Responsibilities; each row sums to 1 (rows that do not are clipped to 0-255).
    colors : ndarray of shape (n_components, 3)
        Component colours, e.g. from :func:`component_colors`.

    Returns
    -------
    point_colors : ndarray of shape (n_samples, 3), dtype uint8
        One RGB colour per point.
    """
    resp = np.asarray(resp)
    colors = np.asarray(colors)
    if resp.ndim != 2 or colors.shape != (resp.shape[1], 3):
        raise ValueError(
            f"resp must be (n_samples, n_components) and colors (n_components, 3); got "
            f"{resp.shape} and {colors.shape}."
        )
    # One float32 matmul: (N, K) @ (K, 3). float32 halves memory traffic at 1M points and
    # its precision (1e-7 relative) is far below one 8-bit colour step.
    mixed = resp.astype(np.float32, copy=False) @ colors.astype(np.float32)
    mixed += 0.5
    np.clip(mixed, 0.0, 255.0, out=mixed)
    return mixed.astype(np.uint8)


#: How far a point shared evenly by its components is drawn towards :data:`SHARED_GREY`.
SHARED_PULL = 0.55
#: The grey that shared points are pulled towards.
SHARED_GREY = (150, 150, 150)


def soft_colors(resp: np.ndarray, colors: np.ndarray) -> np.ndarray:
    """The soft colours of points: their blend (:func:`blend_colors`), pulled towards grey
    as much as they are shared.

    A blend alone is hard to see when the sharing components have similar colours (two
    blues mix to a blue): pulling each point towards :data:`SHARED_GREY` by how evenly
    its responsibilities are spread makes every shared point visible as washed out, and
    leaves a point that one component owns in that component's colour. The pull is
    ``SHARED_PULL * (1 - max_k r_k) / (1 - 1/K)``: 0 for an owned point, ``SHARED_PULL``
    for one shared evenly by all K.

    Parameters
    ----------
    resp : ndarray of shape (n_samples, n_components)
        Responsibilities; each row sums to 1.
    colors : ndarray of shape (n_components, 3)

    Returns
    -------
    point_colors : ndarray of shape (n_samples, 3), dtype uint8
    """
    mixed = blend_colors(resp, colors)
    resp = np.asarray(resp)
    k = resp.shape[1]
    if k < 2 or len(resp) == 0:
        return mixed
    owned = resp.max(axis=1).astype(np.float32, copy=False)
    pull = (SHARED_PULL / (1.0 - 1.0 / k)) * (1.0 - owned)
    np.clip(pull, 0.0, SHARED_PULL, out=pull)
    out = mixed.astype(np.float32)
    out += pull[:, None] * (np.asarray(SHARED_GREY, dtype=np.float32) - out)
    out += 0.5
    return out.astype(np.uint8)
