"""The window's layout as a person meets it: it fits the screen, nothing moves under the
eyes while stepping, the first-look hint, and every column of the table in view."""

import pytest
from PyQt6.QtCore import Qt

pytest.importorskip("pytestqt")

from gmm_viz.gui.main_window import PREFERRED_SIZE, LaunchOptions, initial_size
from tests.gui_helpers import TIMEOUT, make_window, settle, step


@pytest.mark.parametrize("free, expected", [
    ((1366, 768 - 32), (1366 - 16, 768 - 32 - 40)),  # a laptop with a panel: all of it
    ((1280, 720), (1280 - 16, 720 - 40)),  # 1920 x 1080 at QT_SCALE_FACTOR=1.5
    ((1920, 1080), (1728, 972)),  # larger screens: most of it, never the whole
    ((3840, 2160), (3456, 1944)),
])
def test_the_first_size_fits_the_free_area_of_the_screen(free, expected):
    width, height = initial_size(*free)
    assert (width, height) == expected
    assert width <= free[0] and height <= free[1]


def test_the_first_size_on_a_roomy_screen_is_at_least_the_preferred_one():
    width, height = initial_size(1600, 1000)
    assert (width, height) >= PREFERRED_SIZE or (width, height) == (1600 - 16, 1000 - 40)
    assert width <= 1600 - 16 and height <= 1000 - 40


def test_the_window_is_usable_at_a_laptop_size(qtbot, tmp_path, monkeypatch):
    """At 1366 x 768 (less the title bar) the controls need no sideways scrolling, the
    whole component table is in view, and the plot's readout is whole."""
    monkeypatch.setenv("GMM_VIZ_SETTINGS", str(tmp_path / "settings.ini"))
    window = make_window(qtbot, LaunchOptions(scenario="local-optimum"))
    window.resize(1366, 768 - 40)
    qtbot.waitUntil(lambda: window.width() == 1366, timeout=TIMEOUT)
    step(qtbot, window, 30)  # the values widen the columns as EM goes on
    assert window.minimumSizeHint().width() <= 1366
    assert window.minimumSizeHint().height() <= 768 - 40
    _assert_controls_whole(window)
    table = window.table
    qtbot.waitUntil(lambda: table.rowCount() > 0, timeout=TIMEOUT)
    settle(qtbot, window)
    # (Waited for, not asserted at once: the scroll bar follows the layout a pass later.)
    qtbot.waitUntil(lambda: not table.horizontalScrollBar().isVisible(), timeout=TIMEOUT)
    header = table.horizontalHeader()
    assert header.length() <= table.viewport().width() + 1, "a column is cut off"
    plot = window.loglik_plot
    readout = plot.readout_rect()
    assert readout.left() >= 0 and readout.right() <= plot.width()


def test_messages_coming_and_going_do_not_move_the_canvas(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("GMM_VIZ_SETTINGS", str(tmp_path / "settings.ini"))
    window = make_window(qtbot)
    window.resize(1366, 728)
    settle(qtbot, window)
    canvas = window.canvas

    def canvas_top():
        qtbot.wait(0)  # let the layout settle (no timing: one pass of the event loop)
        window.centralWidget().layout().activate()
        return canvas.mapTo(window, canvas.rect().topLeft()).y()

    window.message_bar.clear()
    top = canvas_top()
    for text in ("iteration 4: component 2 re-placed (det 5e-06 < 0.01)", ""):
        if text:
            window.show_info(text)
        else:
            window.message_bar.clear()
        assert canvas_top() == top
    # Stepping through a run, whatever its messages, leaves the canvas where it was.
    for _ in range(3):
        step(qtbot, window, 1)
        assert canvas_top() == top


def test_the_first_look_hint_says_how_to_start_and_goes_once_em_runs(
        qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("GMM_VIZ_SETTINGS", str(tmp_path / "settings.ini"))
    window = make_window(qtbot)
    settle(qtbot, window)
    hint = window.canvas.hint_text()
    assert "Play" in hint and "Space" in hint
    assert "Scenario panel on the right" in hint  # where the panel is at first start
    window.scenarios.dock.hide()
    assert "Scenarios menu" in window.first_look_hint()
    step(qtbot, window, 1)
    assert window.canvas.hint_text() == ""
    window.panel.action_reset.trigger()
    settle(qtbot, window)
    assert window.shown_iteration == 0
    assert window.canvas.hint_text() == ""  # once EM has run, it does not come back


def test_zoom_scales_fonts_and_markers_is_remembered_and_resets(qtbot, tmp_path, monkeypatch):
    from PyQt6.QtWidgets import QApplication

    settings = tmp_path / "settings.ini"
    monkeypatch.setenv("GMM_VIZ_SETTINGS", str(settings))
    window = make_window(qtbot)
    settle(qtbot, window)
    base = QApplication.font().pointSizeF()
    tick = window.canvas.getPlotItem().getAxis("bottom").style["tickFont"].pointSizeF()
    qtbot.keyClick(window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert window.zoom_factor == 1.25
    assert QApplication.font().pointSizeF() == pytest.approx(base * 1.25)
    assert window.canvas.getPlotItem().getAxis("bottom").style["tickFont"].pointSizeF() \
        == pytest.approx(tick * 1.25)
    assert window.canvas._means.size_px == pytest.approx(14 * 1.25)
    window.close()
    # Remembered: the next window opens zoomed.
    again = make_window(qtbot)
    assert again.zoom_factor == 1.25
    qtbot.keyClick(again, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert again.zoom_factor == 1.1
    qtbot.keyClick(again, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert again.zoom_factor == 1.0
    assert QApplication.font().pointSizeF() == pytest.approx(base)


def test_the_largest_zoom_still_fits_a_large_screen_scaled_by_one_and_a_half(
        qtbot, tmp_path, monkeypatch):
    """QT_SCALE_FACTOR=1.5 on 1920 x 1080 leaves 1280 x 720 logical pixels: the window's
    smallest size fits there at normal size, and at zoom 1.25 it fits 1366 x 768."""
    monkeypatch.setenv("GMM_VIZ_SETTINGS", str(tmp_path / "settings.ini"))
    window = make_window(qtbot)
    settle(qtbot, window)
    minimum = window.minimumSizeHint()
    assert minimum.width() <= 1280 and minimum.height() <= 720 - 40
    window.set_zoom(1.25)
    minimum = window.minimumSizeHint()
    assert minimum.width() <= 1366 and minimum.height() <= 768 - 40
    window.resize(1366, 728)
    qtbot.waitUntil(lambda: window.width() == 1366, timeout=TIMEOUT)
    # The dock grows with its zoomed controls (once the new font reached them).
    qtbot.waitUntil(lambda: _controls_whole(window), timeout=TIMEOUT)
    window.set_zoom(1.0)


def _controls_whole(window) -> bool:
    """The controls dock shows its panel at least as wide as the panel needs (its
    scroll area never scrolls sideways: it would clip instead)."""
    scroll = window.dock.widget()
    return (scroll.viewport().width() >= window.panel.minimumSizeHint().width()
            and scroll.viewport().width() >= window.panel.sizeHint().width() - 2)


def _assert_controls_whole(window):
    assert _controls_whole(window)
