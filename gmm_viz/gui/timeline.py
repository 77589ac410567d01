"""The timeline under the canvas: scrub to any iteration of the run, step back and forward.

The bar only shows positions and emits requests; the worker owns the history and decides
what is shown (see :mod:`gmm_viz.gui.history`).
"""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QAction, QKeySequence
from PyQt6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSlider, QToolButton, QWidget

#: Text of each phase in the readout.
PHASE_TEXT = {
    "full": "",
    "E": "after E: points recoloured, Gaussians not moved yet",
    "M": "after M: Gaussians moved to fit those colours",
}


class TimelineBar(QWidget):
    """A slider over the iterations of the run, with step back/forward and half-steps.

    Parameters
    ----------
    step_forward : QAction
        The window's Step action (forward through the history, EM at its end).

    Signals
    -------
    sigSeekRequested(int)
        The user dragged the slider (or clicked it) to this iteration.
    sigStepBackRequested()
        Step back one iteration (or half-iteration); the ``action_step_back`` action.
    sigHalfStepsToggled(bool)
        "Show E and M half-steps" was switched on or off.
    """

    sigSeekRequested = pyqtSignal(int)
    sigStepBackRequested = pyqtSignal()
    sigHalfStepsToggled = pyqtSignal(bool)

    def __init__(self, step_forward: QAction, parent=None):
        super().__init__(parent)
        self.action_step_back = QAction("Step back", self)
        self.action_step_back.setShortcut(QKeySequence("Left"))
        tip = "Show the previous iteration of this run (Left)"
        self.action_step_back.setToolTip(tip)
        self.action_step_back.setStatusTip(tip)
        self.action_step_back.triggered.connect(lambda: self.sigStepBackRequested.emit())
        self.action_half_steps = QAction("Show E and M half-steps", self)
        self.action_half_steps.setCheckable(True)
        tip = ("Show each iteration in two frames: after the E-step (points recoloured, "
               "old ellipses), then after the M-step (ellipses moved)")
        self.action_half_steps.setToolTip(tip)
        self.action_half_steps.setStatusTip(tip)
        self.action_half_steps.toggled.connect(self._on_half_steps_changed)

        back = QToolButton()
        back.setDefaultAction(self.action_step_back)
        back.setArrowType(Qt.ArrowType.LeftArrow)
        forward = QToolButton()
        forward.setDefaultAction(step_forward)
        forward.setArrowType(Qt.ArrowType.RightArrow)
        forward.setToolTip("Show the next iteration: from the history, or one more EM "
                           "step at its end (Right)")
        for button in (back, forward):
            button.setAutoRaise(True)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.setPageStep(10)
        self.slider.setMinimumWidth(120)
        # Arrow keys belong to the window's step actions, not to the slider.
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.slider.setToolTip("Every iteration of this run: drag to go back in time "
                               "(pauses); Play from a past iteration continues from there")
        self.label = QLabel()
        self.label.setMinimumWidth(140)
        self.label.setToolTip("The iteration shown, of all the iterations run so far")
        self.half_check = QCheckBox("E/M half-steps")
        self.half_check.setToolTip(tip)
        self.half_check.toggled.connect(self.action_half_steps.setChecked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(4)
        layout.addWidget(back)
        layout.addWidget(self.slider, 1)
        layout.addWidget(forward)
        layout.addWidget(self.label)
        layout.addWidget(self.half_check)
        self.slider.valueChanged.connect(self._on_slider_changed)
        self._iteration, self._last, self._phase = 0, 0, "full"
        self.show_position(0, 0)

    @property
    def half_steps(self) -> bool:
        return self.action_half_steps.isChecked()

    def show_position(self, iteration: int, last: int, phase: str = "full"):
        """Show iteration ``iteration`` of ``0 .. last`` without emitting."""
        self._iteration, self._last, self._phase = int(iteration), int(last), phase
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(int(last), 0))
        self.slider.setValue(int(iteration))
        self.slider.blockSignals(False)
        self.label.setText(self.position_text())
        self.label.setToolTip(PHASE_TEXT.get(phase) or "The iteration shown, of all the "
                              "iterations run so far")

    def position_text(self) -> str:
        """``"iteration 3 / 40"``, with the half-step (``· after E``) when there is one."""
        text = f"iteration {self._iteration} / {self._last}"
        if self._phase in ("E", "M"):
            text += f"  · after {self._phase}"
        return text

    def _on_slider_changed(self, value: int):
        self.sigSeekRequested.emit(int(value))

    def _on_half_steps_changed(self, checked: bool):
        self.half_check.blockSignals(True)
        self.half_check.setChecked(checked)
        self.half_check.blockSignals(False)
        self.sigHalfStepsToggled.emit(checked)
