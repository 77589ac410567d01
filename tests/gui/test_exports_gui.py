"""File menu: canvas PNG/SVG, GIF/MP4 of the run, run files, responsibilities CSV."""

import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from gui_helpers import STEADY, TIMEOUT, history_of, make_window, settle, step
from media import gif_structure, read_frames
from PyQt6.QtGui import QImage

from gmm_viz.engine import EMEngine


@pytest.fixture
def window(qtbot):
    window = make_window(qtbot, STEADY)
    step(qtbot, window, 5)
    return window


def test_canvas_as_png_and_svg_under_a_title_and_the_iteration(window, tmp_path):
    from gmm_viz.gui.export.heading import layout_heading, text_width
    from gmm_viz.gui.export.render import qimage_to_array

    png, svg = tmp_path / "canvas.png", tmp_path / "canvas.svg"
    title, info = window.exports.canvas_heading()
    # The status bar's words for the state shown: the data set and k, the iteration, the
    # log-likelihood.
    assert title == f"{window.dataset.name}, k = {window.config.n_components}"
    assert info.startswith("iteration 5") and "log-likelihood" in info
    assert window.exports.export_canvas(png)
    image = QImage(str(png))
    assert not image.isNull()
    # The canvas as shown, under a heading (which was missing: an exported picture did
    # not say which data or iteration it showed).
    heading = layout_heading(title, text_width(info), window.canvas.width())
    assert (image.width(), image.height()) == (window.canvas.width(),
                                               window.canvas.height() + heading.height)
    exported = qimage_to_array(image)
    np.testing.assert_array_equal(exported[heading.height:],
                                  qimage_to_array(window.canvas.grab().toImage()))
    assert (exported[: heading.height] < 128).any()  # dark text in the heading
    assert window.exports.export_canvas(svg)
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    text = svg.read_text()
    assert title in text and "iteration 5" in text
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
    if suffix == ".gif":  # one palette for the whole animation, none of each frame's own
        gif = gif_structure(path)
        assert (gif["frames"], gif["global_palette"], gif["local_palettes"]) == (6, 256, 0)


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
    from gmm_viz.run.run_file import points_source, save_run

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


# ---------------------------------------------------------------- the old file is kept
OLD_BYTES = b"the user's old file\x00\x01\x02 keep me"


def _folder_with_old_file(tmp_path, name):
    """A folder holding only ``name``, with known bytes (settings live elsewhere)."""
    folder = tmp_path / "exports"
    folder.mkdir()
    path = folder / name
    path.write_bytes(OLD_BYTES)
    return folder, path


def _assert_untouched(folder, path):
    assert path.read_bytes() == OLD_BYTES
    assert sorted(p.name for p in folder.iterdir()) == [path.name]  # no temporary left


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_cancelling_an_animation_keeps_the_existing_file(window, tmp_path, suffix):
    folder, path = _folder_with_old_file(tmp_path, f"run{suffix}")
    exports = window.exports

    def cancel_at_two(done, total):
        if done == 2:
            exports.progress_dialog.cancel()

    exports.sigExportProgress.connect(cancel_at_two)
    assert not exports.export_animation(path, fps=5, max_frames=None)
    assert "cancelled" in window.message_bar.text()
    _assert_untouched(folder, path)


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_a_failing_animation_keeps_the_existing_file(window, tmp_path, monkeypatch, suffix):
    from gmm_viz.gui.export import render

    folder, path = _folder_with_old_file(tmp_path, f"run{suffix}")
    frame = render.RunRenderer.frame
    calls = []

    def failing_frame(self, index, phase="full"):
        calls.append(index)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return frame(self, index, phase)

    monkeypatch.setattr(render.RunRenderer, "frame", failing_frame)
    assert not window.exports.export_animation(path, fps=5, max_frames=None)
    assert window.message_bar.level == "error"
    assert ".part" not in window.message_bar.text()
    _assert_untouched(folder, path)


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_a_failing_canvas_export_keeps_the_existing_file(window, tmp_path, monkeypatch,
                                                        suffix):
    from PyQt6.QtGui import QPainter, QPixmap

    folder, path = _folder_with_old_file(tmp_path, f"canvas{suffix}")

    def half_written_png(self, name, *args):  # a disk that fills up while writing
        with open(name, "wb") as file:
            file.write(b"\x89PNG half")
        return False

    def failing_end(self):  # QSvgGenerator writes as it paints; then the painter fails
        raise OSError(28, "No space left on device")

    if suffix == ".png":
        monkeypatch.setattr(QPixmap, "save", half_written_png)
    else:
        from PyQt6.QtSvg import QSvgGenerator

        original_end = QPainter.end

        def end_then_fail(self):  # only the SVG painter: the window keeps painting
            is_svg = isinstance(self.device(), QSvgGenerator)
            original_end(self)
            if is_svg:
                failing_end(self)

        monkeypatch.setattr(QPainter, "end", end_then_fail)
    assert not window.exports.export_canvas(path)
    assert window.message_bar.level == "error"
    assert path.name in window.message_bar.text()
    assert ".part" not in window.message_bar.text()
    _assert_untouched(folder, path)


