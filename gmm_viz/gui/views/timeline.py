"""The timeline under the canvas: scrub to any iteration of the run, step back and forward.

The bar only shows positions and emits requests; the worker owns the history and decides
what is shown (see :mod:`gmm_viz.run.history`).

A long run's history is thinned to stay within its memory budget
(:data:`gmm_viz.limits.HISTORY_BUDGET_BYTES`): then a strip under the slider shows which
iterations are kept (dark where every iteration is, lighter where few are), the tooltips
say how many, and a drag onto a thinned iteration lands on the nearest kept one.
"""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QRect, Qt, pyqtSignal
from PyQt6.QtGui import QAction, QColor, QKeySequence, QPainter
from PyQt6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QStyle,
    QStyleOptionSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gmm_viz.limits import HISTORY_BUDGET_BYTES
from gmm_viz.palette import FOREGROUND

#: What each phase shows, for the readout's tooltip (``{t}`` is the iteration shown).
PHASE_TEXT = {
    "full": "",
    "start": "start: the initial Gaussians θ(0), before the first E-step (no colours yet)",
    "E": ("E-step of iteration {t}: points recoloured by the responsibilities from "
          "θ({p}); the Gaussians not moved yet"),
    "detected": ("iteration {t}: the M-step's Gaussians as the singularity rule caught "
                 "them, before it re-places the caught ones (next frame)"),
    "M": "M-step of iteration {t}: Gaussians moved to θ({t}) to fit those colours",
}
#: The phase's short name after the iteration in the readout.
PHASE_SHORT = {"start": "start", "E": "E-step", "detected": "caught", "M": "M-step"}


#: Tooltip of the slider while every iteration is kept.
SLIDER_TIP = ("Every iteration of this run: drag to go back in time (pauses); Play from a "
              "past iteration continues from there")
#: Height of the strip of kept iterations under the slider, in pixels.
STRIP_HEIGHT = 5


def kept_text(n_kept: int, n_iterations: int, budget_bytes: int = HISTORY_BUDGET_BYTES) -> str:
    """``"1,234 of 100,000 iterations kept (older ones thinned to stay within 500 MiB)"``."""
    return (f"{n_kept:,} of {n_iterations:,} iterations kept (older ones thinned to stay "
            f"within {budget_bytes / (1 << 20):,.0f} MiB)")


def nearest_in(kept: np.ndarray, value: int) -> int:
    """The element of the sorted ``kept`` closest to ``value`` (ties: the earlier one)."""
    after = int(np.searchsorted(kept, value))
    if after < len(kept) and kept[after] == value:
        return int(value)
    if after == 0:
        return int(kept[0])
    if after == len(kept):
        return int(kept[-1])
    earlier, later = int(kept[after - 1]), int(kept[after])
    return earlier if value - earlier <= later - value else later


def kept_fraction(kept: np.ndarray, n_iterations: int, x0: float, x_last: float,
                  width: int) -> np.ndarray:
    """Fraction of the iterations drawn at each pixel column that are kept.

    Parameters
    ----------
    kept : ndarray of shape (n_kept,) of int
        Kept iterations, sorted, in ``0 .. n_iterations - 1``.
    n_iterations : int
    x0, x_last : float
        Pixel positions of iteration 0 and of the last iteration (as the slider draws
        its handle's centre).
    width : int
        Number of pixel columns.

    Returns
    -------
    ndarray of shape (width,)
        NaN where no iteration falls in the column (a gap between iterations).
    """
    last = max(n_iterations - 1, 1)
    scale = (x_last - x0) / last  # pixels per iteration
    columns = np.arange(width, dtype=np.float64)
    kept = np.asarray(kept, dtype=np.int64)  # sorted
    if scale <= 0:
        counts, kept_counts = np.zeros(width), np.zeros(width)
        column = min(max(int(x0), 0), width - 1)
        counts[column], kept_counts[column] = n_iterations, len(kept)
    else:
        # Iterations i with floor(x0 + i * scale) == column are start <= i < stop; counted
        # per column (the kept ones by bisection), so the cost follows the strip's width,
        # not the number of iterations (a run may have a million; this runs every frame).
        start = np.clip(np.ceil((columns - x0) / scale - 1e-9), 0, n_iterations)
        stop = np.clip(np.ceil((columns + 1 - x0) / scale - 1e-9), 0, n_iterations)
        counts = stop - start
        kept_counts = (np.searchsorted(kept, stop.astype(np.int64))
                       - np.searchsorted(kept, start.astype(np.int64))).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = np.where(counts > 0, np.minimum(kept_counts / counts, 1.0), np.nan)
    return fraction


