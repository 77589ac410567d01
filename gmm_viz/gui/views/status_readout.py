"""The status bar's readouts of the state shown: iteration, log-likelihood, change,
convergence, recoveries and identical components, in the words of
:mod:`gmm_viz.run.describe`. Each describes the state on screen, also while looking back."""

from __future__ import annotations

from PyQt6.QtWidgets import QLabel

from gmm_viz.run import describe
from gmm_viz.run.agreement import ARI_EXPLANATION

#: What each readout means, shown as its tooltip (in the order of the readouts).
TOOLTIPS = {
    "iteration": ("The EM iteration shown (with half-steps: its E-step, its M-step, and a "
                  "state a rule caught before re-placing it), of all run so far"),
    "loglik": "Total log-likelihood of the data under the parameters shown",
    "change": "Change of the log-likelihood shown from the iteration before it",
    "converged": "Whether the state shown is converged (the change fell below the tolerance)",
    "recoveries": "Singularity recoveries up to the state shown, and in the whole run",
    "identical": "Components with the same weight, mean and covariance (drawn as one)",
    "agreement": ARI_EXPLANATION,
}


class StatusReadout:
    """One label per readout, placed in a status bar as permanent widgets.

    Not a widget itself: each label is its own status bar item, as the status bar frames
    and spaces them (and :meth:`show` would hide ``QWidget.show``).

    Attributes
    ----------
    labels : dict of str to QLabel
        By key of :data:`gmm_viz.run.describe.STATUS_KEYS`.
    """

    def __init__(self):
        self.labels = {}
        for key in describe.STATUS_KEYS:
            label = QLabel()
            label.setToolTip(TOOLTIPS[key])
            label.setContentsMargins(6, 0, 6, 0)
            self.labels[key] = label
        self.show(None)

    def add_to(self, status_bar):
        """Place the readouts at the right of ``status_bar`` (a QStatusBar)."""
        for label in self.labels.values():
            status_bar.addPermanentWidget(label)

    def show(self, frame):
        """Show the readouts of ``frame`` (a :class:`~gmm_viz.run.session.Frame`), or
        those of no run yet when it is None."""
        for key, text in describe.status_texts(frame).items():
            self.labels[key].setText(text)
        # Shown only when they have something to say (identical components are rare;
        # only data with true labels has an agreement).
        for key in ("identical", "agreement"):
            self.labels[key].setVisible(bool(self.labels[key].text()))
