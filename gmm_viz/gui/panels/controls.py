"""The control panel: data, model, singularity, run and display settings.

The panel only knows widgets. It turns them into a validated
:class:`~gmm_viz.engine.EMConfig` (:attr:`ControlPanel.sigConfigChanged`), data requests
and display options; a value the config refuses becomes a message
(:attr:`ControlPanel.sigMessage`), never an exception.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PyQt6.QtCore import QEvent, QLocale, Qt, pyqtSignal
from PyQt6.QtGui import QDoubleValidator, QValidator
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gmm_viz.data import DataRequest
from gmm_viz.engine.config import (
    COVARIANCE_TYPES,
    INITIALISATIONS,
    RECOVERIES,
    RULES,
    ConfigError,
    EMConfig,
)
from gmm_viz.gui.actions import make_action
from gmm_viz.gui.panels.range_spin import RangeSpinBox
from gmm_viz.limits import MAX_K, MAX_POINTS, MAX_SEED, THRESHOLD_RANGE

#: Iterations per second offered by the speed slider; 0 means as fast as possible.
SPEEDS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 0)
DEFAULT_SPEED = 10

INIT_LABELS = {
    "random_range": "random in data range (study)",
    "same_point": "all at one point (study)",
    "kmeans": "k-means",
    "k-means++": "k-means++",
    "random": "random responsibilities",
    "random_from_data": "random data points",
}
RULE_LABELS = {
    "none": "none",
    "det": "|det(cov)| < threshold (study)",
    "relative_det": "det relative to data",
    "needle": "needle (condition number)",
    "det+needle": "det + needle",
    "relative_det+needle": "relative det + needle",
}
RECOVERY_LABELS = {
    "random_range": "re-place at random (study)",
    "worst_point": "re-place at worst point",
    "flag": "only flag",
}
DENSITY_MODES = ("off", "contours", "image")
LL_SCALES = ("total", "mean")


@dataclass(frozen=True)
class DisplayOptions:
    """How the views draw (never restarts the run)."""

    soft_colors: bool = False
    truth_colors: bool = False
    sigma_levels: tuple = (1, 2)
    density: str = "off"
    ll_scale: str = "total"


def _format_value(value: float) -> str:
    return f"{value:.3g}"


#: Bumped when the app's default model settings change (saved ones from before are not
#: restored; see ControlPanel.restore_state).
DEFAULTS_VERSION = 2

#: Each det rule's default threshold: the study's absolute one, and the app's scale-free one.
RULE_THRESHOLDS = {"det": 1e-2, "relative_det": EMConfig().threshold}


class LogSlider(QWidget):
    """A slider over decades with an editable numeric readout.

    Parameters
    ----------
    minimum, maximum : float
        Positive bounds of the range.
    steps_per_decade : int
        Slider resolution.

    Signals
    -------
    sigValueChanged(float)
        The value changed (by the slider or by typing a valid number in range).
    sigInvalid(str)
        The typed text is not a number in range (on Enter or when the field loses the
        focus); the readout goes back to the value in force and the message says what is
        allowed.

    Numbers are read in the C locale: a point for decimals, and no group separators, so
    ``1,5`` is refused rather than read as 15.
    """

    sigValueChanged = pyqtSignal(float)
    sigInvalid = pyqtSignal(str)

    def __init__(self, minimum: float, maximum: float, value: float, *, steps_per_decade=4,
                 name="value", parent=None):
        super().__init__(parent)
        self._lo = math.log10(minimum)
        self._hi = math.log10(maximum)
        self._minimum, self._maximum = minimum, maximum
        self._steps = steps_per_decade
        self._name = name
        self._value = value
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, round((self._hi - self._lo) * steps_per_decade))
        self.slider.setPageStep(steps_per_decade)
        self.edit = QLineEdit()
        self.edit.setValidator(_NumberValidator(self.edit))
        # Enter and focus-out with text that is not a number do not finish the editing in
        # Qt (no editingFinished): catch them to put the value in force back.
        self.edit.installEventFilter(self)
        self.edit.setFixedWidth(64)
        self.edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.edit)
        self.setValue(value)
        self.slider.valueChanged.connect(self._on_slider_changed)
        self.edit.editingFinished.connect(self._on_text_changed)

    def setToolTip(self, text):
        super().setToolTip(text)
        self.slider.setToolTip(text)
        self.edit.setToolTip(text + "\nType a value and press Enter.")

    def value(self) -> float:
        return self._value

    def setValue(self, value: float):
        """Show ``value`` without emitting."""
        self._value = float(value)
        position = (math.log10(value) - self._lo) * self._steps if value > 0 else 0
        self.slider.blockSignals(True)
        self.slider.setValue(round(min(max(position, 0), self.slider.maximum())))
        self.slider.blockSignals(False)
        self.edit.setText(_format_value(self._value))

    def eventFilter(self, watched, event):  # Qt naming
        if watched is self.edit and not self.edit.hasAcceptableInput():
            kind = event.type()
            enter = kind == QEvent.Type.KeyPress and event.key() in (Qt.Key.Key_Return,
                                                                    Qt.Key.Key_Enter)
            if enter or kind == QEvent.Type.FocusOut:
                self._refuse(self.edit.text().strip())
        return super().eventFilter(watched, event)

    def _refuse(self, text: str):
        """Show the value in force again and say what is allowed."""
        self.edit.setText(_format_value(self._value))
        self.sigInvalid.emit(
            f"{self._name} must be a number from {self._minimum:g} to {self._maximum:g} "
            f"(with a point for decimals); got {text!r}."
        )

    def _on_slider_changed(self, position: int):
        value = 10 ** (self._lo + position / self._steps)
        value = float(_format_value(value))  # round to what the readout shows
        self._value = value
        self.edit.setText(_format_value(value))
        self.sigValueChanged.emit(value)

    def _on_text_changed(self):
        text = self.edit.text().strip()
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not (self._minimum <= value <= self._maximum):
            self._refuse(text)
            return
        if value == self._value:
            return
        self.setValue(value)
        self.sigValueChanged.emit(value)


class _NumberValidator(QDoubleValidator):
    """Numbers in the C locale; anything else is kept as typed but never accepted.

    A plain QDoubleValidator drops keystrokes it finds invalid (typing ``1,5`` would
    leave ``15``); here the text stays as typed, and :class:`LogSlider` refuses it with a
    message on Enter or focus-out.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        locale = QLocale.c()
        locale.setNumberOptions(QLocale.NumberOption.RejectGroupSeparator)
        self.setLocale(locale)
        self.setNotation(QDoubleValidator.Notation.ScientificNotation)

    def validate(self, text, pos):
        # Spaces around a number (pasted " 2e-2 ") are not part of it: judge the number.
        state, _, _ = super().validate(text.strip(), min(pos, len(text.strip())))
        if state == QValidator.State.Acceptable and not math.isfinite(_c_float(text)):
            state = QValidator.State.Intermediate  # nan, inf, 1e999
        if state == QValidator.State.Invalid:
            state = QValidator.State.Intermediate
        return state, text, pos


