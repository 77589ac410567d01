"""File menu: canvas PNG/SVG, GIF/MP4 of the run, run files, responsibilities CSV."""

import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from gui_helpers import STEADY, TIMEOUT, history_of, make_window, settle, step
from media import read_frames
from PyQt6.QtGui import QImage

from gmm_viz.engine import EMEngine


@pytest.fixture
def window(qtbot):
    window = make_window(qtbot, STEADY)
    step(qtbot, window, 5)
    return window


def test_canvas_as_png_and_svg(window, tmp_path):
    png, svg = tmp_path / "canvas.png", tmp_path / "canvas.svg"
    assert window.exports.export_canvas(png)
    image = QImage(str(png))
    assert not image.isNull()
    assert (image.width(), image.height()) == (window.canvas.width(), window.canvas.height())
    assert window.exports.export_canvas(svg)
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    assert str(png) in window.message_bar.text() or "Wrote" in window.message_bar.text()


def test_canvas_export_to_a_bad_place_is_a_message(window, tmp_path):
    assert not window.exports.export_canvas(tmp_path / "no" / "such" / "canvas.png")
    assert window.message_bar.level == "error"


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_run_as_animation_has_one_frame_per_iteration(window, tmp_path, suffix):
    path = tmp_path / f"run{suffix}"
    assert window.exports.export_animation(path, fps=5, max_frames=None)
    assert len(read_frames(path)) == 6  # iterations 0..5
    assert not window.playing


def test_long_runs_are_sampled_to_max_frames(qtbot, window, tmp_path):
    step(qtbot, window, 5)
    path = tmp_path / "run.gif"
    assert window.exports.export_animation(path, fps=10, max_frames=4)
    assert len(read_frames(path)) == 4


def test_soft_colours_animation(qtbot, window, tmp_path):
    index = window.panel.colors_combo.findData("soft")
    window.panel.colors_combo.setCurrentIndex(index)
    settle(qtbot, window)
    path = tmp_path / "soft.gif"
    assert window.exports.export_animation(path, fps=10, max_frames=None)
    assert len(read_frames(path)) == 6


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_cancelling_an_animation_leaves_no_file(window, tmp_path, suffix):
    path = tmp_path / f"run{suffix}"
    exports = window.exports

    def cancel_at_two(done, total):
        if done == 2:
            exports.progress_dialog.cancel()  # what clicking Cancel does

    exports.sigExportProgress.connect(cancel_at_two)
    assert not exports.export_animation(path, fps=5, max_frames=None)
    assert not path.exists()
    assert [p for p in tmp_path.iterdir() if p.name.startswith("run")] == []
    assert "cancelled" in window.message_bar.text()
    assert exports.progress_dialog is None


def test_responsibilities_of_the_iteration_shown(qtbot, window, tmp_path):
    window.timeline.slider.setValue(2)
    settle(qtbot, window)
    path = tmp_path / "resp.csv"
    with qtbot.waitSignal(window.exports.sigFileWritten, timeout=TIMEOUT):
        window.exports.export_responsibilities(path)
    header = path.read_text().splitlines()[0].split(",")
    table = np.loadtxt(path, delimiter=",", skiprows=1)
    k = window.config.n_components
    assert header == ["x1", "x2"] + [f"resp_{j}" for j in range(k)] + ["label"]
    assert table.shape == (len(window.dataset.X), 2 + k + 1)
    resp = table[:, 2:2 + k]
    np.testing.assert_allclose(resp.sum(axis=1), 1.0, atol=1e-8)
    engine = EMEngine(window.dataset.X, window.config)
    engine.step()
    engine.step()
    np.testing.assert_allclose(resp, engine.responsibilities(), atol=1e-8)
    np.testing.assert_array_equal(table[:, -1], resp.argmax(axis=1))


