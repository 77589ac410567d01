"""The origin study's loop: EM with a matplotlib redraw of everything after every iteration.

The study that gmm-viz grew out of watched EM with a small numpy/scipy class that redrew a
matplotlib figure every iteration: the points, each Gaussian's density as contours, the
means, and the log-likelihood curve so far (DESIGN.md; measured then at 3.5 frames/s on
500 points and 0.37 on 2,000). This is a small, faithful reconstruction of that loop, the
reference the app's frame rate is compared with:

- the study's data (the blobs set) and start: weights 1/k, covariances I, means uniform
  in the data's range, ``reg_cov = 1e-6 I``, the rule ``abs(det(cov)) < 1e-2`` re-placing
  a mean at random with covariance I and a high weight;
- densities through ``scipy.stats.multivariate_normal`` one component at a time;
- the contours drawn on the grid of the sorted data coordinates, ``np.meshgrid(sort(x),
  sort(y))``, N x N values per component, as the tutorial class the study started from
  did. That grid is why the loop slows down faster than the number of points grows (the
  two measurements above differ by 9.5x for 4x the points; a fixed grid would not);
- every iteration the axes are cleared and redrawn and the figure is rendered to an Agg
  canvas (``canvas.draw()``, what a window's ``plt.pause`` also pays).

``python -m gmm_viz.bench.study_loop --points 500`` times it alone; the app benchmark
(:mod:`gmm_viz.bench.app`) runs it beside the window. matplotlib is an optional extra
(``pip install 'gmm-viz[bench]'``): without it the loop says so instead of failing.
Benchmarks are not tests: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

#: What the loop says when matplotlib is missing (it is only needed here).
MATPLOTLIB_MISSING = "matplotlib not installed: pip install 'gmm-viz[bench]'"
#: The study's number of components on its blobs.
STUDY_K = 5
#: The study's singularity rule: a component with ``abs(det(cov))`` below this is re-placed.
DET_THRESHOLD = 1e-2
#: The weight a re-placed component gets before the weights are renormalised.
RECOVERY_WEIGHT = 0.5


class MatplotlibMissing(ImportError):
    """matplotlib, an optional extra, is not installed."""

    def __init__(self):
        super().__init__(MATPLOTLIB_MISSING)


def _agg_figure():
    """A two-axes figure on an Agg canvas (no pyplot, no window, no global backend)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise MatplotlibMissing() from exc
    figure = Figure(figsize=(10, 5), dpi=100)
    canvas = FigureCanvasAgg(figure)
    data_axes, curve_axes = figure.subplots(1, 2)
    return canvas, data_axes, curve_axes


