"""gmm-viz: watch, understand and explore the EM algorithm on Gaussian Mixture Models."""

__version__ = "0.1.0"

__all__ = ["GaussianMixtureEM", "__version__", "show"]


def __getattr__(name):
    # Lazy, so that ``import gmm_viz`` (e.g. for the CLI's --help) stays fast and the
    # engine's scikit-learn import happens only when the estimator is wanted.
    if name == "GaussianMixtureEM":
        from gmm_viz.engine.estimator import GaussianMixtureEM

        return GaussianMixtureEM
    if name == "show":  # the window on an array or a fitted model (imports Qt when called)
        from gmm_viz.gui.show import show

        return show
    raise AttributeError(f"module 'gmm_viz' has no attribute {name!r}")