class KeptStrip(QWidget):
    """A thin strip under the slider: which iterations of a thinned history are kept.

    Each pixel column is drawn with an opacity that grows with the share of its
    iterations that are kept: solid where every one is (the newest, and all of a short
    run), faint where older iterations were thinned. Nothing is drawn while every
    iteration is kept.
    """

    def __init__(self, slider: QSlider, parent=None):
        super().__init__(parent)
        self._slider = slider
        self._kept = None  # sorted int array, or None: every iteration
        self._n_iterations = 0
        self._edits = ()  # iterations changed by hand: a purple tick each
        self.setFixedHeight(STRIP_HEIGHT)

    @property
    def thinned(self) -> bool:
        return self._kept is not None and len(self._kept) < self._n_iterations

    def set_kept(self, kept, n_iterations: int):
        self._kept, self._n_iterations = kept, int(n_iterations)
        self.update()

    def set_edits(self, edits) -> None:
        """Mark the iterations the user changed by hand (dragged means or outlines)."""
        edits = tuple(int(e) for e in edits)
        if edits != self._edits:
            self._edits = edits
            self.update()

    def edit_positions(self) -> list:
        """x of each edit's tick in this widget (tests read them)."""
        x0, x_last = self.handle_centres()
        span = max(self._n_iterations - 1, 1)
        return [x0 + (x_last - x0) * e / span for e in self._edits]

    def handle_centres(self) -> tuple:
        """x in this widget of the slider handle's centre at its minimum and maximum."""
        slider = self._slider
        option = QStyleOptionSlider()
        slider.initStyleOption(option)
        style = slider.style()
        control = QStyle.ComplexControl.CC_Slider
        groove = style.subControlRect(control, option, QStyle.SubControl.SC_SliderGroove,
                                      slider)
        handle = style.subControlRect(control, option, QStyle.SubControl.SC_SliderHandle,
                                      slider)
        # QSlider puts the handle's left edge at groove.x() + sliderPositionFromValue(...,
        # groove.width() - handle.width()), as QSlider's own pixelPosToRangeValue does.
        offset = slider.mapTo(self.parentWidget(), slider.rect().topLeft()).x() - self.x()
        first = offset + groove.x() + handle.width() / 2.0
        return first, first + max(groove.width() - handle.width(), 0)

    def fractions(self) -> np.ndarray | None:
        """Share of kept iterations per pixel column (None while nothing is thinned)."""
        if not self.thinned or self.width() <= 0:
            return None
        x0, x_last = self.handle_centres()
        return kept_fraction(self._kept, self._n_iterations, x0, x_last, self.width())

    def paintEvent(self, event):
        fractions = self.fractions()
        if fractions is None and not self._edits:
            return
        painter = QPainter(self)
        for x in self.edit_positions():
            painter.fillRect(QRect(round(x) - 1, 0, 3, self.height()),
                             QColor(120, 60, 170))
        if fractions is None:
            painter.end()
            return
        x0, x_last = self.handle_centres()
        baseline = QColor(*FOREGROUND, 40)
        painter.fillRect(QRect(int(x0), self.height() - 1, int(x_last - x0) + 1, 1), baseline)
        # Runs of equal opacity are drawn as one rectangle (a few hundred at most).
        alpha = np.where(np.isnan(fractions), 0,
                         np.where(fractions > 0, 50 + 205 * np.nan_to_num(fractions), 0))
        alpha = alpha.astype(np.int64)
        edges = np.flatnonzero(np.diff(alpha)) + 1
        for start, stop in zip(np.r_[0, edges], np.r_[edges, len(alpha)]):
            if alpha[start] > 0:
                painter.fillRect(QRect(int(start), 0, int(stop - start), self.height()),
                                 QColor(*FOREGROUND, int(alpha[start])))
        painter.end()