def _c_float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def _form(box: QGroupBox) -> QFormLayout:
    form = QFormLayout(box)
    # Compact rows so that the whole panel fits a laptop screen without scrolling.
    form.setVerticalSpacing(4)
    form.setContentsMargins(8, 6, 8, 6)
    return form


def _combo(items: dict | tuple, tooltip: str) -> QComboBox:
    combo = QComboBox()
    labels = items if isinstance(items, dict) else {item: item for item in items}
    for key, label in labels.items():
        combo.addItem(label, key)
    combo.setToolTip(tooltip)
    return combo


def _select(combo: QComboBox, key) -> bool:
    index = combo.findData(key)
    if index >= 0:
        combo.setCurrentIndex(index)
    return index >= 0


def _spin(name, minimum, maximum, value, tooltip, special=None) -> RangeSpinBox:
    spin = RangeSpinBox(name)
    spin.setRange(minimum, maximum)
    spin.setValue(value)
    spin.setToolTip(tooltip)
    # Emit when the user is done typing, not on every digit (each may restart the run).
    spin.setKeyboardTracking(False)
    if special:
        spin.setSpecialValueText(special)
    return spin


class ControlPanel(QWidget):
    """All the settings of the app, grouped; the left dock of the main window.

    Signals
    -------
    sigConfigChanged(EMConfig)
        A validated configuration after any model/singularity/run setting changed.
    sigDataRequested(DataRequest)
        The user chose a named data set or changed its generation options.
    sigLoadedDataRequested()
        The user selected the entry of the loaded file again.
    sigOpenRequested()
        Open a CSV file (the *Open* action).
    sigPlayToggled(bool)
        Play (True) or pause (False).
    sigStepRequested(), sigResetRequested(), sigNewSeedRequested(), sigFitViewRequested()
    sigSpeedChanged(float)
        Iterations per second; 0 means as fast as possible.
    sigDisplayChanged(DisplayOptions)
    sigAxesChanged(int, int)
        Feature indices shown on the horizontal and vertical axes.
    sigMessage(str)
        A value was refused; the message says what is allowed.
    """

    sigConfigChanged = pyqtSignal(object)
    sigDataRequested = pyqtSignal(object)
    sigLoadedDataRequested = pyqtSignal()
    sigOpenRequested = pyqtSignal()
    sigPlayToggled = pyqtSignal(bool)
    sigStepRequested = pyqtSignal()
    sigResetRequested = pyqtSignal()
    sigNewSeedRequested = pyqtSignal()
    sigFitViewRequested = pyqtSignal()
    sigSpeedChanged = pyqtSignal(float)
    sigDisplayChanged = pyqtSignal(object)
    sigAxesChanged = pyqtSignal(int, int)
    sigMessage = pyqtSignal(str)

    LOADED_KEY = "__file__"

    def __init__(self, dataset_names=(), noisy_datasets=(), base_config=None, parent=None,
                 fixed_size_datasets=()):
        super().__init__(parent)
        self._base = base_config if base_config is not None else EMConfig()
        self._noisy = frozenset(noisy_datasets)
        # Data sets of a fixed size: their generators ignore Points and Data seed.
        self._fixed = frozenset(fixed_size_datasets)
        self._make_actions()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(6)
        layout.addWidget(self._make_data_group(dataset_names))
        layout.addWidget(self._make_model_group())
        layout.addWidget(self._make_singularity_group())
        layout.addWidget(self._make_run_group())
        layout.addWidget(self._make_display_group())
        layout.addStretch(1)
        self.set_config(self._base)
        self._connect()

    # ------------------------------------------------------------------ building
    def _make_actions(self):
        def action(text, shortcut, tip, slot=None, checkable=False):
            return make_action(self, text, shortcut, tip, slot, checkable)

        self.action_open = action("Open CSV…", "Ctrl+O", "Open a CSV file of points",
                                  lambda: self.sigOpenRequested.emit())
        self.action_play = action("Play", "Space", "Run EM continuously / pause",
                                  checkable=True)
        self.action_play.toggled.connect(self._on_play_toggled)
        self.action_step = action("Step", "Right", "Do exactly one EM iteration",
                                  lambda: self.sigStepRequested.emit())
        self.action_reset = action("Reset", "R", "Back to iteration 0, same initial state",
                                   lambda: self.sigResetRequested.emit())
        self.action_new_seed = action("New seed", None,
                                      "Re-initialise with a new random seed",
                                      lambda: self.sigNewSeedRequested.emit())
        self.action_fit_view = action("Fit view", None, "Zoom to show all the data",
                                      lambda: self.sigFitViewRequested.emit())

    def _make_data_group(self, dataset_names):
        box = QGroupBox("Data")
        form = _form(box)
        self.dataset_combo = _combo(tuple(dataset_names),
                                    "Data set to fit: a named example or the loaded file")
        open_button = QToolButton()
        open_button.setDefaultAction(self.action_open)
        row = QHBoxLayout()
        row.addWidget(self.dataset_combo, 1)
        row.addWidget(open_button)
        form.addRow("Data set", row)
        fixed = f" ({', '.join(sorted(self._fixed))} have a fixed size)" if self._fixed else ""
        self.points_spin = _spin("Points", 0, MAX_POINTS, 0,
                                 "Number of points to generate (default: the set's own)"
                                 + fixed, special="default")
        self.points_spin.setSingleStep(100)
        self.points_spin.setGroupSeparatorShown(True)
        form.addRow("Points", self.points_spin)
        self.noise_spin = QDoubleSpinBox()
        self.noise_spin.setRange(-0.01, 1.0)
        self.noise_spin.setSingleStep(0.01)
        self.noise_spin.setDecimals(2)
        self.noise_spin.setSpecialValueText("default")
        self.noise_spin.setValue(-0.01)
        self.noise_spin.setKeyboardTracking(False)
        self.noise_spin.setToolTip("Noise of the generated set (moons, circles only)")
        form.addRow("Noise", self.noise_spin)
        self.data_seed_spin = _spin("Data seed", -1, MAX_SEED, -1,
                                    "Seed of the data generator (default: the set's own)"
                                    + fixed, special="default")
        form.addRow("Data seed", self.data_seed_spin)
        self.x_axis_combo = _combo((), "Feature shown on the horizontal axis (data with "
                                       "more than two features are fitted in all of them)")
        self.y_axis_combo = _combo((), "Feature shown on the vertical axis")
        for combo in (self.x_axis_combo, self.y_axis_combo):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
        fit = QToolButton()
        fit.setDefaultAction(self.action_fit_view)
        x_row = QHBoxLayout()
        x_row.addWidget(self.x_axis_combo, 1)
        x_row.addWidget(fit)
        form.addRow("X axis", x_row)
        form.addRow("Y axis", self.y_axis_combo)
        self.set_features(("x", "y"))
        return box

    def _make_model_group(self):
        box = QGroupBox("Model")
        form = _form(box)
        self.k_spin = _spin("Components k", 1, MAX_K, 5, "Number of Gaussian components, k (restarts the run)")
        form.addRow("Components k", self.k_spin)
        self.covariance_combo = _combo(COVARIANCE_TYPES,
                                       "Shape of the covariances (restarts the run)")
        form.addRow("Covariance", self.covariance_combo)
        self.init_combo = _combo({k: INIT_LABELS.get(k, k) for k in INITIALISATIONS},
                                 "How the means start (restarts the run)")
        form.addRow("Initialisation", self.init_combo)
        self.perturb_check = QCheckBox("nudge the means apart")
        self.perturb_check.setChecked(True)
        self.perturb_check.setToolTip(
            "For 'all means at one point': add a tiny seeded nudge so that the components "
            "can separate. Without it the exact tie is a fixed point of EM and they never "
            "move apart (restarts the run)")
        form.addRow("", self.perturb_check)
        self.reg_covar_slider = LogSlider(1e-12, 1.0, 1e-6, name="reg_covar")
        self.reg_covar_slider.setToolTip(
            "reg_covar: added to every covariance's diagonal; keeps them invertible (live)")
        form.addRow("reg_covar", self.reg_covar_slider)
        return box

    def _make_singularity_group(self):
        box = QGroupBox("Singularity")
        form = _form(box)
        self.rule_combo = _combo({k: RULE_LABELS.get(k, k) for k in RULES},
                                 "Rule that detects a collapsing component (live)")
        form.addRow("Rule", self.rule_combo)
        self.threshold_slider = LogSlider(*THRESHOLD_RANGE, 1e-2, name="threshold")
        self.threshold_slider.setToolTip(
            "Threshold of the det rules; the study used 1e-2 (live)")
        form.addRow("Threshold", self.threshold_slider)
        self.recovery_combo = _combo({k: RECOVERY_LABELS.get(k, k) for k in RECOVERIES},
                                     "What happens to a component the rule catches (live)")
        form.addRow("Recovery", self.recovery_combo)
        return box

    def _make_run_group(self):
        box = QGroupBox("Run")
        grid = QGridLayout()
        for column, act in enumerate(
                (self.action_play, self.action_step, self.action_reset, self.action_new_seed)):
            button = QToolButton()
            button.setDefaultAction(act)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            grid.addWidget(button, 0, column)
        form = QFormLayout()
        form.setVerticalSpacing(4)
        self.seed_spin = _spin("Seed", 0, MAX_SEED, 0, "Seed of the run's randomness: "
                               "initialisation and recoveries (restarts the run)")
        form.addRow("Seed", self.seed_spin)
        self.speed_slider = QSlider(Qt.Orientation.Horizontal)
        self.speed_slider.setRange(0, len(SPEEDS) - 1)
        self.speed_slider.setPageStep(1)
        self.speed_slider.setToolTip("Iterations per second, up to as fast as possible")
        self.speed_label = QLabel()
        self.speed_label.setMinimumWidth(52)
        self.speed_label.setToolTip(self.speed_slider.toolTip())
        speed = QHBoxLayout()
        speed.addWidget(self.speed_slider, 1)
        speed.addWidget(self.speed_label)
        form.addRow("Speed", speed)
        self.set_speed(DEFAULT_SPEED)
        self.tol_slider = LogSlider(1e-10, 1.0, 1e-3, name="tol")
        self.tol_slider.setToolTip(
            "Convergence: stop when the mean log-likelihood changes less than this (live)")
        form.addRow("Tolerance", self.tol_slider)
        self.max_iter_spin = _spin("Max iterations", 1, 1_000_000, 100,
                                   "Iterations after which the run stops (live)")
        form.addRow("Max iterations", self.max_iter_spin)
        outer = QVBoxLayout(box)
        outer.setContentsMargins(8, 6, 8, 6)
        outer.setSpacing(4)
        outer.addLayout(grid)
        outer.addLayout(form)
        return box

    def _make_display_group(self):
        box = QGroupBox("Display")
        form = _form(box)
        self.colors_combo = _combo({"hard": "hard (most likely)", "soft": "soft (blended)",
                                    "truth": "true labels"},
                                   "Colour each point by its most likely component, blend "
                                   "the components' colours by responsibility, or colour it "
                                   "by the data's true labels (each class in the colour of "
                                   "the component that matches it best)")
        self.set_true_labels_available(False)
        form.addRow("Colours", self.colors_combo)
        sigmas = QHBoxLayout()
        self.sigma_checks = {}
        for level in (1, 2, 3):
            check = QCheckBox(f"{level}σ")
            check.setToolTip(f"Draw each component's ellipse at {level} standard deviation(s)")
            check.setChecked(level in (1, 2))
            self.sigma_checks[level] = check
            sigmas.addWidget(check)
        sigmas.addStretch(1)
        form.addRow("Ellipses", sigmas)
        self.density_combo = _combo(DENSITY_MODES,
                                    "Mixture density: none, contour lines or shaded image")
        form.addRow("Density", self.density_combo)
        self.ll_scale_combo = _combo({"total": "total", "mean": "mean per point"},
                                     "Log-likelihood plot: total or mean per point")
        form.addRow("Log-likelihood", self.ll_scale_combo)
        return box

    def _connect(self):
        self.dataset_combo.currentIndexChanged.connect(self._on_dataset_changed)
        self.points_spin.valueChanged.connect(self._on_data_options_changed)
        self.noise_spin.valueChanged.connect(self._on_data_options_changed)
        self.data_seed_spin.valueChanged.connect(self._on_data_options_changed)
        self.x_axis_combo.currentIndexChanged.connect(self._on_axes_changed)
        self.y_axis_combo.currentIndexChanged.connect(self._on_axes_changed)
        for widget in (self.k_spin, self.seed_spin, self.max_iter_spin):
            widget.valueChanged.connect(self._on_config_changed)
        for widget in (self.points_spin, self.data_seed_spin, self.k_spin, self.seed_spin,
                       self.max_iter_spin):
            widget.sigRefused.connect(self.sigMessage)
        self.rule_combo.currentIndexChanged.connect(self._on_rule_changed)
        for combo in (self.covariance_combo, self.init_combo, self.rule_combo,
                      self.recovery_combo):
            combo.currentIndexChanged.connect(self._on_config_changed)
        self.perturb_check.toggled.connect(self._on_config_changed)
        for slider in (self.reg_covar_slider, self.threshold_slider, self.tol_slider):
            slider.sigValueChanged.connect(self._on_config_changed)
            slider.sigInvalid.connect(self.sigMessage)
        self.speed_slider.valueChanged.connect(self._on_speed_changed)
        self.colors_combo.currentIndexChanged.connect(self._on_display_changed)
        self.density_combo.currentIndexChanged.connect(self._on_display_changed)
        self.ll_scale_combo.currentIndexChanged.connect(self._on_display_changed)
        for check in self.sigma_checks.values():
            check.toggled.connect(self._on_display_changed)

    # ------------------------------------------------------------------ reading values
    def config(self):
        """The configuration the widgets describe.

        Raises
        ------
        ConfigError
            When the combination is refused (the message says why).
        """
        return self._base.with_changes(
            n_components=self.k_spin.value(),
            covariance_type=self.covariance_combo.currentData(),
            init=self.init_combo.currentData(),
            perturb=self.perturb_check.isChecked(),
            reg_covar=self.reg_covar_slider.value(),
            rule=self.rule_combo.currentData(),
            threshold=self.threshold_slider.value(),
            recovery=self.recovery_combo.currentData(),
            random_state=self.seed_spin.value(),
            tol=self.tol_slider.value(),
            max_iter=self.max_iter_spin.value(),
        )

    def data_request(self) -> DataRequest | None:
        """The named data set the widgets describe (None when the loaded file is chosen)."""
        name = self.dataset_combo.currentData()
        if name == self.LOADED_KEY or name is None:
            return None
        points = self.points_spin.value()
        noise = self.noise_spin.value()
        seed = self.data_seed_spin.value()
        generated = name not in self._fixed
        return DataRequest(
            name=name,
            n_samples=points if (points > 0 and generated) else None,
            noise=noise if (noise >= 0 and name in self._noisy) else None,
            random_state=seed if (seed >= 0 and generated) else None,
        )

    def display_options(self) -> DisplayOptions:
        levels = tuple(level for level, check in self.sigma_checks.items() if check.isChecked())
        return DisplayOptions(
            soft_colors=self.colors_combo.currentData() == "soft",
            truth_colors=self.colors_combo.currentData() == "truth",
            sigma_levels=levels,
            density=self.density_combo.currentData(),
            ll_scale=self.ll_scale_combo.currentData(),
        )

    def speed(self) -> float:
        return float(SPEEDS[self.speed_slider.value()])

    def axes(self) -> tuple:
        return (max(self.x_axis_combo.currentIndex(), 0),
                max(self.y_axis_combo.currentIndex(), 0))

    # ------------------------------------------------------------------ setting values
    def set_config(self, config):
        """Show ``config`` in the widgets without emitting anything.

        Raises
        ------
        ValueError
            Before any widget changes, when a value cannot be shown (a seed above
            :data:`~gmm_viz.limits.MAX_SEED`), so the panel never shows half of a config.
        """
        self.check_config(config)
        self._base = config
        with _Blocked(self):
            self.k_spin.setValue(min(max(config.n_components, 1), MAX_K))
            _select(self.covariance_combo, config.covariance_type)
            _select(self.init_combo, config.init)
            self.perturb_check.setChecked(config.perturb)
            self.reg_covar_slider.setValue(config.reg_covar)
            _select(self.rule_combo, config.rule)
            self.threshold_slider.setValue(config.threshold)
            _select(self.recovery_combo, config.recovery)
            self.seed_spin.setValue(config.random_state or 0)
            self.tol_slider.setValue(config.tol)
            self.max_iter_spin.setValue(max(config.max_iter, 1))
        self._update_enabled()

    @staticmethod
    def check_config(config):
        """Raise ValueError, saying why, when ``config`` cannot be shown in the panel."""
        seed = config.random_state
        if seed is not None and not 0 <= int(seed) <= MAX_SEED:
            raise ValueError(f"its seed {seed} is outside the seeds gmm-viz can show "
                             f"(0 to {MAX_SEED:,}).")
        if not 1 <= config.n_components <= MAX_K:
            raise ValueError(f"its k = {config.n_components} is outside 1 to {MAX_K}.")

    def set_data_request(self, request: DataRequest):
        """Show a named data set's options without emitting."""
        with _Blocked(self):
            _select(self.dataset_combo, request.name)
            self.points_spin.setValue(request.n_samples or 0)
            self.noise_spin.setValue(request.noise if request.noise is not None else -0.01)
            seed = request.random_state
            self.data_seed_spin.setValue(seed if seed is not None else -1)
        self._update_enabled()

    def set_loaded_file(self, label: str | None, select: bool = True):
        """Add (or replace) the combo entry of a loaded file; None removes it."""
        with _Blocked(self):
            index = self.dataset_combo.findData(self.LOADED_KEY)
            if label is None:
                if index >= 0:
                    self.dataset_combo.removeItem(index)
            else:
                if index < 0:
                    self.dataset_combo.addItem(label, self.LOADED_KEY)
                    index = self.dataset_combo.count() - 1
                self.dataset_combo.setItemText(index, label)
                self.dataset_combo.setItemData(index, label, Qt.ItemDataRole.ToolTipRole)
                if select:
                    self.dataset_combo.setCurrentIndex(index)
        self._update_enabled()

    def set_features(self, names, axes=(0, 1)):
        """Offer the data's features on the axis combos (enabled when there are > 2)."""
        names = list(names) or ["x", "y"]
        with _Blocked(self):
            for combo, index in ((self.x_axis_combo, axes[0]), (self.y_axis_combo, axes[1])):
                combo.clear()
                combo.addItems(names)
                combo.setCurrentIndex(min(index, len(names) - 1))
                combo.setEnabled(len(names) > 2)

    def set_true_labels_available(self, available: bool) -> None:
        """Offer "true labels" among the colours only for data that has them; the choice
        falls back to hard colours when new data has none (the combo never names what
        the canvas does not show)."""
        self._has_labels = bool(available)
        item = self.colors_combo.model().item(self.colors_combo.findData("truth"))
        item.setEnabled(self._has_labels)
        item.setToolTip("Colour by the data's true labels" if self._has_labels else
                        "This data has no true labels (a CSV file's text column, or a "
                        "built-in data set with known groups, gives them)")
        if not self._has_labels and self.colors_combo.currentData() == "truth":
            _select(self.colors_combo, "hard")  # emits the display change

    def set_display_options(self, options: DisplayOptions):
        with _Blocked(self):
            _select(self.colors_combo, "truth" if options.truth_colors and self._has_labels
                    else "soft" if options.soft_colors else "hard")
            for level, check in self.sigma_checks.items():
                check.setChecked(level in options.sigma_levels)
            _select(self.density_combo, options.density)
            _select(self.ll_scale_combo, options.ll_scale)

    def set_speed(self, rate: float):
        rate = int(rate)
        index = SPEEDS.index(rate) if rate in SPEEDS else SPEEDS.index(DEFAULT_SPEED)
        self.speed_slider.blockSignals(True)
        self.speed_slider.setValue(index)
        self.speed_slider.blockSignals(False)
        self._show_speed()

    def set_playing(self, playing: bool):
        """Reflect the play state on the Play action without emitting."""
        self.action_play.blockSignals(True)
        self.action_play.setChecked(playing)
        self.action_play.blockSignals(False)
        self.action_play.setText("Pause" if playing else "Play")

    # ------------------------------------------------------------------ persistence
    def state(self) -> dict:
        """Plain values of every setting, for QSettings."""
        request = self.data_request()
        state = {
            "defaults": DEFAULTS_VERSION,
            "k": self.k_spin.value(),
            "covariance": self.covariance_combo.currentData(),
            "init": self.init_combo.currentData(),
            "perturb": self.perturb_check.isChecked(),
            "reg_covar": self.reg_covar_slider.value(),
            "rule": self.rule_combo.currentData(),
            "threshold": self.threshold_slider.value(),
            "recovery": self.recovery_combo.currentData(),
            "seed": self.seed_spin.value(),
            "tol": self.tol_slider.value(),
            "max_iter": self.max_iter_spin.value(),
            "speed": self.speed(),
        }
        if request is not None:
            state.update(dataset=request.name, points=self.points_spin.value(),
                         noise=self.noise_spin.value(), data_seed=self.data_seed_spin.value())
        options = self.display_options()
        state.update(soft_colors=options.soft_colors, sigma_levels=list(options.sigma_levels),
                     density=options.density, ll_scale=options.ll_scale)
        return state

    def restore_state(self, state: dict):
        """Show saved values (from :meth:`state`) without emitting.

        Values that are missing, of the wrong kind or refused by the config are skipped, so
        a damaged or old settings file never stops the app.
        """
        names = {"k": "n_components", "covariance": "covariance_type", "init": "init",
                 "perturb": "perturb",
                 "reg_covar": "reg_covar", "rule": "rule", "threshold": "threshold",
                 "recovery": "recovery", "seed": "random_state", "tol": "tol",
                 "max_iter": "max_iter"}
        config = self._base
        # Model settings saved under older app defaults (the study's det rule, tol 1e-3,
        # a random start) would bring those defaults back: they are not restored.
        current = state.get("defaults") == DEFAULTS_VERSION
        for key, field_name in names.items():
            if key not in state or not current:
                continue
            try:
                config = config.with_changes(**{field_name: state[key]})
            except (ConfigError, TypeError):
                continue
        if config.n_components > MAX_K:
            config = config.with_changes(n_components=MAX_K)
        self.set_config(config)
        if "speed" in state:
            try:
                self.set_speed(float(state["speed"]))
            except (TypeError, ValueError):
                pass
        name = state.get("dataset")
        if isinstance(name, str) and self.dataset_combo.findData(name) >= 0:
            def number(key, kind, default):
                try:
                    return kind(state.get(key, default))
                except (TypeError, ValueError):
                    return default

            points = number("points", int, 0)
            noise = number("noise", float, -1.0)
            seed = number("data_seed", int, -1)
            self.set_data_request(DataRequest(
                name,
                n_samples=points if 0 < points <= MAX_POINTS else None,
                noise=noise if 0 <= noise <= 1 else None,
                random_state=seed if seed >= 0 else None,
            ))
        levels = state.get("sigma_levels", [1, 2])
        if not isinstance(levels, list):
            levels = [1, 2]
        self.set_display_options(DisplayOptions(
            soft_colors=bool(state.get("soft_colors", False)),
            sigma_levels=tuple(level for level in (1, 2, 3) if level in levels),
            density=state.get("density") if state.get("density") in DENSITY_MODES else "off",
            ll_scale=state.get("ll_scale") if state.get("ll_scale") in LL_SCALES else "total",
        ))

    # ------------------------------------------------------------------ handlers
    def _update_enabled(self):
        name = self.dataset_combo.currentData()
        named = name != self.LOADED_KEY
        generated = named and name not in self._fixed
        self.points_spin.setEnabled(generated)
        self.data_seed_spin.setEnabled(generated)
        self.noise_spin.setEnabled(named and name in self._noisy)
        self.threshold_slider.setEnabled(self.rule_combo.currentData() != "none")
        self.perturb_check.setEnabled(self.init_combo.currentData() == "same_point")

    def _on_dataset_changed(self, _index):
        self._update_enabled()
        if self.dataset_combo.currentData() == self.LOADED_KEY:
            self.sigLoadedDataRequested.emit()
        else:
            self.sigDataRequested.emit(self.data_request())

    def _on_data_options_changed(self, _value):
        request = self.data_request()
        if request is not None:
            self.sigDataRequested.emit(request)

    def _on_axes_changed(self, _index):
        self.sigAxesChanged.emit(*self.axes())

    def _on_rule_changed(self, *_args):
        """The absolute det rule and the relative one measure det on scales 10^6 apart:
        when the threshold is still the other rule's default, it becomes this rule's (the
        study's |det| < 1e-2 is then one choice away, not 1e-8 under an absolute rule)."""
        rule = self.rule_combo.currentData() or ""
        base = "relative_det" if "relative_det" in rule else "det" if "det" in rule else None
        if base is None:
            return
        wanted = RULE_THRESHOLDS[base]
        other = RULE_THRESHOLDS["det" if base == "relative_det" else "relative_det"]
        if math.isclose(self.threshold_slider.value(), other, rel_tol=1e-9):
            self.threshold_slider.blockSignals(True)
            self.threshold_slider.setValue(wanted)
            self.threshold_slider.blockSignals(False)

    def _on_config_changed(self, *_args):
        self._update_enabled()
        try:
            config = self.config()
        except ConfigError as exc:
            self.sigMessage.emit(str(exc))
            return
        self._base = config
        self.sigConfigChanged.emit(config)

    def _on_speed_changed(self, _index):
        self._show_speed()
        self.sigSpeedChanged.emit(self.speed())

    def _show_speed(self):
        rate = SPEEDS[self.speed_slider.value()]
        self.speed_label.setText("max" if rate == 0 else f"{rate} it/s")

    def _on_play_toggled(self, playing: bool):
        self.action_play.setText("Pause" if playing else "Play")
        self.sigPlayToggled.emit(playing)

    def _on_display_changed(self, *_args):
        self.sigDisplayChanged.emit(self.display_options())


class _Blocked:
    """Block the signals of every child widget of ``panel`` inside a ``with``."""

    def __init__(self, panel: QWidget):
        self._widgets = panel.findChildren(QWidget)
        self._previous = []

    def __enter__(self):
        self._previous = [w.blockSignals(True) for w in self._widgets]
        return self

    def __exit__(self, *exc):
        for widget, previous in zip(self._widgets, self._previous):
            widget.blockSignals(previous)
        return False
