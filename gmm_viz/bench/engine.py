"""Engine benchmarks: our EM against scikit-learn's on the same data and parameters.

One EM iteration (:func:`iteration_rows`), a 50-iteration fit (:func:`fit_rows`) and the
peak memory of a fit on 1,000,000 points, each in a fresh process (:func:`memory_rows`);
:func:`format_table` prints them. ``python -m gmm_viz.bench`` runs them all.

Times are medians of several runs; the machines are shared and noisy, so read the ratios.
Benchmarks are not tests: nothing here asserts a time.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import warnings

import numpy as np


def median_ms(func, repeats):
    """Median wall time of ``func()`` in milliseconds over ``repeats`` runs (after a warm-up)."""
    func()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return 1e3 * float(np.median(times))


def bench_data(n_samples, n_components=8, seed=0):
    """Points from ``n_components`` overlapping anisotropic clusters, and a start for EM."""
    from sklearn.datasets import make_blobs

    X, _ = make_blobs(n_samples=n_samples, centers=n_components, cluster_std=1.5,
                      random_state=seed)
    X = X @ np.random.RandomState(8).randn(2, 2)
    rng = np.random.RandomState(seed)
    means = X[rng.choice(n_samples, n_components, replace=False)]
    return X, means


def iteration_rows(n_samples=100_000, n_components=8, repeats=15):
    """One EM iteration, scikit-learn's private steps against the engine's step()."""
    from sklearn.mixture import GaussianMixture

    from gmm_viz.engine import EMConfig, EMEngine

    X, means = bench_data(n_samples, n_components)
    reference = GaussianMixture(n_components, means_init=means, max_iter=3,
                                random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference.fit(X)
    start = (reference.weights_.copy(), reference.means_.copy(),
             reference.covariances_.copy(), reference.precisions_cholesky_.copy())

    def sklearn_iteration():
        (reference.weights_, reference.means_, reference.covariances_,
         reference.precisions_cholesky_) = (a.copy() for a in start)
        _, log_resp = reference._e_step(X)
        reference._m_step(X, log_resp)

    rows = []
    ref_ms = median_ms(sklearn_iteration, repeats)
    rows.append(("scikit-learn _e_step + _m_step", ref_ms, 1.0))
    for labels in (False, True):
        config = EMConfig(n_components=n_components, weights_init=start[0], means_init=start[1],
                          precisions_init=np.linalg.inv(start[2]), rule="none",
                          compute_labels=labels)
        engine = EMEngine(X, config)
        # step() from the same parameters each time: reset() restores them
        ms = median_ms(lambda e=engine: (e.reset(), e.step()), repeats)
        ms -= median_ms(engine.reset, repeats)  # subtract the reset's own E-step
        name = "gmm-viz EMEngine.step" + (" (with labels)" if labels else "")
        rows.append((name, ms, ref_ms / ms))
    return rows


def fit_rows(n_samples=100_000, n_components=8, n_iter=50, repeats=3):
    """A whole fit of ``n_iter`` iterations from the same initial parameters."""
    from sklearn.mixture import GaussianMixture

    from gmm_viz import GaussianMixtureEM

    X, means = bench_data(n_samples, n_components)
    # All three given, so neither spends time in k-means (the cheap
    # "random_from_data" initialiser runs and is overridden, in both).
    common = {"n_components": n_components, "means_init": means,
              "weights_init": np.full(n_components, 1.0 / n_components),
              "precisions_init": np.array([np.linalg.inv(np.cov(X, rowvar=False))]
                                          * n_components),
              "init_params": "random_from_data", "max_iter": n_iter, "tol": 0.0,
              "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref_ms = median_ms(lambda: GaussianMixture(**common).fit(X), repeats)
        ours_ms = median_ms(lambda: GaussianMixtureEM(**common).fit(X), repeats)
    return [("scikit-learn GaussianMixture.fit", ref_ms, 1.0),
            ("gmm-viz GaussianMixtureEM.fit", ours_ms, ref_ms / ours_ms)]


_MEMORY_SCRIPT = """
import json, resource, sys, time, warnings
warnings.simplefilter("ignore")
from gmm_viz.bench.engine import bench_data
X, means = bench_data({n}, 8)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
if sys.argv[1] == "sklearn":
    from sklearn.mixture import GaussianMixture as Model
else:
    from gmm_viz import GaussianMixtureEM as Model
start = time.perf_counter()
Model(8, means_init=means, init_params="random_from_data", max_iter=20, tol=0.0,
      random_state=0).fit(X)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"peak_mib": peak / 1024, "data_mib": base / 1024, "seconds": seconds}}))
"""


def memory_rows(n_samples=1_000_000):
    """Peak resident memory of a 20-iteration fit on ``n_samples`` points, fresh processes."""
    rows = []
    for which in ("sklearn", "ours"):
        out = subprocess.run(
            [sys.executable, "-c", _MEMORY_SCRIPT.format(n=n_samples), which],
            capture_output=True, text=True, check=True,
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append((which, result["peak_mib"], result["data_mib"], result["seconds"]))
    return rows


def format_table(title, header, rows, formats):
    """A plain-text table."""
    widths = [max(len(h), *(len(f.format(r[i])) for r in rows)) for i, (h, f) in
              enumerate(zip(header, formats))]
    lines = [title, "  ".join(h.ljust(w) for h, w in zip(header, widths))]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(f.format(v).ljust(w) for v, f, w in zip(row, formats, widths)))
    return "\n".join(lines)
