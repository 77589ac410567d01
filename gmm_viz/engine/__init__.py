"""The EM engine: pure numpy/scipy/scikit-learn, never Qt.

Steppable EM (:class:`EMEngine`), its validated settings (:class:`EMConfig`), the immutable
:class:`Snapshot` it produces, and the scikit-learn-compatible estimator
(:class:`gmm_viz.engine.estimator.GaussianMixtureEM`).
"""

from gmm_viz.engine.config import ConfigError, EMConfig
from gmm_viz.engine.em import EMEngine
from gmm_viz.engine.snapshot import SingularityEvent, Snapshot

__all__ = ["ConfigError", "EMConfig", "EMEngine", "SingularityEvent", "Snapshot"]
