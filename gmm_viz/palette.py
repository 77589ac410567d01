"""Component colours: a colour-blind-friendly qualitative palette and soft blending.

The app draws on a white background (it is meant for teaching screenshots and slides), so
every colour here is dark or saturated enough to read as a 1-2 px point or a 2 px line on
white. The order matters: the first eight are the most distinct (Okabe & Ito's palette
without black and yellow, then two of Paul Tol's muted colours), because most runs use
k <= 8. Beyond 20 the palette cycles, so colours stay deterministic per component index.
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

# Okabe-Ito (2008) minus black and yellow, then Paul Tol's "muted" and "bright" schemes.
# All are distinguishable under the common colour-vision deficiencies for the first ~8;
# later entries mainly differ in lightness, which is the best any 20-colour palette can do.
_PALETTE_HEX = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#882255",  # wine
    "#999933",  # olive
    "#332288",  # indigo
    "#44AA99",  # teal
    "#AA4499",  # purple
    "#117733",  # green
    "#CC6677",  # rose
    "#B8A13A",  # dark sand (Tol's sand is too light on white)
    "#6B8FD6",  # periwinkle
    "#7A5230",  # brown
    "#E8718B",  # pink
    "#3D7A8A",  # slate teal
    "#8C6BB1",  # lavender
    "#5A5A5A",  # dark grey
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