def test_a_failing_responsibilities_csv_keeps_the_existing_file(qtbot, window, tmp_path,
                                                                 monkeypatch):
    import gmm_viz.run.run_file

    folder, path = _folder_with_old_file(tmp_path, "resp.csv")

    def half_written_csv(target, table, **kwargs):
        # The disk fills up half-way through the real writer's table.
        with open(target, "w") as file:
            file.write("x1,x2,resp_0\n1.0,")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(gmm_viz.run.run_file.np, "savetxt", half_written_csv)
    with qtbot.waitSignal(window.sigMessageShown, timeout=TIMEOUT) as blocker:
        window.exports.export_responsibilities(path)
    assert window.message_bar.level == "error"
    assert "resp.csv" in blocker.args[0] and ".part" not in blocker.args[0]
    _assert_untouched(folder, path)


# ---------------------------------------------------------------- targets that are not files
def _fifo(folder, name):
    import os

    path = folder / name
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_save_run_refuses_a_target_that_is_not_a_file(qtbot, window, tmp_path, kind):
    import stat

    folder = tmp_path / "runs"
    folder.mkdir()
    if kind == "folder":
        target = folder / "run.json"
        target.mkdir()
    else:
        target = _fifo(folder, "run.json")
    with qtbot.waitSignal(window.sigMessageShown, timeout=TIMEOUT) as blocker:
        window.exports.save_run(target)
    message = blocker.args[0]
    assert window.message_bar.level == "error"
    assert "run.json" in message and ".part" not in message
    assert ("folder" in message) if kind == "folder" else ("FIFO" in message)
    assert sorted(p.name for p in folder.iterdir()) == ["run.json"]
    mode = target.lstat().st_mode
    assert stat.S_ISDIR(mode) if kind == "folder" else stat.S_ISFIFO(mode)


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_exports_refuse_a_target_that_is_not_a_file(qtbot, window, tmp_path, kind):
    folder = tmp_path / "out"
    folder.mkdir()
    for name in ("canvas.png", "run.gif"):
        target = folder / name
        target.mkdir() if kind == "folder" else _fifo(folder, name)
        export = (window.exports.export_canvas(target) if name.endswith(".png")
                  else window.exports.export_animation(target, fps=5))
        assert not export
        message = window.message_bar.text()
        assert window.message_bar.level == "error"
        assert name in message and ".part" not in message
    assert sorted(p.name for p in folder.iterdir()) == ["canvas.png", "run.gif"]


def test_the_save_dialogs_ask_before_overwriting(window, monkeypatch):
    from PyQt6.QtWidgets import QFileDialog

    seen = []

    def fake_dialog(*args, **kwargs):
        seen.append((args, kwargs))
        return "", ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake_dialog)
    assert window.exports.ask_save_path("Save", "gmm-viz run (*.json)", "run.json") is None
    (args, kwargs), = seen
    options = kwargs.get("options", args[4] if len(args) > 4 else QFileDialog.Option(0))
    assert not options & QFileDialog.Option.DontConfirmOverwrite


# ---------------------------------------------------------------- frame rates
def test_the_animation_dialog_offers_only_frame_rates_both_formats_store(qtbot):
    from gmm_viz.gui.export.actions import AnimationDialog
    from gmm_viz.gui.export.render import FPS_RANGES

    dialog = AnimationDialog(50)
    qtbot.addWidget(dialog)
    spin = dialog.fps_spin
    for low, high in FPS_RANGES.values():
        assert low <= spin.minimum() and spin.maximum() <= high
    spin.setValue(0.5)  # slow animations (a frame every 2 s) are allowed
    assert dialog.options().fps == 0.5


