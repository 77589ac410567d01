"""The window under bad input: nothing the user had is lost, messages are plain and bounded,
typed values forgive spaces, dialogs stay small whatever the file."""

import json

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from gui_helpers import STEADY, TIMEOUT, history_of, make_window, settle, step
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QDialogButtonBox

from gmm_viz.gui.panels.column_dialog import ColumnDialog
from gmm_viz.gui.panels.controls import LogSlider
from gmm_viz.limits import MAX_COLUMNS_OFFERED, MAX_FEATURES


@pytest.fixture
def window(qtbot):
    window = make_window(qtbot, STEADY)
    step(qtbot, window, 5)
    return window


def saved_run(qtbot, window, path):
    with qtbot.waitSignal(window.exports.sigFileWritten, timeout=TIMEOUT):
        window.exports.save_run(path)
    return json.loads(path.read_text())


def assert_untouched(qtbot, window, dataset, config, history):
    settle(qtbot, window)
    assert window.dataset is dataset and window.config == config
    assert window.last_frame.last_iteration == len(history) - 1
    kept = history_of(qtbot, window)
    assert len(kept) == len(history)
    for a, b in zip(kept, history):
        np.testing.assert_array_equal(a.means, b.means)
    assert window.panel.k_spin.value() == config.n_components
    assert window.panel.seed_spin.value() == (config.random_state or 0)


@pytest.mark.parametrize("damage", ["one_column_points", "seed_too_large", "k_too_large"])
def test_a_run_file_that_cannot_be_used_leaves_the_run_and_its_history(qtbot, window,
                                                                         tmp_path, damage):
    dataset, config = window.dataset, window.config
    history = history_of(qtbot, window)
    good = saved_run(qtbot, window, tmp_path / "good.json")
    document = dict(good)
    if damage == "one_column_points":
        X = np.random.default_rng(0).normal(size=(50, 1))
        document["data_source"] = {"kind": "points", "label": "one column"}
        document["points"] = X.tolist()
    elif damage == "seed_too_large":
        document["settings"] = dict(good["settings"], random_state=4294967295)
    else:
        document["settings"] = dict(good["settings"], n_components=50)
    path = tmp_path / f"{damage}.json"
    path.write_text(json.dumps(document))
    with qtbot.waitSignal(window.sigMessageShown, timeout=TIMEOUT) as blocker:
        window.exports.open_run(path)
    assert path.name in blocker.args[0]
    assert window.message_bar.level == "error"
    assert_untouched(qtbot, window, dataset, config, history)


def test_the_message_bar_shows_file_names_as_typed_and_bounded(qtbot, window):
    name = "<h1 style='font-size:228px'>big</h1>.csv"
    window.show_error(f"{name}: file not found.")
    label = window.message_bar.label
    assert label.textFormat() == Qt.TextFormat.PlainText
    assert label.text() == f"{name}: file not found."
    assert label.sizeHint().height() < 60  # one line of ordinary text, not a heading
    window.show_error("x" * 5_000_000)
    assert len(window.message_bar.text()) <= 600


def test_a_typed_threshold_with_spaces_is_read(qtbot):
    slider = LogSlider(1e-14, 10.0, 1e-2, name="Threshold")
    qtbot.addWidget(slider)
    refused, changed = [], []
    slider.sigInvalid.connect(refused.append)
    slider.sigValueChanged.connect(changed.append)
    slider.edit.setText(" 2e-2 ")
    assert slider.edit.hasAcceptableInput()
    qtbot.keyClick(slider.edit, Qt.Key.Key_Return)
    assert refused == [] and changed == [0.02] and slider.value() == 0.02


def test_a_refused_value_is_explained_without_repeating_spaces(qtbot):
    slider = LogSlider(1e-14, 10.0, 1e-2, name="Threshold")
    qtbot.addWidget(slider)
    refused = []
    slider.sigInvalid.connect(refused.append)
    slider.edit.setText("  1e9  ")
    qtbot.keyClick(slider.edit, Qt.Key.Key_Return)
    assert refused == [("Threshold must be a number from 1e-14 to 10 (with a point for "
                        "decimals); got '1e9'.")]


def test_the_column_dialog_stays_small_for_millions_of_columns(qtbot):
    names = [f"column {i + 1}" for i in range(3_000_000)]
    dialog = ColumnDialog("/data/wide.csv", names)
    qtbot.addWidget(dialog)
    assert dialog.list.count() == MAX_COLUMNS_OFFERED
    assert dialog.columns() == ["column 1", "column 2"]  # a wide file starts with two
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.isEnabled()
    for i in range(2, MAX_FEATURES + 1):
        dialog.list.item(i).setCheckState(Qt.CheckState.Checked)
    assert len(dialog.columns()) == MAX_FEATURES + 1 and not ok.isEnabled()
    assert f"check 2 to {MAX_FEATURES}" in dialog.count_label.text()


def test_the_column_dialog_checks_all_of_a_narrow_file(qtbot):
    dialog = ColumnDialog("four.csv", ["a", "b", "c", "d"])
    qtbot.addWidget(dialog)
    assert dialog.columns() == ["a", "b", "c", "d"]


def test_save_run_refuses_a_run_other_than_the_one_on_screen(qtbot, window, tmp_path):
    # The data set changes and Save is pressed before the new run is on screen: the file
    # would hold the new run under the old data's name.
    path = tmp_path / "run.json"
    panel = window.panel
    panel.dataset_combo.setCurrentIndex(panel.dataset_combo.findData("moons"))
    with qtbot.waitSignal(window.sigMessageShown, timeout=TIMEOUT,
                          check_params_cb=lambda m: "run.json" in m) as blocker:
        window.exports.save_run(path)
    assert "the run changed before it could be written" in blocker.args[0]
    assert not path.exists()
    qtbot.waitUntil(lambda: window.dataset.name == "moons", timeout=TIMEOUT)
    with qtbot.waitSignal(window.exports.sigFileWritten, timeout=TIMEOUT):
        window.exports.save_run(path)
    assert json.loads(path.read_text())["data_source"]["name"] == "moons"


def test_closing_while_a_run_is_being_saved_waits_for_the_file(qtbot, window, tmp_path,
                                                               monkeypatch):
    import threading

    import gmm_viz.run.run_file

    real_save = gmm_viz.run.run_file.save_run
    started, release = threading.Event(), threading.Event()

    def slow_save(*args, **kwargs):
        started.set()
        release.wait(30)
        return real_save(*args, **kwargs)

    monkeypatch.setattr(gmm_viz.run.run_file, "save_run", slow_save)
    path = tmp_path / "run.json"
    window.exports.save_run(path)
    qtbot.waitUntil(started.is_set, timeout=TIMEOUT)
    threading.Timer(0.5, release.set).start()  # the save goes on while the window closes
    window.close()
    assert release.is_set() and path.exists()
    assert json.loads(path.read_text())["format"] == "gmm-viz run"
