"""The Scenarios menu, its explanation panel and the remedies, in the window."""

import pytest

pytest.importorskip("pytestqt")

from gui_helpers import TIMEOUT, history_of, make_window, settle

from gmm_viz.gui.main_window import LaunchOptions
from gmm_viz.gui.panels.scenario_actions import menu_label
from gmm_viz.scenarios import get_scenario, run_scenario, scenario_names


@pytest.fixture
def window(qtbot):
    return make_window(qtbot)


def test_the_menu_lists_every_finding_in_order(window):
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Scenarios")
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert texts[:7] == [menu_label(get_scenario(k)) for k in scenario_names()]
    assert texts[0] == "1. The ideal fit"


@pytest.mark.parametrize("key", scenario_names())
def test_choosing_a_scenario_loads_plays_and_explains_it(qtbot, window, key):
    scenario = get_scenario(key)
    window.scenarios.actions[key].trigger()
    qtbot.waitUntil(lambda: window.config == scenario.config, timeout=TIMEOUT)
    assert window.dataset.name == scenario.data.name
    panel = window.panel
    assert panel.k_spin.value() == scenario.config.n_components
    assert panel.init_combo.currentData() == scenario.config.init
    assert panel.rule_combo.currentData() == scenario.config.rule
    assert panel.seed_spin.value() == scenario.config.random_state
    assert panel.dataset_combo.currentData() == scenario.data.name
    assert window.display_options.soft_colors == scenario.soft_colours
    assert window.playing or window.last_frame.finished
    text = window.scenarios.panel.explanation_text()
    assert f"FINDING {scenario.number} OF 7" in text
    assert scenario.title in text and scenario.explanation in text
    assert window.scenarios.dock.isVisible()
    if scenario.remedy is not None:
        assert f"Show the remedy: {scenario.remedy.title}" in text
    else:
        assert "Show the remedy" not in text
    # The message bar does not repeat the data set's own description.
    assert window.message_bar.level != "error"


def _assert_played_as_run(window, played, scenario):
    """The window played ``scenario`` as the headless run does, under its own text."""
    _, expected = run_scenario(scenario)
    assert played[-1].iteration == expected[-1].iteration
    assert played[-1].converged == expected[-1].converged
    assert played[-1].log_likelihood == pytest.approx(expected[-1].log_likelihood, abs=1e-8)
    assert _events(played) == _events(expected)
    assert scenario.explanation in window.scenarios.panel.explanation_text()


def _played_to_the_end(qtbot, window, config):
    """Wait until the window's run with ``config`` has finished; its history."""
    qtbot.waitUntil(lambda: window.config == config, timeout=TIMEOUT)

    def finished():
        frame = window.last_frame
        assert frame is not None and frame.config == config and frame.finished, (
            None if frame is None else (frame.iteration, frame.finished, window.playing))

    qtbot.waitUntil(finished, timeout=60_000)
    return history_of(qtbot, window)


def _events(snapshots):
    return [(e.iteration, e.component, e.rule, e.reason) for s in snapshots
            for e in s.events]


@pytest.mark.parametrize("key", scenario_names())
def test_the_window_plays_the_run_its_text_describes(qtbot, window, key):
    # tests/test_scenarios.py checks every sentence against run_scenario's run: the
    # window must play that very run to its end, and show that text beside it.
    scenario = get_scenario(key)
    window.panel.speed_slider.setValue(window.panel.speed_slider.maximum())  # fastest
    window.scenarios.actions[key].trigger()
    played = _played_to_the_end(qtbot, window, scenario.config)
    _assert_played_as_run(window, played, scenario)


