"""A file that takes long to read shows what is read, how far, and a Cancel that works."""

import threading

import pytest

pytest.importorskip("pytestqt")

from gui_helpers import TIMEOUT, make_window, settle
from PyQt6.QtCore import Qt

import gmm_viz.gui.panels.file_opener as file_opener_module
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


def cancel_a_slow_open(qtbot, monkeypatch, module, reader_name, open_file, started, stopped):
    """Open a file whose reading never ends by itself, then press Cancel.

    Checks the bar (``started``, e.g. "Reading big.csv… "), the message after Cancel
    (``stopped``) and that the data and run on screen are unchanged.
    """
    window = make_window(qtbot)
    dataset, config = window.dataset, window.config
    monkeypatch.setattr(module, reader_name, slow_reader(threading.Event()))
    open_file(window)
    indicator = window.load_progress
    qtbot.waitUntil(indicator.isVisible, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: "%" in indicator.label.text(), timeout=TIMEOUT)
    assert indicator.label.text().startswith(started)
    with qtbot.waitSignal(window.sigMessageShown, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(indicator.cancel_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0] == f"{stopped}; the data and the run on screen are unchanged."
    assert not indicator.isVisible()
    settle(qtbot, window)
    assert window.dataset is dataset and window.config == config


def test_a_long_read_shows_progress_and_cancel_changes_nothing(qtbot, monkeypatch, tmp_path):
    cancel_a_slow_open(qtbot, monkeypatch, file_opener_module, "_read_table",
                       lambda window: window.open_csv(str(tmp_path / "big.csv")),
                       "Reading big.csv… ", "Stopped reading big.csv")


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
    from gmm_viz.gui.export import actions as export_actions

    cancel_a_slow_open(qtbot, monkeypatch, export_actions, "_read_run",
                       lambda window: window.exports.open_run(str(tmp_path / "long.json")),
                       "Opening long.json… ", "Stopped opening long.json")
