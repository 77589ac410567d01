"""The heading of an exported picture: the title on the left, the iteration on the right.

A single rich-text label ran the two together ("<b>title</b>    iteration ..."): with a
long title the iteration text was pushed off the frame or butted against the title. Here
both texts are measured with the fonts they are drawn in (:class:`QFontMetricsF`), and the
layout is chosen once for a whole export, from the widest iteration text any of its frames
will show, so every frame of an animation has the same heading:

- one line when the title, a gap and the widest iteration text fit side by side;
- otherwise two lines, the title above (cut with "…" only if it alone is wider than the
  frame) and the iteration text below it.

The two texts' boxes never overlap (``tests/gui/test_exports_gui.py`` checks it at the
export sizes), and the heading's height is fixed by the layout.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyqtgraph.Qt import QtCore, QtGui, QtWidgets

from gmm_viz.palette import FOREGROUND_HEX

#: Pixel size of the heading's text (title bold, iteration regular).
FONT_PIXELS = 15
#: Space around the texts and between the title and the iteration text, in pixels.
MARGIN = 8
GAP = 24


def heading_fonts() -> tuple[QtGui.QFont, QtGui.QFont]:
    """The title's (bold) and the iteration text's (regular) fonts."""
    info = QtGui.QFont()
    info.setPixelSize(FONT_PIXELS)
    title = QtGui.QFont(info)
    title.setBold(True)
    return title, info


@dataclass(frozen=True)
class HeadingLayout:
    """Where the heading's two texts go, in the heading's own pixels.

    Attributes
    ----------
    title : str
        The title as drawn (cut with "…" when it alone is wider than the heading).
    title_box : QRectF
        The title's box: its measured width, one line high.
    info_box : QRectF
        The box the iteration text is drawn in, as wide as the widest one of the export
        (the text is right-aligned in it on one line, left-aligned under the title).
    height : int
        The heading's height.
    lines : int
        1 or 2.
    """

    title: str
    title_box: QtCore.QRectF
    info_box: QtCore.QRectF
    height: int
    lines: int


def layout_heading(title: str, widest_info: float, width: int) -> HeadingLayout:
    """Place the title and the iteration text in a heading ``width`` pixels wide.

    Parameters
    ----------
    title : str
        May be empty (then only the iteration text is shown, on one line).
    widest_info : float
        Width in pixels of the widest iteration text the heading will show
        (:func:`text_width` of each, in the regular font).
    width : int
        The heading's width in pixels.

    Returns
    -------
    HeadingLayout
    """
    title_font, info_font = heading_fonts()
    title_metrics = QtGui.QFontMetricsF(title_font)
    line = max(title_metrics.height(), QtGui.QFontMetricsF(info_font).height())
    room = max(float(width) - 2 * MARGIN, 1.0)
    title_width = title_metrics.horizontalAdvance(title) if title else 0.0
    info_width = min(float(widest_info), room)
    top = float(MARGIN) / 2
    if not title or title_width + GAP + info_width <= room:
        # One line: the title from the left, the iteration text ending at the right (or
        # from the left when there is no title).
        title_box = QtCore.QRectF(MARGIN, top, title_width, line)
        left = MARGIN + room - info_width if title else MARGIN
        info_box = QtCore.QRectF(left, top, info_width, line)
        return HeadingLayout(title, title_box, info_box, round(line + MARGIN), 1)
    # Two lines: the title above, cut to the width only if it alone does not fit.
    shown = title_metrics.elidedText(title, QtCore.Qt.TextElideMode.ElideRight, room)
    shown_width = min(title_metrics.horizontalAdvance(shown), room)
    title_box = QtCore.QRectF(MARGIN, top, shown_width, line)
    info_box = QtCore.QRectF(MARGIN, top + line, info_width, line)
    return HeadingLayout(shown, title_box, info_box, round(2 * line + MARGIN), 2)


def text_width(text: str) -> float:
    """Width in pixels of an iteration text in the heading's regular font."""
    return QtGui.QFontMetricsF(heading_fonts()[1]).horizontalAdvance(text)


class HeadingBar(QtWidgets.QWidget):
    """A heading that draws a title and an iteration text where :func:`layout_heading`
    puts them.

    Parameters
    ----------
    title : str
    widest_info : float
        See :func:`layout_heading`.
    width : int
        The heading's fixed width; its height follows from the layout.
    """

    def __init__(self, title: str, widest_info: float, width: int, parent=None):
        super().__init__(parent)
        self._layout = layout_heading(title, widest_info, width)
        self._info = ""
        self._fonts = heading_fonts()
        self.setFixedSize(int(width), self._layout.height)

    @property
    def layout_boxes(self) -> HeadingLayout:
        """Where the texts are drawn (for tests and the composed PNG)."""
        return self._layout

    @property
    def info_text(self) -> str:
        return self._info

    @property
    def title_text(self) -> str:
        """The title as drawn (possibly cut with "…")."""
        return self._layout.title

    def set_info(self, text: str) -> None:
        """Show ``text`` (e.g. ``"iteration 7    log-likelihood -412.3"``) as the
        iteration text."""
        if text != self._info:
            self._info = text
            self.update()

    def paintEvent(self, event):
        painter = QtGui.QPainter(self)
        try:
            painter.fillRect(self.rect(), QtGui.QColor("white"))
            painter.setPen(QtGui.QColor(FOREGROUND_HEX))
            layout = self._layout
            v_center = QtCore.Qt.AlignmentFlag.AlignVCenter
            if layout.title:
                painter.setFont(self._fonts[0])
                painter.drawText(layout.title_box, int(v_center | QtCore.Qt.AlignmentFlag.AlignLeft),
                                 layout.title)
            painter.setFont(self._fonts[1])
            align = (QtCore.Qt.AlignmentFlag.AlignRight if layout.lines == 1 and layout.title
                     else QtCore.Qt.AlignmentFlag.AlignLeft)
            painter.drawText(layout.info_box, int(v_center | align), self._info)
        finally:
            painter.end()