class TimelineBar(QWidget):
    """A slider over the iterations of the run, with step back/forward and half-steps.

    Parameters
    ----------
    step_forward : QAction
        The window's Step action (forward through the history, EM at its end).

    Signals
    -------
    sigSeekRequested(int)
        The user dragged the slider (or clicked it) to this iteration: in a thinned
        history, the kept iteration nearest to where the slider was dragged.
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
        tip = ("Show each iteration in two frames: its E-step (points recoloured by the "
               "previous Gaussians), then its M-step (Gaussians moved to fit them)")
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
        self.slider.setToolTip(SLIDER_TIP)
        self.kept_strip = KeptStrip(self.slider)
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
        track = QVBoxLayout()
        track.setContentsMargins(0, 0, 0, 0)
        track.setSpacing(0)
        track.addWidget(self.slider)
        track.addWidget(self.kept_strip)
        layout.addLayout(track, 1)
        layout.addWidget(forward)
        layout.addWidget(self.label)
        layout.addWidget(self.half_check)
        self._layout = layout
        self.slider.valueChanged.connect(self._on_slider_changed)
        self._iteration, self._last, self._phase = 0, 0, "full"
        self._kept = None  # sorted kept iterations of a thinned history, else None
        self.show_position(0, 0)

    def add_tool(self, action) -> None:
        """A button for ``action`` at the end of the bar (the window's Draw toggle)."""
        from PyQt6.QtWidgets import QToolButton

        button = QToolButton()
        button.setDefaultAction(action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self._layout.addWidget(button)

    @property
    def half_steps(self) -> bool:
        return self.action_half_steps.isChecked()

    @property
    def thinned(self) -> bool:
        """True when the run's history no longer keeps every iteration."""
        return self._kept is not None

    def show_position(self, iteration: int, last: int, phase: str = "full", kept=None,
                      edits=()):
        """Show iteration ``iteration`` of ``0 .. last`` without emitting.

        Parameters
        ----------
        iteration, last : int
            The EM iteration shown (``Frame.iteration``: at an E-step, the iteration
            whose E-step it is) and the newest one.
        phase : {"full", "start", "E", "detected", "M"}
        kept : ndarray of int, optional
            The kept iterations of a thinned history, sorted (``History.kept``); None or
            every iteration means nothing is thinned.
        edits : sequence of int
            Iterations changed by hand: a purple tick under the slider at each.
        """
        self._iteration, self._last, self._phase = int(iteration), int(last), phase
        n_iterations = max(int(last), 0) + 1
        if kept is not None and len(kept) >= n_iterations:
            kept = None  # every iteration is kept
        self._kept = None if kept is None else np.asarray(kept, dtype=np.int64)
        self.kept_strip.set_kept(self._kept, n_iterations)
        self.kept_strip.set_edits(edits)
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(int(last), 0))
        self.slider.setValue(int(iteration))
        self.slider.blockSignals(False)
        self.label.setText(self.position_text())
        tip = (PHASE_TEXT.get(phase, "").format(t=int(iteration), p=int(iteration) - 1)
               or "The iteration shown, of all the iterations run so far")
        extra = self.kept_text()
        self.label.setToolTip(f"{tip}; {extra}" if extra else tip)
        self.slider.setToolTip(f"{SLIDER_TIP}. {extra}; a drag lands on the nearest kept "
                               "one" if extra else SLIDER_TIP)
        self.kept_strip.setToolTip(f"Kept iterations, darker where more are kept: {extra}"
                                   if extra else "")

    def kept_text(self) -> str:
        """How many iterations are kept, or "" while every one is."""
        if self._kept is None:
            return ""
        return kept_text(len(self._kept), self._last + 1)

    def nearest_kept(self, iteration: int) -> int:
        """The kept iteration nearest to ``iteration`` (ties: the earlier one)."""
        if self._kept is None or not len(self._kept):
            return int(iteration)
        return nearest_in(self._kept, int(iteration))

    def position_text(self) -> str:
        """``"iteration 3 / 40"``, with the frame of the iteration when it has several:
        ``"iteration 3 / 40 · E-step"`` (or ``M-step``, ``caught``: the state a rule
        caught before re-placing it, ``start``)."""
        text = f"iteration {self._iteration} / {self._last}"
        if self._phase in PHASE_SHORT:
            text += f" · {PHASE_SHORT[self._phase]}"
        return text

    def _on_slider_changed(self, value: int):
        target = self.nearest_kept(value)
        if target != value:
            # A thinned iteration cannot be shown: the handle moves onto the one that
            # will be (the worker snaps the same way) and that one is requested.
            self.slider.blockSignals(True)
            self.slider.setValue(target)
            self.slider.blockSignals(False)
        self.sigSeekRequested.emit(int(target))

    def _on_half_steps_changed(self, checked: bool):
        self.half_check.blockSignals(True)
        self.half_check.setChecked(checked)
        self.half_check.blockSignals(False)
        self.sigHalfStepsToggled.emit(checked)