class StudyLoop:
    """EM on ``X`` as the study ran it: one iteration, then a full redraw.

    Parameters
    ----------
    X : ndarray of shape (n_samples, 2)
    n_components : int
    seed : int
        Seed of the random means and of the re-placements.
    """

    def __init__(self, X, n_components: int = STUDY_K, seed: int = 0):
        self.X = np.asarray(X, dtype=float)
        n_features = self.X.shape[1]
        self.rng = np.random.RandomState(seed)
        self.low, self.high = self.X.min(axis=0), self.X.max(axis=0)
        self.means = self.rng.uniform(self.low, self.high, size=(n_components, n_features))
        self.covs = np.array([np.eye(n_features)] * n_components)
        self.weights = np.full(n_components, 1.0 / n_components)
        self.reg_cov = 1e-6 * np.eye(n_features)
        self.log_likelihoods: list[float] = []
        # The contour grid: every pair of sorted coordinates, (n_samples**2, 2).
        self.grid_x, self.grid_y = np.sort(self.X[:, 0]), np.sort(self.X[:, 1])
        gx, gy = np.meshgrid(self.grid_x, self.grid_y)
        self.grid = np.column_stack([gx.ravel(), gy.ravel()])
        self.canvas, self.data_axes, self.curve_axes = _agg_figure()

    def _densities(self, points):
        """Weighted component densities at ``points``, shape (n_points, n_components)."""
        from scipy.stats import multivariate_normal

        return np.column_stack([
            weight * multivariate_normal(mean, cov + self.reg_cov).pdf(points)
            for weight, mean, cov in zip(self.weights, self.means, self.covs)])

    def iterate(self):
        """One EM iteration: E-step, M-step, the det rule, the log-likelihood."""
        weighted = self._densities(self.X)
        resp = weighted / np.maximum(weighted.sum(axis=1, keepdims=True), 1e-300)
        nk = resp.sum(axis=0) + 1e-12
        self.means = (resp.T @ self.X) / nk[:, None]
        for c in range(len(nk)):
            centred = self.X - self.means[c]
            self.covs[c] = (resp[:, c, None] * centred).T @ centred / nk[c] + self.reg_cov
        self.weights = nk / nk.sum()
        for c in range(len(nk)):
            if abs(np.linalg.det(self.covs[c])) < DET_THRESHOLD:
                self.means[c] = self.rng.uniform(self.low, self.high)
                self.covs[c] = np.eye(self.X.shape[1])
                self.weights[c] = RECOVERY_WEIGHT
                self.weights /= self.weights.sum()
        density = self._densities(self.X).sum(axis=1)
        self.log_likelihoods.append(float(np.sum(np.log(np.maximum(density, 1e-300)))))

    def redraw(self):
        """Clear and draw the data, the contours, the means and the curve; render."""
        from scipy.stats import multivariate_normal

        axes, n = self.data_axes, len(self.X)
        axes.cla()
        axes.scatter(self.X[:, 0], self.X[:, 1], s=6)
        for mean, cov in zip(self.means, self.covs):
            values = multivariate_normal(mean, cov + self.reg_cov).pdf(self.grid)
            axes.contour(self.grid_x, self.grid_y, values.reshape(n, n), colors="black",
                         alpha=0.3)
            axes.scatter(mean[0], mean[1], c="grey", zorder=10, s=100)
        self.curve_axes.cla()
        self.curve_axes.plot(self.log_likelihoods)
        self.curve_axes.set_title("log-likelihood")
        self.canvas.draw()


def measure(n_points: int, seconds: float = 10.0, min_frames: int = 3) -> dict:
    """Frames per second of the study's loop on ``n_points`` blobs.

    One frame (an iteration and its redraw) is a warm-up; then frames are timed until
    ``seconds`` have passed and at least ``min_frames`` were drawn.

    Returns
    -------
    dict
        ``n_points``, ``frames``, ``seconds``, ``fps``, ``ms_per_frame`` (the median).

    Raises
    ------
    MatplotlibMissing
        When matplotlib is not installed.
    """
    from gmm_viz.data import make_dataset

    loop = StudyLoop(make_dataset("blobs", n_samples=n_points).X)
    loop.iterate()
    loop.redraw()
    times, started = [], time.monotonic()
    while time.monotonic() - started < seconds or len(times) < min_frames:
        frame_started = time.monotonic()
        loop.iterate()
        loop.redraw()
        times.append(time.monotonic() - frame_started)
    total = time.monotonic() - started
    return {"n_points": int(n_points), "frames": len(times), "seconds": total,
            "fps": len(times) / total, "ms_per_frame": 1e3 * float(np.median(times))}


def main(argv=None) -> int:
    """Time the loop; print a line (or JSON with ``--json``). Exit 1 without matplotlib."""
    parser = argparse.ArgumentParser(prog="python -m gmm_viz.bench.study_loop",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=500, help="points (default 500)")
    parser.add_argument("--seconds", type=float, default=10.0,
                        help="timed seconds, after one warm-up frame (default 10)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    try:
        result = measure(args.points, args.seconds)
    except MatplotlibMissing:
        print(MATPLOTLIB_MISSING, flush=True)
        return 1
    if args.json:
        print(json.dumps(result), flush=True)
    else:
        print(f"the study's matplotlib loop, {result['n_points']:,} points: "
              f"{result['fps']:.2f} frames/s ({result['ms_per_frame']:.0f} ms per frame, "
              f"{result['frames']} frames)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