@pytest.mark.parametrize("suffix, fps", [(".gif", 0.001), (".gif", 60), (".mp4", 1e308)])
def test_an_impossible_frame_rate_is_a_message_and_no_file(window, tmp_path, suffix, fps):
    folder = tmp_path / "out"
    folder.mkdir()
    path = folder / f"run{suffix}"
    assert not window.exports.export_animation(path, fps=fps, max_frames=None)
    message = window.message_bar.text()
    assert window.message_bar.level == "error"
    assert "frame rate" in message and "FFMPEG" not in message
    assert list(folder.iterdir()) == []


# ---------------------------------------------------------------- headings
#: Widths a heading is drawn at: the frames of `gmm-viz render` (its default, the sizes
#: the README and the tests use, the narrowest it allows) and canvases of the window.
HEADING_WIDTHS = (1200 - 8, 640 - 8, 480 - 8, 200 - 8, 453, 900, 1600)
#: The widest iteration text a run can have (100,000 iterations, a large log-likelihood).
WIDEST_INFO = "iteration 100000 of 100000 (after M)    log-likelihood per point -1.23457e+06"


def _titles():
    from gmm_viz.scenarios import SCENARIOS

    titles = []
    for scenario in SCENARIOS.values():
        titles.append(scenario.title)
        if scenario.remedy is not None:
            titles.append(scenario.remedied().title)
    return titles + ["a-very-long-file-name-of-measurements-from-the-lab-2026.csv, k = 20",
                     "x" * 300, ""]


@pytest.mark.parametrize("width", HEADING_WIDTHS)
def test_the_title_never_runs_into_the_iteration_text(qtbot, width):
    from PyQt6.QtCore import QRectF

    from gmm_viz.gui.export.heading import HeadingBar, text_width
    from gmm_viz.gui.export.render import qimage_to_array

    for info in ("iteration 0    log-likelihood -1196.4", WIDEST_INFO):
        for title in _titles():
            bar = HeadingBar(title, text_width(info), width)
            qtbot.addWidget(bar)
            bar.set_info(info)
            layout = bar.layout_boxes
            inside = QRectF(0, 0, width, layout.height)
            assert inside.contains(layout.info_box)
            if title:
                assert inside.contains(layout.title_box)
                assert not layout.title_box.intersects(layout.info_box), (title, info, width)
            # What is drawn lies in the two boxes (the measured widths are the real ones):
            # no dark pixel between or beside them.
            image = qimage_to_array(bar.grab().toImage())
            ink = (image < 160).any(axis=2)
            boxes = np.zeros_like(ink)
            for box in (layout.title_box, layout.info_box):
                boxes[int(box.top()):int(np.ceil(box.bottom())) + 1,
                      max(0, int(box.left()) - 1):int(np.ceil(box.right())) + 1] = True
            assert ink.any() and not (ink & ~boxes).any(), (title, info, width)
            if layout.lines == 2 or not title:
                continue
            # On one line the title stays whole, ending a gap before the iteration text.
            assert layout.title == title
            assert layout.info_box.left() - layout.title_box.right() >= 20


def test_a_title_that_does_not_fit_beside_the_iteration_goes_above_it(qtbot):
    from gmm_viz.gui.export.heading import layout_heading, text_width

    info = text_width("iteration 230    log-likelihood -811.2")
    title = "Ellipses cannot follow crescents: remedied (more components)"
    wide, narrow = layout_heading(title, info, 1192), layout_heading(title, info, 692)
    assert (wide.lines, narrow.lines) == (1, 2)
    assert narrow.title == title  # the whole title, above the iteration text
    assert narrow.info_box.top() >= narrow.title_box.bottom()
    assert narrow.height > wide.height
    # Only a title wider than the whole heading is cut, with an ellipsis.
    tiny = layout_heading(title, info, 300)
    assert tiny.title.endswith("…") and title.startswith(tiny.title[:-1])


