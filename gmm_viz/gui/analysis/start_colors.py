"""The colour of each start (its curve in the overlay plot, its small canvas's title).

Starts are told apart by hue around the colour wheel, dark enough to read as a 2 px line
on white. They are not the components' colours (those colour the points inside every
small canvas), so a start's colour never suggests a component.
"""

from __future__ import annotations

import colorsys

import numpy as np

#: Colour of the best start's frame and marks.
BEST_COLOR = (20, 20, 20)


def start_colors(n: int) -> np.ndarray:
    """RGB colours of starts ``0 .. n - 1``, evenly spaced hues.

    Returns
    -------
    colors : ndarray of shape (n, 3) of uint8
    """
    out = np.zeros((max(int(n), 0), 3), dtype=np.uint8)
    for i in range(len(out)):
        # Alternate two lightness levels so that neighbouring hues differ more.
        value = 0.72 if i % 2 == 0 else 0.55
        r, g, b = colorsys.hsv_to_rgb((i / max(n, 1) + 0.58) % 1.0, 0.85, value)
        out[i] = (round(r * 255), round(g * 255), round(b * 255))
    return out


def hex_color(rgb) -> str:
    """``"#1f77b4"`` for an RGB triple."""
    return "#{:02x}{:02x}{:02x}".format(*(int(v) for v in rgb))
