"""The Analyse menu in the window: the Starts view and the Model selection view."""

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from gui_helpers import TIMEOUT, history_of, make_window, settle
from PyQt6.QtCore import Qt

from gmm_viz.gui.analysis import install_analysis
from gmm_viz.gui.main_window import LaunchOptions
from gmm_viz.scenarios import best_seed, get_scenario


@pytest.fixture
def window(qtbot):
    window = make_window(qtbot, LaunchOptions(dataset="blobs",
                                              config_changes={"n_components": 5}))
    install_analysis(window)
    yield window
    window.analysis.close_views()


def _finished_starts(qtbot, view):
    qtbot.waitUntil(lambda: view.state is not None and view.state.finished
                    and not view._timer.isActive(), timeout=TIMEOUT)
    return view.state


def _menu_texts(window, title):
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == title)
    return [a.text() for a in menu.actions() if not a.isSeparator()]


def test_the_analyse_menu_offers_both_views(window):
    assert _menu_texts(window, "&Analyse") == ["Starts side by side…", "Model selection…"]
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles.index("&Analyse") < titles.index("&View")


def test_the_starts_view_shows_n_starts_of_the_window_run(qtbot, window):
    window.analysis.action_starts.trigger()
    view = window.analysis.starts_view
    state = _finished_starts(qtbot, view)
    seed = window.config.random_state
    assert len(state.starts) == 8 and view.grid.n_cells == 8 and view.curves.n_curves == 8
    assert [s.outcome.seed for s in state.starts] == list(range(seed, seed + 8))
    titles = view.grid.titles()
    best = state.best
    assert titles[best].startswith("★ ")
    assert sum(t.startswith("★") for t in titles) == 1
    outcome = state.starts[best].outcome
    assert f"seed {outcome.seed}" in titles[best]
    # The summary names every start once and the best one.
    text = view.summary.text()
    assert text == state.summary()
    assert f"Best start: start {best + 1} (seed {outcome.seed})" in text
    assert sum(len(g) for g in state.groups) == 8
    # Each curve is its start's log-likelihoods; the best one is drawn thicker.
    for index, start in enumerate(state.starts):
        x, y = view.curves.curve_data(index)
        np.testing.assert_array_equal(y, start.curve)
        assert x[-1] == start.outcome.iterations
    assert view.curves.best_pen_width() > 2


def test_clicking_a_start_opens_it_in_the_window_with_its_history(qtbot, window):
    view = window.analysis.open_starts(n_starts=4)
    state = _finished_starts(qtbot, view)
    index = min(range(4), key=lambda i: state.starts[i].outcome.log_likelihood)  # the worst
    outcome = state.starts[index].outcome
    qtbot.mouseClick(view.grid.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.grid.cell_center(index))
    qtbot.waitUntil(lambda: window.config is not None
                    and window.config.random_state == outcome.seed, timeout=TIMEOUT)
    settle(qtbot, window)
    frame = window.last_frame
    assert frame.snapshot.iteration == outcome.iterations
    assert frame.snapshot.log_likelihood == pytest.approx(outcome.log_likelihood, rel=1e-12)
    assert frame.last_iteration == outcome.iterations
    assert len(frame.history.iterations) == outcome.iterations + 1
    history = history_of(qtbot, window)
    assert [s.iteration for s in history] == list(range(outcome.iterations + 1))
    assert window.panel.seed_spin.value() == outcome.seed
    message = window.message_bar.text()
    assert f"Opened start {index + 1} (seed {outcome.seed})" in message
    assert f"{outcome.iterations} iterations" in message
    assert not window.playing


def test_a_start_of_other_data_is_refused(qtbot, window):
    from gmm_viz.data import make_dataset

    view = window.analysis.open_starts(n_starts=2, dataset=make_dataset("moons"),
                                       config=window.config.with_changes(n_components=2))
    _finished_starts(qtbot, view)
    seed = window.config.random_state
    view.open_start(1)
    qtbot.waitUntil(lambda: window.message_bar.level == "error", timeout=TIMEOUT)
    assert "The data changed since these starts ran" in window.message_bar.text()
    assert window.config.random_state == seed


def test_the_collapse_remedy_opens_its_ten_starts(qtbot, window):
    scenario = get_scenario("collapse")
    window.scenarios.choose("collapse")
    qtbot.waitUntil(lambda: window.config == scenario.config, timeout=TIMEOUT)
    window.scenarios.panel.remedy_button.click()
    view = window.analysis.starts_view
    assert view is not None and view.isVisible()
    state = _finished_starts(qtbot, view)
    assert [s.outcome.seed for s in state.starts] == list(range(10))
    chosen = best_seed(scenario.data.make().X, scenario.config, 10, scenario.iterations)
    assert state.starts[state.best].outcome.seed == chosen.random_state
    assert "remedy: best of 10 starts" in view.header.text()
    # The window runs the winner, as before.
    qtbot.waitUntil(lambda: window.config.random_state == chosen.random_state,
                    timeout=TIMEOUT)


def test_model_selection_marks_the_best_and_runs_a_clicked_model(qtbot, window):
    view = window.analysis.open_selection(compute=False)
    view.k_spin.setValue(7)
    for name in ("diag", "spherical"):
        view.cov_checks[name].setChecked(False)
    view.compute()
    qtbot.waitUntil(lambda: view.progress is not None and view.progress.result.complete
                    and not view._timer.isActive(), timeout=TIMEOUT)
    result = view.progress.result
    best = result.best("bic")
    assert best.n_components == 5
    assert view.status.text().startswith(f"Best by BIC: k = 5, {best.covariance_type}")
    assert view.progress_bar.value() == view.progress_bar.maximum() == 14
    # Hovering a point shows its values.
    fit = result.fit("full", 3)
    view.plot.hover(view.plot.point_position("full", 3))
    text = view.readout.text()
    assert text.startswith("k = 3, full: BIC ") and f"{fit.n_parameters} parameters" in text
    assert f"seed {fit.seed}" in text
    # Clicking it runs that model in the window, which ends where the plot says.
    qtbot.mouseClick(view.plot.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.plot.mapFromScene(view.plot.point_position("full", 3)))
    qtbot.waitUntil(lambda: window.config is not None and window.config.n_components == 3
                    and window.config.covariance_type == "full", timeout=TIMEOUT)
    assert window.panel.k_spin.value() == 3
    assert window.panel.covariance_combo.currentData() == "full"
    qtbot.waitUntil(lambda: window.last_frame is not None and window.last_frame.finished
                    and window.last_frame.run.config.n_components == 3, timeout=TIMEOUT)
    settle(qtbot, window)
    assert window.last_frame.snapshot.log_likelihood == pytest.approx(fit.log_likelihood,
                                                                      rel=1e-9)


def test_cancel_stops_the_model_selection_in_the_background(qtbot, window):
    view = window.analysis.open_selection(compute=False)
    view.k_spin.setValue(20)
    view.n_init_spin.setValue(20)
    view.compute()
    job = view.job
    qtbot.waitUntil(lambda: view.progress is not None and view.progress.done >= 1,
                    timeout=TIMEOUT)
    view.cancel_button.click()
    assert view.cancelled and not view.cancel_button.isEnabled()
    assert job.cancelled()
    qtbot.waitUntil(lambda: job.done, timeout=TIMEOUT)
    done = job.latest().done
    assert done < 80
    assert view.status.text().startswith("Cancelled: ")
    assert f"of {job.latest().total} models were fitted" in view.status.text()
    assert job.error == "" and job.result is None