# ---------------------------------------------------------------- exports match the screen
def _drawn(canvas) -> dict:
    """What a canvas draws now: ellipses, labels, density, points, axes."""
    outlines = [o for row in canvas.ellipse_curves() for o in row]
    labels = [label for label in canvas._labels if label.isVisible()]
    for label in labels:
        # A badge of a few pixels: a label that never got its view transform is drawn as
        # big as the data units (thousands of pixels), i.e. nowhere to be seen.
        box = label.mapRectToScene(label.boundingRect())
        assert 5 < box.width() < 80 and 5 < box.height() < 80, box
    points = canvas.points_item
    density = ("image" if canvas._density_image.isVisible() else
               "contours" if canvas._density_contours.isVisible() else "off")
    return {
        "ellipses": sum(o.isVisible() for o in outlines),
        "labels": len(labels),
        "density": density,
        "point style": points.style(),
        "colour mode": points._mode,
        "axes": canvas.axes,
    }


def _export_and_watch(window, path, monkeypatch):
    """Export the run; what the export's canvas drew at its last frame, its plot's label."""
    from gmm_viz.gui.export import render

    seen = {}
    frame = render.RunRenderer.frame

    def watched(self, index, phase="full"):
        image = frame(self, index, phase)
        seen["drawn"] = _drawn(self.canvas)
        seen["colours"] = self.canvas.points_item._point_colors
        seen["scale"] = self.plot.getPlotItem().getAxis("left").labelText
        seen["iteration"] = self._snapshots[index].iteration
        return image

    monkeypatch.setattr(render.RunRenderer, "frame", watched)
    assert window.exports.export_animation(path, fps=10, max_frames=None)
    return seen


def _set_display(qtbot, window, *, soft, sigma, density, scale):
    panel = window.panel
    panel.colors_combo.setCurrentIndex(panel.colors_combo.findData("soft" if soft else "hard"))
    for level, check in panel.sigma_checks.items():
        check.setChecked(level in sigma)
    panel.density_combo.setCurrentIndex(panel.density_combo.findData(density))
    panel.ll_scale_combo.setCurrentIndex(panel.ll_scale_combo.findData(scale))
    settle(qtbot, window)


@pytest.mark.parametrize("soft, sigma, density, scale", [
    (True, (1, 2, 3), "image", "mean"),
    (False, (1,), "contours", "total"),
    (False, (), "off", "total"),
])
def test_an_animation_draws_what_the_screen_draws(qtbot, window, tmp_path, monkeypatch,
                                                 soft, sigma, density, scale):
    _set_display(qtbot, window, soft=soft, sigma=sigma, density=density, scale=scale)
    window.canvas.set_point_style(7, 0.5)  # as a point size control would
    seen = _export_and_watch(window, tmp_path / "run.gif", monkeypatch)
    k = window.config.n_components
    screen = _drawn(window.canvas)
    assert seen["iteration"] == window.shown_iteration == 5
    # The same elements as the screen at the same iteration, following each setting.
    assert seen["drawn"] == screen
    assert screen["ellipses"] == k * len(sigma) and screen["labels"] == k
    assert screen["density"] == density and screen["point style"] == (7, 0.5)
    assert screen["colour mode"] == ("colors" if soft else "labels")
    if soft:  # the same blend of the same responsibilities
        np.testing.assert_array_equal(seen["colours"], window.canvas.points_item._point_colors)
    assert seen["scale"] == window.loglik_plot.getPlotItem().getAxis("left").labelText


def test_a_png_of_the_run_and_a_gif_frame_draw_the_same(qtbot, tmp_path):
    """``gmm-viz render``'s PNG is the last frame of its animation (same renderer)."""
    from media import read_frames as frames_of

    from gmm_viz.gui.export.render import RunRenderer, qimage_to_array, write_animation
    from gmm_viz.gui.export.style import ExportStyle
    from gmm_viz.run.session import RunSession
    from gmm_viz.scenarios import get_scenario

    scenario = get_scenario("ideal")
    dataset = scenario.data.make()
    session = RunSession(dataset, scenario.config)
    snapshots = [s.without_labels() for s in session.run_to_end(8)]
    style = ExportStyle(sigma_levels=(1, 2, 3), density="contours")
    renderer = RunRenderer(dataset.X, snapshots, label_source=session.engine.labels_for,
                           title=scenario.title, size=(640, 360), style=style)
    qtbot.addWidget(renderer)
    assert _drawn(renderer.canvas)["labels"] == scenario.config.n_components
    renderer.save_png(tmp_path / "last.png")
    png = qimage_to_array(QImage(str(tmp_path / "last.png")))
    write_animation(renderer, tmp_path / "run.gif", fps=10)
    last = frames_of(tmp_path / "run.gif")[-1]
    # The GIF's palette is shared by every frame: the colours are the PNG's, nearly.
    assert np.abs(last.astype(int) - png.astype(int)).mean() < 1.0


