"""Whether a new position of something drawn is a visible change on screen, or too small to see.

A run that is converging changes its parameters at every iteration. After the first few
dozen iterations the changes are far below a pixel. Redrawing them costs as much as any
other frame: at 2,000 points, setting the ellipses, the means and their labels and then
painting the canvas (every point under them) took about 7 ms of the GUI thread's 16 ms
per frame, measured in the window with ``python -m gmm_viz.bench app``. The picture that
cost came out the same to the last pixel. So the views compare what they would draw with
what they drew, and redraw only when something moves by a visible amount.

They compare with what they *drew*, not with the previous state. Many small changes add
up, and once the sum is visible the view redraws. What the screen shows therefore never
differs from the newest state by more than :data:`INVISIBLE_SHIFT_PX`.
"""

from __future__ import annotations

import numpy as np

#: A shift this small (in screen pixels) changes how much of an antialiased edge pixel a
#: line covers by under 1 %, about 2 of its 255 levels: no eye or screen shows it.
INVISIBLE_SHIFT_PX = 0.01


def moves_visibly(drawn: np.ndarray, new: np.ndarray, pixel_size,
                  tolerance_px: float = INVISIBLE_SHIFT_PX) -> bool:
    """Whether points drawn at ``drawn`` would visibly move if drawn at ``new``.

    Parameters
    ----------
    drawn, new : ndarray of shape (..., 2)
        Positions in data units (x, y), NaN where nothing is drawn.
    pixel_size : tuple of float (sx, sy)
        Data units per screen pixel along x and y (``ViewBox.viewPixelSize()``).
    tolerance_px : float
        The largest shift, in pixels, that is not visible.

    Returns
    -------
    bool
        True when any point moves by ``tolerance_px`` or more along x or y. Also True
        when the shapes differ, when a point appears or disappears (NaN on one side
        only), or when the pixel size is unknown (a view not laid out yet): then the
        view must draw.
    """
    drawn = np.asarray(drawn, dtype=np.float64)
    new = np.asarray(new, dtype=np.float64)
    if drawn.shape != new.shape or drawn.ndim == 0 or drawn.shape[-1] != 2:
        return True
    sx, sy = (float(v) for v in pixel_size)
    if not (np.isfinite(sx) and np.isfinite(sy) and sx > 0 and sy > 0):
        return True
    missing = np.isnan(drawn)
    if not np.array_equal(missing, np.isnan(new)):
        return True
    with np.errstate(invalid="ignore"):
        shift = np.abs(np.where(missing, 0.0, new - drawn)).reshape(-1, 2)
    if not np.isfinite(shift).all():  # (an infinite coordinate: draw, let the item cope)
        return True
    if len(shift) == 0:
        return False
    largest = shift.max(axis=0)
    return bool(largest[0] >= tolerance_px * sx or largest[1] >= tolerance_px * sy)
