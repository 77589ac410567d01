"""Starting parameters for EM, selectable by name.

Two families:

* the study's: ``random_range`` (means uniform in the data's bounding box) and
  ``same_point`` (every mean at one point), which set parameters directly;
* scikit-learn's: ``kmeans``, ``k-means++``, ``random``, ``random_from_data``, which make
  responsibilities with scikit-learn's own routines, exactly as
  ``GaussianMixture._initialize_parameters`` does, and leave the first M-step to the engine.

Every initialiser takes the data in the user's coordinates and a ``RandomState`` and
returns an :class:`InitialState`. Nothing here imports Qt.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class InitialState:
    """Either responsibilities or explicit parameters (user coordinates).

    Attributes
    ----------
    resp : ndarray of shape (n_samples, n_components) or None
    weights : ndarray of shape (n_components,) or None
    means : ndarray of shape (n_components, n_features) or None
    covariances : ndarray of shape (n_components, n_features, n_features) or None
    """

    resp: np.ndarray | None = None
    weights: np.ndarray | None = None
    means: np.ndarray | None = None
    covariances: np.ndarray | None = None


def _start_covariances(X, config):
    n_features = X.shape[1]
    if config.init_covariance == "identity":
        cov = np.eye(n_features)
    else:
        cov = np.atleast_2d(np.cov(X, rowvar=False))
    return np.broadcast_to(cov, (config.n_components, n_features, n_features)).copy()


def _random_range(X, config, random_state):
    low, high = X.min(axis=0), X.max(axis=0)
    means = random_state.uniform(low, high, size=(config.n_components, X.shape[1]))
    weights = np.full(config.n_components, 1.0 / config.n_components)
    return InitialState(weights=weights, means=means, covariances=_start_covariances(X, config))


def _same_point(X, config, random_state):
    n_features = X.shape[1]
    point = np.zeros(n_features) if config.same_point_location == "origin" else X.mean(axis=0)
    means = np.tile(point, (config.n_components, 1))
    if config.perturb:
        # Scaled to the data so that the nudge is "tiny" on any units.
        spread = X.std(axis=0)
        spread[spread == 0] = 1.0
        means += config.perturbation * spread * random_state.standard_normal(means.shape)
    weights = np.full(config.n_components, 1.0 / config.n_components)
    return InitialState(weights=weights, means=means, covariances=_start_covariances(X, config))


def _one_hot(n_samples, labels_per_sample=None, samples_per_component=None, k=None):
    resp = np.zeros((n_samples, k))
    if labels_per_sample is not None:
        resp[np.arange(n_samples), labels_per_sample] = 1.0
    else:
        resp[samples_per_component, np.arange(k)] = 1.0
    return resp


def _kmeans(X, config, random_state):
    k = config.n_components
    from sklearn.cluster import KMeans  # (scikit-learn's import takes ~1.4 s: only when used)

    labels = KMeans(n_clusters=k, n_init=1, random_state=random_state).fit(X).labels_
    return InitialState(resp=_one_hot(len(X), labels_per_sample=labels, k=k))


def _kmeans_plusplus(X, config, random_state):
    k = config.n_components
    from sklearn.cluster import kmeans_plusplus

    _, indices = kmeans_plusplus(X, k, random_state=random_state)
    return InitialState(resp=_one_hot(len(X), samples_per_component=indices, k=k))


def _random(X, config, random_state):
    resp = random_state.uniform(size=(len(X), config.n_components))
    resp /= resp.sum(axis=1)[:, None]
    return InitialState(resp=resp)


def _random_from_data(X, config, random_state):
    k = config.n_components
    indices = random_state.choice(len(X), size=k, replace=False)
    return InitialState(resp=_one_hot(len(X), samples_per_component=indices, k=k))


#: Initialisers by the name used in configs, the CLI and the app.
INITIALISERS = {
    "random_range": _random_range,
    "same_point": _same_point,
    "kmeans": _kmeans,
    "k-means++": _kmeans_plusplus,
    "random": _random,
    "random_from_data": _random_from_data,
}


def initial_state(X, config, random_state) -> InitialState:
    """Run the initialiser named by ``config.init``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    config : EMConfig
    random_state : numpy.random.RandomState

    Returns
    -------
    InitialState
    """
    return INITIALISERS[config.init](X, config, random_state)
