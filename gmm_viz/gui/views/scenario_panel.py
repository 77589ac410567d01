"""The explanation beside the canvas: which finding of the study is running, and why.

A dumb view: :class:`ScenarioPanel` shows a scenario (or its remedy) and emits what the
user asks for; :class:`~gmm_viz.gui.panels.scenario_actions.ScenarioActions` decides what runs.
"""

from __future__ import annotations

from html import escape

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import QFrame, QLabel, QPushButton, QSizePolicy, QVBoxLayout

#: How many findings the study has (for "Finding 3 of 7").
N_FINDINGS = 7

_STYLE = """
ScenarioPanel { background: #fbfbfd; }
QLabel#badge { color: #1f4e8c; font-weight: 600; letter-spacing: 0.5px; }
QLabel#title { color: #16233a; font-size: {title}px; font-weight: 600; }
QLabel#body { color: #2b2b2b; font-size: {body}px; }
QLabel#hint { color: #555; font-size: {body}px; }
QLabel#status { color: #7a5b00; font-style: italic; }
QPushButton#remedy { text-align: left; padding: 6px 10px; border-radius: 4px;
                     background: #e7f3ec; border: 1px solid #8cc3a2; color: #14532d; }
QPushButton#remedy:hover { background: #d8ecdf; }
QPushButton#remedy:disabled { color: #7c8c82; background: #f0f4f1; }
QPushButton#back { text-align: left; padding: 6px 10px; border-radius: 4px;
                   background: #eef2f8; border: 1px solid #a9b9d6; color: #1f3a66; }
"""


def _style(scale: float) -> str:
    """The panel's style sheet with its text sizes scaled by ``scale``."""
    return _STYLE.replace("{title}", str(round(16 * scale))).replace(
        "{body}", str(round(13 * scale)))


class ScenarioPanel(QFrame):
    """Number, title and explanation of the running scenario, with its remedy button.

    Signals
    -------
    sigRemedyRequested()
        "Show the remedy" was clicked.
    sigOriginalRequested()
        "Back to the finding" was clicked (while the remedy is shown).
    sigScenarioRequested(str)
        A scenario was chosen from the list shown when none is running.
    """

    sigRemedyRequested = pyqtSignal()
    sigOriginalRequested = pyqtSignal()
    sigScenarioRequested = pyqtSignal(str)

    def set_font_scale(self, scale: float) -> None:
        """Scale the texts' sizes (the window's View > Zoom)."""
        self.setStyleSheet(_style(scale))

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("ScenarioPanel")
        self.set_font_scale(1.0)
        self.badge = QLabel()
        self.badge.setObjectName("badge")
        self.title = QLabel()
        self.title.setObjectName("title")
        self.title.setWordWrap(True)
        self.body = QLabel()
        self.body.setObjectName("body")
        self.body.setWordWrap(True)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hint = QLabel()
        self.hint.setObjectName("hint")
        self.hint.setWordWrap(True)
        self.hint.setTextFormat(Qt.TextFormat.RichText)
        self.hint.linkActivated.connect(self._on_link_activated)
        self.status = QLabel()
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        self.remedy_button = QPushButton()
        self.remedy_button.setObjectName("remedy")
        self.remedy_button.setToolTip("Run the same data with the change that fixes this "
                                      "failure (computed in the background)")
        self.remedy_button.clicked.connect(lambda: self.sigRemedyRequested.emit())
        self.back_button = QPushButton()
        self.back_button.setObjectName("back")
        self.back_button.setToolTip("Run the original finding again")
        self.back_button.clicked.connect(lambda: self.sigOriginalRequested.emit())
        for button in (self.remedy_button, self.back_button):
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(8)
        for widget in (self.badge, self.title, self.body, self.status, self.remedy_button,
                       self.back_button, self.hint):
            layout.addWidget(widget)
        layout.addStretch(1)
        self.setMinimumWidth(240)
        self.key = None
        self.show_hint({})

    # ------------------------------------------------------------------ public API
    def show_scenario(self, scenario, remedy_title: str | None = None, remedied=False):
        """Explain ``scenario``.

        Parameters
        ----------
        scenario : Scenario
            What runs: the finding, or its remedied version.
        remedy_title : str or None
            The finding's remedy (for the button); None when it has none.
        remedied : bool
            ``scenario`` is the remedy: offer the way back instead.
        """
        self.key = scenario.key
        prefix = "Remedy for finding" if remedied else "Finding"
        self.badge.setText(f"{prefix} {scenario.number} of {N_FINDINGS}".upper())
        title = scenario.title
        if remedied and remedy_title:
            title = f"Remedy: {remedy_title}"
        self.title.setText(title)
        self.body.setText(scenario.explanation)
        self.status.clear()
        self.status.hide()
        for widget in (self.badge, self.title, self.body):
            widget.show()
        self.hint.hide()
        self.remedy_button.setEnabled(True)
        self.remedy_button.setVisible(not remedied and remedy_title is not None)
        if remedy_title is not None:
            self.remedy_button.setText(f"Show the remedy: {remedy_title}")
        self.back_button.setVisible(remedied)
        self.back_button.setText("\u2190 Back to the finding")

    def set_original_title(self, title: str):
        """Name the finding in the way-back button's tooltip (the button stays short)."""
        self.back_button.setToolTip(f"Run the original finding again: {title}")

    def show_busy(self, text: str):
        """Say that something is being computed (the remedy), and disable the button."""
        self.status.setText(text)
        self.status.show()
        self.remedy_button.setEnabled(False)

    def clear_busy(self):
        self.status.clear()
        self.status.hide()
        self.remedy_button.setEnabled(True)

    def show_hint(self, scenarios: dict, changed: bool = False):
        """No scenario runs: list them as links (``scenarios``: key -> "1. Title")."""
        self.key = None
        for widget in (self.badge, self.title, self.body, self.status, self.remedy_button,
                       self.back_button):
            widget.hide()
        lead = ("The settings were changed by hand, so this is no longer one of the "
                "study's findings." if changed else
                "Each scenario replays one of the study's findings about EM.")
        links = "".join(f'<p style="margin:4px 0"><a href="{escape(key)}" '
                        f'style="color:#1f4e8c; text-decoration:none">{escape(label)}</a></p>'
                        for key, label in scenarios.items())
        self.hint.setText(f"<p>{escape(lead)}</p>"
                          + (f"<p>Choose one here or in the Scenarios menu:</p>{links}"
                             if links else ""))
        self.hint.show()

    def explanation_text(self) -> str:
        """Everything the panel says, as plain text (tests, screen readers)."""
        parts = [w.text() for w in (self.badge, self.title, self.body, self.status)
                 if not w.isHidden() and w.text()]
        if not self.remedy_button.isHidden():
            parts.append(self.remedy_button.text())
        if not self.back_button.isHidden():
            parts.append(self.back_button.text())
        if not self.hint.isHidden():
            parts.append(self.hint.text())
        return "\n".join(parts)

    def _on_link_activated(self, key: str):
        self.sigScenarioRequested.emit(key)
