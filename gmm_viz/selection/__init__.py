"""Which start and which model: the start race and model selection (no Qt).

- :mod:`~gmm_viz.selection.race`: N starts of one model side by side
  (:class:`StartRace`), each with its whole history;
- :mod:`~gmm_viz.selection.optima`: which starts ended in the same optimum (log-likelihood
  and parameters, up to the components' labels);
- :mod:`~gmm_viz.selection.grid`: BIC and AIC for every k and covariance type
  (:func:`fit_grid`), cancellable between EM iterations;
- :mod:`~gmm_viz.selection.criteria`: BIC and AIC with scikit-learn's parameter counts;
- :mod:`~gmm_viz.selection.background`: a thread the GUI reads latest-only, never waits on.

The window's Starts and Model selection views (:mod:`gmm_viz.gui.analysis`) and the
``starts`` and ``select`` commands are faces of these.
"""

from gmm_viz.selection.background import BackgroundJob, Cancelled
from gmm_viz.selection.criteria import aic, bic, n_parameters
from gmm_viz.selection.grid import GridResult, ModelFit, fit_grid, fit_model, parse_k_range
from gmm_viz.selection.optima import OptimumTolerance, group_optima, same_optimum
from gmm_viz.selection.race import (
    DEFAULT_STARTS,
    MAX_STARTS,
    RaceState,
    StartOutcome,
    StartRace,
    start_seeds,
)

__all__ = ["DEFAULT_STARTS", "MAX_STARTS", "BackgroundJob", "Cancelled", "GridResult",
           "ModelFit", "OptimumTolerance", "RaceState", "StartOutcome", "StartRace", "aic",
           "bic", "fit_grid", "fit_model", "group_optima", "n_parameters", "parse_k_range",
           "same_optimum", "start_seeds"]
