"""How different two colours look, to normal vision and to the common colour-vision
deficiencies: what the component palette (:mod:`gmm_viz.palette`) is chosen and tested by.

Colours are compared in CIELAB (D65) by the CIE76 distance ΔE*ab: about 2.3 is a just
noticeable difference, and colours of small marks (a 4 px point, a 2 px line) need far
more than that to be told apart. Deficient vision is simulated with the matrices of
Machado, Oliveira and Fernandes (2009, IEEE TVCG 15(6)) at severity 1.0 (dichromacy),
applied to linear RGB.
"""

from __future__ import annotations

import numpy as np

#: Machado et al. (2009), severity 1.0, for linear RGB.
CVD_MATRICES = {
    "protanopia": np.array([[0.152286, 1.052583, -0.204868],
                            [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968],
                              [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779],
                            [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
#: The visions the palette is checked under: normal, and the two common red-green
#: dichromacies (about 1 in 12 men has a red-green deficiency; tritanopia is rare).
VISIONS = ("normal", "protanopia", "deuteranopia")

_SRGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                         [0.2126729, 0.7151522, 0.0721750],
                         [0.0193339, 0.1191920, 0.9503041]])
_WHITE_D65 = np.array([0.95047, 1.0, 1.08883])


def to_linear(rgb) -> np.ndarray:
    """sRGB (0-255) to linear RGB (0-1). Shape (..., 3) to (..., 3)."""
    c = np.asarray(rgb, dtype=float) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def to_srgb(linear) -> np.ndarray:
    """Linear RGB (0-1, clipped) to sRGB (0-255 floats). Shape (..., 3) to (..., 3)."""
    c = np.clip(np.asarray(linear, dtype=float), 0.0, 1.0)
    return 255.0 * np.where(c <= 0.0031308, 12.92 * c, 1.055 * c ** (1 / 2.4) - 0.055)


def simulate(rgb, vision: str) -> np.ndarray:
    """How sRGB colours (0-255, shape (..., 3)) look under ``vision`` (see
    :data:`CVD_MATRICES`; ``"normal"`` returns them unchanged), as sRGB floats."""
    rgb = np.asarray(rgb, dtype=float)
    if vision == "normal":
        return rgb
    return to_srgb(to_linear(rgb) @ CVD_MATRICES[vision].T)


def to_lab(rgb) -> np.ndarray:
    """sRGB (0-255, shape (..., 3)) to CIELAB L*, a*, b* (D65), shape (..., 3)."""
    xyz = to_linear(rgb) @ _SRGB_TO_XYZ.T / _WHITE_D65
    delta = 6.0 / 29.0
    f = np.where(xyz > delta ** 3, np.cbrt(xyz), xyz / (3 * delta ** 2) + 4.0 / 29.0)
    return np.stack([116.0 * f[..., 1] - 16.0, 500.0 * (f[..., 0] - f[..., 1]),
                     200.0 * (f[..., 1] - f[..., 2])], axis=-1)


def pairwise_delta_e(rgb, vision: str = "normal") -> np.ndarray:
    """CIE76 ΔE between every pair of the colours ``rgb`` (shape (k, 3)) as seen under
    ``vision``; shape (k, k), zeros on the diagonal."""
    lab = to_lab(simulate(rgb, vision))
    return np.linalg.norm(lab[:, None, :] - lab[None, :, :], axis=-1)


def min_delta_e(rgb, vision: str = "normal") -> float:
    """The smallest ΔE between two different colours of ``rgb`` under ``vision``."""
    d = pairwise_delta_e(rgb, vision)
    if len(d) < 2:
        return float("inf")
    return float(d[~np.eye(len(d), dtype=bool)].min())
