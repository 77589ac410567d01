"""A file that takes long to read shows what is read, how far, and a Cancel that works."""

import threading

import pytest

pytest.importorskip("pytestqt")

from gui_helpers import TIMEOUT, make_window, settle
from PyQt6.QtCore import Qt

import gmm_viz.gui.main_window as main_window_module
from gmm_viz.progress import Cancelled, Progress


def slow_reader(reached):
    """A reader that reports progress until it is cancelled (or a generous bound)."""

    def read(path, progress):
        pause = threading.Event()
        for i in range(20_000):
            progress.update(min(i / 200, 0.99))
            reached.set()
            pause.wait(0.005)
        raise AssertionError("never cancelled")

    return read


def test_a_long_read_shows_progress_and_cancel_changes_nothing(qtbot, monkeypatch, tmp_path):
    window = make_window(qtbot)
    dataset, config = window.dataset, window.config
    reached = threading.Event()
    monkeypatch.setattr(main_window_module, "_read_table", slow_reader(reached))
    window.open_csv(str(tmp_path / "big.csv"))
    indicator = window.load_progress
    qtbot.waitUntil(indicator.isVisible, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: "%" in indicator.label.text(), timeout=TIMEOUT)
    assert indicator.label.text().startswith("Reading big.csv… ")
    with qtbot.waitSignal(window.sigMessageShown, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(indicator.cancel_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0] == ("Stopped reading big.csv; the data and the run on screen "
                               "are unchanged.")
    assert not indicator.isVisible()
    settle(qtbot, window)
    assert window.dataset is dataset and window.config == config


def test_a_quick_read_shows_no_bar(qtbot, tmp_path):
    window = make_window(qtbot)
    path = tmp_path / "small.csv"
    path.write_text("a,b\n" + "\n".join(f"{i},{i * i % 7}" for i in range(50)))
    window.open_csv(str(path))
    qtbot.waitUntil(lambda: window.dataset.name == "small", timeout=TIMEOUT)
    assert not window.load_progress.isVisible()
    assert window.load_progress.progress is None


def test_opening_a_second_file_cancels_the_first(qtbot, monkeypatch, tmp_path):
    window = make_window(qtbot)
    first = Progress()
    window.load_progress.track(first, "Reading a.csv")
    second = Progress()
    window.load_progress.track(second, "Reading b.csv")
    assert first.cancelled and not second.cancelled
    with pytest.raises(Cancelled):
        first.update(0.5)


def test_opening_a_long_run_file_shows_progress_and_cancel_keeps_the_run(qtbot, monkeypatch,
                                                                        tmp_path):
    import gmm_viz.gui.export_actions as export_actions

    window = make_window(qtbot)
    dataset, config = window.dataset, window.config
    reached = threading.Event()
    monkeypatch.setattr(export_actions, "_read_run", slow_reader(reached))
    window.exports.open_run(str(tmp_path / "long.json"))
    indicator = window.load_progress
    qtbot.waitUntil(indicator.isVisible, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: "%" in indicator.label.text(), timeout=TIMEOUT)
    assert indicator.label.text().startswith("Opening long.json… ")
    with qtbot.waitSignal(window.sigMessageShown, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(indicator.cancel_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0] == ("Stopped opening long.json; the data and the run on screen "
                               "are unchanged.")
    settle(qtbot, window)
    assert window.dataset is dataset and window.config == config
