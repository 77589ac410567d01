"""Choose the component palette (run: ``python tools/design_palette.py``; it prints the
hex list kept in gmm_viz/palette.py and the smallest colour distances).

Candidates are sRGB colours dark and strong enough to read as a 2 px line and a small
point on white, without the garish primaries: CIELAB L* from 35 to 68, chroma 30 to 70.
The palette starts from Okabe & Ito's blue and vermillion; each next colour is the
candidate whose smallest distance (CIE76 ΔE) to those chosen, under normal vision and
the red-green dichromacies (gmm_viz.colour_vision.VISIONS), is largest, among those whose
hue differs from every chosen colour of like lightness (so no two "blues" sit side by
side: a teacher names colours). The first colours are the most distinct: most runs use
k <= 8.
"""

import numpy as np

from gmm_viz.colour_vision import VISIONS, min_delta_e, simulate, to_lab

SEEDS = ("#0072B2", "#D55E00")
SIZE = 20
#: Two colours of like lightness (within LIGHTNESS_APART) must differ in hue by this much.
HUE_APART_DEG = 40.0
LIGHTNESS_APART = 18.0
#: The first this many colours all differ in hue by HUE_APART_DEG.
DISTINCT_HUES = 8


def _rgb(hex_colour):
    return [int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]


def candidates():
    levels = np.arange(0, 256, 15)
    grid = np.array(np.meshgrid(levels, levels, levels)).reshape(3, -1).T.astype(float)
    lab = to_lab(grid)
    chroma = np.hypot(lab[:, 1], lab[:, 2])
    keep = (lab[:, 0] >= 35) & (lab[:, 0] <= 68) & (chroma >= 30) & (chroma <= 70)
    return grid[keep]


def design():
    pool = np.vstack([candidates(), [_rgb(h) for h in SEEDS]])
    pool_labs = [to_lab(simulate(pool, v)) for v in VISIONS]
    normal = pool_labs[0]
    hue = np.degrees(np.arctan2(normal[:, 2], normal[:, 1]))
    chosen = [len(pool) - len(SEEDS) + i for i in range(len(SEEDS))]
    while len(chosen) < SIZE:
        nearest = np.full(len(pool), np.inf)
        gaps = np.full(len(pool), np.inf)  # smallest hue gap to a chosen colour alike
        for c in chosen:
            for labs in pool_labs:
                nearest = np.minimum(nearest, np.linalg.norm(labs - labs[c], axis=1))
            hue_gap = np.abs((hue - hue[c] + 180.0) % 360.0 - 180.0)
            # The first colours differ in hue whatever their lightness ("blue" and "light
            # blue" read as one colour in a legend); later ones may share a hue at
            # another lightness.
            alike = (np.abs(normal[:, 0] - normal[c, 0]) < LIGHTNESS_APART
                     if len(chosen) >= DISTINCT_HUES else np.ones(len(pool), dtype=bool))
            gaps = np.minimum(gaps, np.where(alike, hue_gap, np.inf))
        gaps[chosen] = -np.inf
        # The widest hue gap still open, up to HUE_APART_DEG: when no candidate is that far
        # in hue from every colour chosen, the gap asked for narrows, never vanishes.
        wanted = min(HUE_APART_DEG, 0.75 * float(gaps.max()))
        score = np.where(gaps >= wanted, nearest, -np.inf)
        chosen.append(int(np.argmax(score)))
    return ["#" + "".join(f"{int(c):02X}" for c in pool[i]) for i in chosen]


if __name__ == "__main__":
    palette = design()
    for colour in palette:
        print(f'    "{colour}",')
    rgb = np.array([_rgb(h) for h in palette])
    for k in (8, 12, 20):
        print(k, {v: round(min_delta_e(rgb[:k], v), 1) for v in VISIONS})
