"""The log-likelihood plot while it follows a growing run: what it draws stays exact while
only the new iterations are looked at (no test asserts a time; the drawing benchmark
measures speed)."""

import numpy as np
import pytest

from gmm_viz.gui.views.loglik_plot import CurveEnvelope, column_envelope


def _random_curve(rng, n, gaps=True):
    x = np.arange(n, dtype=float)
    y = np.cumsum(rng.standard_normal(n))
    if gaps:
        y[rng.random(n) < 0.05] = np.nan
    return x, y


@pytest.mark.parametrize("x_range", [(0.0, 2_500.0), (300.0, 900.0), (-50.0, 40.0),
                                     (2_900.0, 3_500.0), (100.0, 100.0)])
def test_growing_envelope_equals_the_envelope_of_the_whole_curve(x_range):
    """Fed the curve a few points at a time, the envelope is the one of the whole curve."""
    rng = np.random.default_rng(5)
    x, y = _random_curve(rng, 3_000)
    y[1_000:1_040] = np.round(y[1_000:1_040])  # ties: the first lowest/highest point wins
    envelope = CurveEnvelope(x_range, 120)
    n = 0
    while n < len(x):
        n = min(len(x), n + int(rng.integers(1, 60)))
        envelope.extend(x[:n], y[:n])
        index = envelope.indices()
        x_full, y_full = column_envelope(x[:n], y[:n], x_range, 120)
        np.testing.assert_array_equal(x[:n][index], x_full)
        np.testing.assert_array_equal(y[:n][index], y_full)
    assert envelope.n == len(x)
