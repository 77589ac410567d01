"""Information criteria of a fitted mixture: BIC and AIC, counted as scikit-learn counts.

scikit-learn's ``GaussianMixture.bic(X)`` is ``-2 * score(X) * n_samples + p * log(n_samples)``
and ``aic(X)`` is ``-2 * score(X) * n_samples + 2 * p``, where ``score(X) * n_samples`` is the
total log-likelihood of ``X`` under the fitted parameters and ``p`` the number of free
parameters (:func:`n_parameters`). Lower is better. (R's mclust plots the negative of
BIC, so its best model is the highest point; ours is the lowest.) Pure numpy, no Qt.
"""

from __future__ import annotations

import math

from gmm_viz.engine.covariance import n_parameters

__all__ = ["CRITERIA", "aic", "bic", "criterion", "n_parameters"]

#: The criteria a model can be chosen by.
CRITERIA = ("bic", "aic")


def bic(log_likelihood: float, n_samples: int, n_components: int, n_features: int,
        covariance_type: str) -> float:
    """Bayesian information criterion (lower is better).

    Parameters
    ----------
    log_likelihood : float
        Total log-likelihood of the data under the fitted parameters,
        ``sum_i log p(x_i)`` (a :class:`~gmm_viz.engine.Snapshot`'s ``log_likelihood``).
    n_samples, n_components, n_features : int
    covariance_type : {"full", "tied", "diag", "spherical"}

    Returns
    -------
    float
    """
    p = n_parameters(n_components, n_features, covariance_type)
    return -2.0 * float(log_likelihood) + p * math.log(n_samples)


def aic(log_likelihood: float, n_samples: int, n_components: int, n_features: int,
        covariance_type: str) -> float:
    """Akaike information criterion (lower is better); parameters as :func:`bic`."""
    del n_samples  # AIC does not depend on it; the same signature as bic
    p = n_parameters(n_components, n_features, covariance_type)
    return -2.0 * float(log_likelihood) + 2.0 * p


_FUNCTIONS = {"bic": bic, "aic": aic}


def criterion(name: str):
    """:func:`bic` or :func:`aic` by name.

    Raises
    ------
    ValueError
        For a name not in :data:`CRITERIA`.
    """
    try:
        return _FUNCTIONS[name]
    except KeyError:
        raise ValueError(f"criterion must be one of {', '.join(CRITERIA)}; got {name!r}.") from None