def test_save_then_open_in_a_new_window_replays_the_run(qtbot, window, tmp_path):
    path = tmp_path / "run.json"
    with qtbot.waitSignal(window.exports.sigFileWritten, timeout=TIMEOUT):
        window.exports.save_run(path)
    saved = history_of(qtbot, window)
    assert json.loads(path.read_text())["format"] == "gmm-viz run"

    other = make_window(qtbot)
    other.exports.open_run(path)
    qtbot.waitUntil(lambda: other.last_frame.last_iteration == 5, timeout=TIMEOUT)
    settle(qtbot, other)
    assert other.config == window.config
    assert other.shown_iteration == 5
    assert "Opened the run run.json" in other.message_bar.text()
    opened = history_of(qtbot, other)
    assert len(opened) == len(saved)
    for a, b in zip(saved, opened):
        np.testing.assert_allclose(b.means, a.means)
        np.testing.assert_allclose(b.covariances, a.covariances)
        assert b.log_likelihood == a.log_likelihood
    # Scrub the opened run, then Play continues it.
    other.timeline.slider.setValue(2)
    settle(qtbot, other)
    np.testing.assert_allclose(other.last_frame.snapshot.means, saved[2].means)
    other.timeline.slider.setValue(5)
    other.panel.action_step.trigger()
    settle(qtbot, other)
    assert other.last_frame.last_iteration == 6
    engine = EMEngine(window.dataset.X, window.config)
    for _ in range(6):
        expected = engine.step()
    np.testing.assert_allclose(other.last_frame.snapshot.means, expected.means, atol=1e-9)


def test_a_run_of_points_from_a_file_opens_as_loaded_data(qtbot, tmp_path):
    from gmm_viz.data import load_csv
    from gmm_viz.engine import EMConfig
    from gmm_viz.runs import points_source, save_run

    rng = np.random.default_rng(1)
    csv = tmp_path / "pts.csv"
    csv.write_text("a,b\n" + "\n".join(f"{x:.6f},{y:.6f}" for x, y in rng.normal(size=(150, 2))))
    dataset = load_csv(csv)
    config = EMConfig(n_components=2, init="kmeans", rule="none")
    engine = EMEngine(dataset.X, config)
    snaps = [engine.snapshot] + [engine.step() for _ in range(3)]
    path = tmp_path / "points-run.json"
    save_run(path, config, points_source("file: pts.csv"), snaps, X=dataset.X)
    window = make_window(qtbot)
    window.exports.open_run(path)
    qtbot.waitUntil(lambda: window.dataset is not None and len(window.dataset.X) == 150,
                    timeout=TIMEOUT)
    assert window.panel.dataset_combo.currentText() == "run: points-run.json"
    assert window.data_source()["kind"] == "points"


BAD_RUNS = {
    "broken.json": "{not json",
    "other.json": '{"format": "something else"}',
    "empty.json": "",
}


@pytest.mark.parametrize("name", sorted(BAD_RUNS) + ["wrong-k.json"])
def test_a_damaged_run_file_is_a_message_and_keeps_the_run(qtbot, window, tmp_path, name):
    path = tmp_path / name
    if name == "wrong-k.json":
        good = tmp_path / "good.json"
        with qtbot.waitSignal(window.exports.sigFileWritten, timeout=TIMEOUT):
            window.exports.save_run(good)
        document = json.loads(good.read_text())
        document["settings"]["n_components"] = 3  # the iterations have 5 components
        path.write_text(json.dumps(document))
    else:
        path.write_text(BAD_RUNS[name])
    dataset, config = window.dataset, window.config
    shown = window.shown_iteration
    with qtbot.waitSignal(window.sigMessageShown, timeout=TIMEOUT) as blocker:
        window.exports.open_run(path)
    assert name in blocker.args[0]
    assert window.message_bar.level == "error"
    settle(qtbot, window)
    assert window.dataset is dataset and window.config == config
    assert window.shown_iteration == shown and window.last_frame.last_iteration == 5
    assert window.panel.k_spin.value() == config.n_components
    assert window.panel.dataset_combo.currentData() == "blobs"


def test_export_folder_is_remembered(qtbot, window, tmp_path):
    from gmm_viz.gui import settings as app_settings

    exports = window.exports
    exports.ask_save_path = lambda title, filters, name: str(tmp_path / name)
    exports.action_export_canvas.trigger()
    assert app_settings.last_export_directory(window._settings) == str(tmp_path)
    assert any(p.suffix == ".png" for p in tmp_path.iterdir())