@pytest.mark.parametrize("key", ["needle", "local-optimum"])
def test_the_window_plays_the_remedy_its_text_describes(qtbot, window, key):
    scenario = get_scenario(key)
    window.panel.speed_slider.setValue(window.panel.speed_slider.maximum())
    window.scenarios.choose(key)
    # Watch the finding to its end first, as a class would. (Asking for the remedy just
    # as the finding's run ends can leave the remedy paused at iteration 0: the old
    # run's "stopped playing" reaches the window after the new run started.)
    _played_to_the_end(qtbot, window, scenario.config)
    remedied = scenario.remedied()
    window.scenarios.panel.remedy_button.click()
    played = _played_to_the_end(qtbot, window, remedied.config)
    _assert_played_as_run(window, played, remedied)


@pytest.mark.parametrize("key", ["local-optimum", "collapse"])
def test_the_remedy_runs_the_remedied_config_and_back(qtbot, window, key):
    scenario = get_scenario(key)
    window.scenarios.choose(key)
    qtbot.waitUntil(lambda: window.config == scenario.config, timeout=TIMEOUT)
    expected = scenario.remedied()
    window.scenarios.panel.remedy_button.click()
    qtbot.waitUntil(lambda: window.config == expected.config, timeout=TIMEOUT)
    text = window.scenarios.panel.explanation_text()
    assert scenario.remedy.explanation in text
    assert f"Remedy: {scenario.remedy.title}" in text
    assert "Back to the finding" in text and "Show the remedy" not in text
    assert window.shown_iteration is not None
    window.scenarios.panel.back_button.click()
    qtbot.waitUntil(lambda: window.config == scenario.config, timeout=TIMEOUT)
    assert scenario.explanation in window.scenarios.panel.explanation_text()


def test_changing_a_setting_by_hand_leaves_the_scenario(qtbot, window):
    window.scenarios.choose("ideal")
    qtbot.waitUntil(lambda: window.config == get_scenario("ideal").config, timeout=TIMEOUT)
    assert window.scenarios.active is not None
    window.panel.k_spin.setValue(3)
    qtbot.waitUntil(lambda: window.config.n_components == 3, timeout=TIMEOUT)
    assert window.scenarios.active is None
    text = window.scenarios.panel.explanation_text()
    assert "changed by hand" in text
    assert "The ideal fit" in text  # offered again as a link
    assert "Five anisotropic clusters" not in text


def test_changing_the_data_by_hand_leaves_the_scenario(qtbot, window):
    window.scenarios.choose("moons")
    qtbot.waitUntil(lambda: window.dataset.name == "moons", timeout=TIMEOUT)
    window.panel.points_spin.setValue(300)
    qtbot.waitUntil(lambda: len(window.dataset.X) == 300, timeout=TIMEOUT)
    assert window.scenarios.active is None


def test_display_and_speed_changes_keep_the_scenario(qtbot, window):
    window.scenarios.choose("soft")
    qtbot.waitUntil(lambda: window.config == get_scenario("soft").config, timeout=TIMEOUT)
    window.panel.speed_slider.setValue(0)
    window.panel.sigma_checks[3].setChecked(True)
    window.panel.action_reset.trigger()
    settle(qtbot, window)
    assert window.scenarios.active is get_scenario("soft")


def test_a_hint_link_chooses_a_scenario(qtbot, window):
    window.scenarios.panel.hint.linkActivated.emit("needle")
    qtbot.waitUntil(lambda: window.config == get_scenario("needle").config, timeout=TIMEOUT)


def test_scenario_from_the_command_line(qtbot):
    window = make_window(qtbot, LaunchOptions(scenario="moons"))
    qtbot.waitUntil(lambda: window.config == get_scenario("moons").config, timeout=TIMEOUT)
    assert window.dataset.name == "moons"
    assert "Ellipses cannot follow crescents" in window.scenarios.panel.explanation_text()


def test_scenario_option_parses(monkeypatch):
    from gmm_viz import cli
    from gmm_viz.gui import app

    seen = []
    monkeypatch.setattr(app, "run_app", lambda options: seen.append(options) or 0)
    assert cli.main(["--scenario", "collapse"]) == 0
    assert seen[0].scenario == "collapse"
    assert cli.main(["app", "--scenario", "ideal"]) == 0
    assert seen[1].scenario == "ideal"
