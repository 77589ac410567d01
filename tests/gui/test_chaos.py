"""A seeded run of a few hundred random actions, as a hostile (or curious) user would do
them, with the screen checked for consistency after every one.

What is checked after each action: the iteration shown is the same in the frame, the
timeline and the status bar; the timeline ends where the history ends; the canvas draws
k ellipses and the table has k rows, k being the shown run's; the panel shows the shown
run's k and data set once the worker is idle; messages are bounded; nothing raised.
"""

import os
import random

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from gui_helpers import make_window, settle

from gmm_viz.data import DataRequest
from gmm_viz.limits import MAX_MESSAGE_CHARS
from gmm_viz.scenarios import scenario_names

N_ACTIONS = 300
SEED = 20261201


def bad_files(folder):
    """Files that must each be refused with a message, never hang or crash."""
    files = {}
    files["binary.csv"] = bytes(range(256)) * 20
    files["empty.csv"] = b""
    files["one_column.csv"] = b"x\n" + b"\n".join(str(v).encode() for v in range(50))
    files["text.csv"] = b"name,city\nann,oslo\nbob,rome\n"
    paths = []
    for name, content in files.items():
        path = folder / name
        path.write_bytes(content)
        paths.append(path)
    fifo = folder / "pipe.csv"
    os.mkfifo(fifo)
    paths.append(fifo)
    paths.append(folder / "missing.csv")
    paths.append(folder)  # a folder
    return paths


def check_consistency(window):
    frame = window.last_frame
    assert frame is not None
    shown = int(frame.iteration)  # the t of "iteration t · E-step" (θ(t-1) at an E-step)
    timeline = window.timeline
    assert timeline.slider.value() == shown
    assert timeline.slider.maximum() == max(frame.last_iteration, 0)
    assert timeline.position_text().startswith(f"iteration {shown} / {frame.last_iteration}")
    status = window.status_labels["iteration"].text()
    assert status.startswith(f"iteration {shown}")
    assert (f" of {frame.last_iteration}" in status) == frame.in_past
    k = frame.snapshot.means.shape[0]
    assert k == frame.run.config.n_components == window.config.n_components
    visible = [any(curve.isVisible() for curve in row) for row in window.canvas.ellipse_curves()]
    assert sum(visible) <= k and not any(visible[k:])
    assert window.table.rowCount() == k
    assert len(window.message_bar.text()) <= MAX_MESSAGE_CHARS


def check_panel_matches_run(window):
    # Once the worker is idle, the panel shows the run on screen (a refused request
    # puts it back).
    assert window.panel.k_spin.value() == window.config.n_components
    if window.scenarios.active is None and isinstance(window._source, DataRequest):
        assert window.panel.dataset_combo.currentData() == window._source.name


def test_random_actions_keep_the_screen_consistent(qtbot, tmp_path):
    rng = random.Random(SEED)
    window = make_window(qtbot)
    window.choose_columns = lambda path, columns: list(columns)[:3]
    files = bad_files(tmp_path)
    panel, timeline = window.panel, window.timeline
    datasets = ["blobs", "moons", "faithful", "iris", "circles", "uniform"]
    scenarios = scenario_names()

    def set_k():
        panel.k_spin.setValue(rng.randint(1, 8))

    def set_dataset():
        panel.dataset_combo.setCurrentIndex(panel.dataset_combo.findData(rng.choice(datasets)))

    def scrub():
        last = window.last_frame.last_iteration
        timeline.slider.setValue(rng.randint(0, max(last, 0)))

    def scenario():
        window.scenarios.choose(rng.choice(scenarios))

    def open_bad_file():
        path = rng.choice(files)
        window.open_csv(str(path))
        settle(qtbot, window)
        # Refused with a message that names the file and is not a raw exception.
        text = window.message_bar.text()
        assert window.message_bar.level == "error", text
        assert path.name in text and "Error" not in text, text

    def points():
        if panel.points_spin.isEnabled():
            panel.points_spin.setValue(rng.choice([1, 3, 200, 700]))

    actions = {
        "play": panel.action_play.trigger,  # toggles play/pause
        "step": panel.action_step.trigger,
        "step back": timeline.action_step_back.trigger,
        "reset": panel.action_reset.trigger,
        "new seed": panel.action_new_seed.trigger,
        "half-steps": timeline.action_half_steps.trigger,
        "k": set_k,
        "data set": set_dataset,
        "points": points,
        "scrub": scrub,
        "scenario": scenario,
        "bad file": open_bad_file,
    }
    weights = {"play": 3, "step": 4, "step back": 3, "scrub": 3, "k": 2, "data set": 2,
               "points": 1, "reset": 1, "new seed": 1, "half-steps": 1, "scenario": 1,
               "bad file": 2}
    names = list(actions)
    done = []
    for _ in range(N_ACTIONS):
        name = rng.choices(names, weights=[weights[n] for n in names])[0]
        done.append(name)
        actions[name]()
        settle(qtbot, window)
        try:
            check_consistency(window)
            if not window.playing:
                check_panel_matches_run(window)
        except AssertionError as exc:
            raise AssertionError(f"after actions {done[-8:]} (#{len(done)}): {exc}") from exc
    window.pause()
    settle(qtbot, window)
    check_consistency(window)
    assert np.isfinite(window.last_frame.snapshot.means).all()
    assert set(done) == set(names)  # every kind of action was tried
