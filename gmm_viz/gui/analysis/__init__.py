"""The analysis views: many starts side by side, and model selection (BIC/AIC against k).

- :mod:`~gmm_viz.gui.analysis.starts_view`: the Starts view (small multiples from
  :mod:`~gmm_viz.gui.analysis.starts_grid`, overlaid curves from
  :mod:`~gmm_viz.gui.analysis.starts_curves`);
- :mod:`~gmm_viz.gui.analysis.selection_view`: the Model selection view (its plot in
  :mod:`~gmm_viz.gui.analysis.criterion_plot`);
- :mod:`~gmm_viz.gui.analysis.actions`: the Analyse menu, :func:`install_analysis`.

The computations are the Qt-free :mod:`gmm_viz.selection`'s, run in its background
thread; these views only draw what they take from it.
"""

from gmm_viz.gui.analysis.actions import AnalysisActions, install_analysis

__all__ = ["AnalysisActions", "install_analysis"]
