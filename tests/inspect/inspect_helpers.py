"""Hand-made snapshots for the inspect tests."""

import numpy as np

from gmm_viz.engine.snapshot import Snapshot


def snapshot_of(weights, means, covariances, iteration=1):
    """A snapshot holding only these parameters (the rest is not read)."""
    k = len(weights)
    return Snapshot(iteration=iteration, weights=np.asarray(weights, float),
                    means=np.asarray(means, float), covariances=np.asarray(covariances, float),
                    log_likelihood=0.0, mean_log_likelihood=0.0, labels=None,
                    nk=np.ones(k), det=np.ones(k), min_eigenvalue=np.ones(k),
                    condition_number=np.ones(k), flagged=np.zeros(k, bool))
