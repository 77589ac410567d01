"""The Inspect panel: the E-step of the point under the mouse (or pinned) and the M-step
of the selected component, in numbers and as equations.

A dumb view. The window hands it what :mod:`gmm_viz.inspect` computed for the state on
screen (:meth:`InspectorPanel.show_point`, :meth:`InspectorPanel.show_component`); the
panel draws the point's responsibilities as bars in the component colours and writes the
equations with their numbers, so a learner can read the algorithm off the screen.
"""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QRectF, QSize, Qt
from PyQt6.QtGui import QColor, QFont, QPainter, QPen
from PyQt6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout, QWidget

from gmm_viz.inspect import e_step_text, m_step_text, rule_text
from gmm_viz.palette import component_colors

#: What the panel says while nothing is inspected.
POINT_PROMPT = ("Hover over a point to see its E-step; click it to pin it (it stays "
                "marked and follows the run).")
COMPONENT_PROMPT = "Click a mean, an ellipse or a row of the table to see its M-step."


class ResponsibilityBars(QWidget):
    """One bar per component: its responsibility γ_k for the point, in its colour."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._resp = np.empty(0)
        self.setMinimumHeight(70)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip("The point's responsibilities γ_k: the share of it each component "
                        "takes in the E-step (they sum to 1)")

    def sizeHint(self):  # Qt naming
        return QSize(240, 80)

    def set_responsibilities(self, resp) -> None:
        """Draw ``resp`` (shape (k,)); an empty array draws nothing."""
        self._resp = np.asarray(resp, dtype=float).ravel()
        self.update()

    def responsibilities(self) -> np.ndarray:
        """The values drawn (tests read them)."""
        return self._resp.copy()

    def paintEvent(self, event):  # Qt naming
        k = len(self._resp)
        if k == 0:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colors = component_colors(k)
        width, height = self.width(), self.height()
        label_h = 14
        gap = 4
        bar_w = max((width - gap * (k + 1)) / k, 2.0)
        font = QFont(self.font())
        font.setPointSizeF(max(font.pointSizeF() * 0.8, 6.0))
        painter.setFont(font)
        top = 4
        usable = height - top - label_h
        painter.setPen(QPen(QColor(200, 200, 200)))
        painter.drawLine(0, int(top + usable), width, int(top + usable))
        for c in range(k):
            x = gap + c * (bar_w + gap)
            value = float(np.clip(self._resp[c], 0.0, 1.0))
            bar = QRectF(x, top + usable * (1.0 - value), bar_w, usable * value)
            painter.fillRect(bar, QColor(*map(int, colors[c])))
            painter.setPen(QPen(QColor(60, 60, 60)))
            painter.drawText(QRectF(x - gap / 2, top + usable, bar_w + gap, label_h),
                             Qt.AlignmentFlag.AlignCenter, str(c))
        painter.end()


class InspectorPanel(QFrame):
    """The point's E-step and the selected component's M-step, with their numbers."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("InspectorPanel")
        self.point_title = QLabel()
        self.point_title.setWordWrap(True)
        self.bars = ResponsibilityBars()
        self.point_text = _rich_label()
        self.component_title = QLabel()
        self.component_title.setWordWrap(True)
        self.component_text = _rich_label()
        self.rule_text = QLabel()
        self.rule_text.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        for widget in (self.point_title, self.bars, self.point_text, _rule(),
                       self.component_title, self.component_text, self.rule_text):
            layout.addWidget(widget)
        layout.addStretch(1)
        bold = QFont(self.point_title.font())
        bold.setBold(True)
        self.point_title.setFont(bold)
        self.component_title.setFont(bold)
        self.show_point(None)
        self.show_component(None)

    def show_point(self, numbers, *, index=None, pinned=False, parameters_iteration=None):
        """The E-step of one point (a :class:`~gmm_viz.inspect.PointNumbers`), or the
        prompt when ``numbers`` is None."""
        if numbers is None:
            self.point_title.setText("E-step of a point")
            self.bars.set_responsibilities(np.empty(0))
            self.point_text.setText(POINT_PROMPT)
            return
        state = "pinned" if pinned else "under the mouse"
        under = ("" if parameters_iteration is None
                 else f", responsibilities under θ({parameters_iteration})")
        self.point_title.setText(f"E-step of point {index} ({state}{under})")
        self.bars.set_responsibilities(numbers.resp)
        self.point_text.setText(e_step_text(numbers, index=index, html=True))

    def show_component(self, numbers, *, rule=None, covariance_type="full",
                       feature_names=None):
        """The M-step of one component (a :class:`~gmm_viz.inspect.ComponentNumbers`)
        and the rule closest to firing on it, or the prompt when ``numbers`` is None."""
        if numbers is None:
            self.component_title.setText("M-step of a component")
            self.component_text.setText(COMPONENT_PROMPT)
            self.rule_text.setText("")
            return
        self.component_title.setText(f"M-step of component {numbers.component}")
        self.component_text.setText(m_step_text(numbers, covariance_type=covariance_type,
                                                feature_names=feature_names, html=True))
        self.rule_text.setText("" if rule is None else rule_text(rule))

    def plain_text(self) -> str:
        """Everything the panel says, as plain text (tests read it)."""
        parts = []
        for label in (self.point_title, self.point_text, self.component_title,
                      self.component_text, self.rule_text):
            doc = label.text()
            parts.append(_strip_html(doc))
        return "\n".join(parts)


def _rich_label() -> QLabel:
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _rule() -> QFrame:
    line = QFrame()
    line.setFrameShape(QFrame.Shape.HLine)
    line.setFrameShadow(QFrame.Shadow.Sunken)
    return line


def _strip_html(text: str) -> str:
    from PyQt6.QtGui import QTextDocument

    document = QTextDocument()
    document.setHtml(text)
    return document.toPlainText()