# ---------------------------------------------------------------- the log-likelihood axis
@pytest.mark.parametrize("scale", ["total", "mean"])
def test_the_log_likelihood_axis_is_fixed_over_the_whole_animation(qtbot, scale):
    from gmm_viz.gui.export.render import RunRenderer
    from gmm_viz.gui.export.style import ExportStyle
    from gmm_viz.run.session import RunSession
    from gmm_viz.scenarios import get_scenario

    scenario = get_scenario("moons")  # long plateaus, then a climb
    dataset = scenario.data.make()
    session = RunSession(dataset, scenario.config)
    snapshots = [s.without_labels() for s in session.run_to_end(120)]
    renderer = RunRenderer(dataset.X, snapshots, label_source=session.engine.labels_for,
                           size=(640, 360), style=ExportStyle(ll_scale=scale))
    qtbot.addWidget(renderer)
    view = renderer.plot.getPlotItem().getViewBox()
    ranges = []
    for index in range(0, renderer.n_frames, 3):
        renderer.draw(index)
        ranges.append(view.viewRange())
    # Every frame on one scale: a plateau of a few hundredths of a nat stays flat.
    assert all(r == ranges[0] for r in ranges), {str(r) for r in ranges}
    (x0, x1), (y0, y1) = ranges[0]
    assert x0 <= 0 and snapshots[-1].iteration <= x1
    field = "mean_log_likelihood" if scale == "mean" else "log_likelihood"
    values = np.array([getattr(s, field) for s in snapshots])
    assert y0 <= values[1:].min() and values.max() <= y1  # the whole climb is in view
    plateau = values[20:60]
    assert np.ptp(plateau) < 0.02 * (y1 - y0)  # ... and the plateau looks flat in it


# ---------------------------------------------------------------- re-placements
def test_an_animation_shows_the_caught_state_then_marks_the_replacement_on_its_frame(
        qtbot, tmp_path):
    from gmm_viz.gui.export.render import RunRenderer, write_animation
    from gmm_viz.run.session import RunSession
    from gmm_viz.scenarios import get_scenario

    scenario = get_scenario("collapse")
    dataset = scenario.data.make()
    session = RunSession(dataset, scenario.config)
    snapshots = [s.without_labels() for s in session.run_to_end(12)]
    recovered = [i for i, s in enumerate(snapshots) if s.recovered_components]
    assert recovered, "the collapse scenario re-places a component in its first iterations"
    renderer = RunRenderer(dataset.X, snapshots, label_source=session.engine.labels_for,
                           size=(640, 360))
    qtbot.addWidget(renderer)
    positions = renderer.positions()
    caught = [i for i in recovered if snapshots[i].detected is not None]
    assert len(positions) == len(snapshots) + len(caught)
    star = renderer.canvas._reset_star
    for index in caught:
        # The caught state, just before the re-placed one, says what it is.
        assert positions[positions.index((index, "full")) - 1] == (index, "detected")
        renderer.draw(index, "detected")
        assert "before re-placement" in renderer.heading.info_text
        assert not star.isVisible()
        component = snapshots[index].recovered_components[0]
        means = renderer.canvas._means.getData()
        detected_mean = snapshots[index].detected.means[component]
        assert np.isclose(means[0], detected_mean[0]).any()  # drawn where it collapsed
        # The re-placement is marked on its own frame, and only there.
        renderer.draw(index)
        assert star.isVisible()
        if index + 1 < len(snapshots) and index + 1 not in recovered:
            renderer.draw(index + 1)
            assert not star.isVisible()
    path = tmp_path / "collapse.gif"
    write_animation(renderer, path, fps=10)
    assert len(read_frames(path)) == len(positions)
