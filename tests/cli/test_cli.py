"""The command line: options, errors (one line, exit status 2) and launching the app."""

import subprocess
import sys
from pathlib import Path

import pytest

from gmm_viz import cli

OPTIONS = ("--dataset", "--csv", "--k", "--init", "--covariance", "--seed", "--threshold",
           "--play")


@pytest.fixture
def launched(monkeypatch):
    """Replace the window by a recorder of the launch options it would get."""
    calls = []
    from gmm_viz.gui import app

    monkeypatch.setattr(app, "run_app", lambda options: calls.append(options) or 0)
    return calls


def test_help_lists_every_option(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for option in OPTIONS:
        assert option in out
    assert "usage: gmm-viz" in out


@pytest.mark.parametrize("argv", [
    ["--k", "0"],
    ["--k", "21"],
    ["--k", "three"],
    ["--dataset", "nope"],
    ["--init", "magic"],
    ["--covariance", "round"],
    ["--seed", "-1"],
    ["--threshold", "abc"],
    ["--threshold", "0"],
    ["--threshold", "nan"],
    ["--dataset", "moons", "--csv", "x.csv"],
    ["--unknown"],
    ["app", "--k", "0"],
])
def test_bad_value_is_one_line_and_status_2(capsys, launched, argv):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("gmm-viz") and ": error: " in err
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert launched == []


def test_bad_csv_is_one_line_and_status_2(capsys, launched, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    assert cli.main(["--csv", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gmm-viz: error:") and "empty.csv" in err
    assert err.count("\n") == 1
    assert launched == []


def test_default_opens_the_app_with_the_study_setup(launched):
    assert cli.main([]) == 0
    options = launched[0]
    assert options.dataset is None and options.csv_dataset is None
    assert options.config_changes == {}
    assert not options.play


def test_options_reach_the_window(launched):
    argv = ["--dataset", "moons", "--k", "2", "--init", "kmeans", "--covariance", "diag",
            "--seed", "7", "--threshold", "1e-6", "--play"]
    assert cli.main(argv) == 0
    options = launched[0]
    assert options.dataset == "moons"
    assert options.play
    assert options.config_changes == {"n_components": 2, "init": "kmeans",
                                      "covariance_type": "diag", "random_state": 7,
                                      "threshold": 1e-6}


def test_app_command_is_the_default(launched):
    assert cli.main(["app", "--k", "3"]) == 0
    assert cli.main(["--k", "3"]) == 0
    first, second = launched
    assert first == second


def test_csv_is_loaded_before_the_window(launched, tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("a,b\n" + "\n".join(f"{i},{i * i % 7}" for i in range(20)))
    assert cli.main(["--csv", str(path)]) == 0
    options = launched[0]
    assert options.csv_dataset.X.shape == (20, 2)
    assert options.csv_path == str(path)


def test_commands_can_be_registered():
    seen = []
    cli.register_command("probe", "test command", lambda p: p.add_argument("--n", type=int),
                         lambda args: seen.append(args.n) or 5)
    try:
        assert cli.main(["probe", "--n", "4"]) == 5
        assert seen == [4]
    finally:
        del cli.COMMANDS["probe"]


def test_python_dash_m_gmm_viz_help():
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-m", "gmm_viz", "--help"], check=False, cwd=root,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert "--threshold" in result.stdout
    bad = subprocess.run([sys.executable, "-m", "gmm_viz", "--k", "99"], check=False, cwd=root,
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


def test_fit_and_render_have_no_play_option(capsys):
    for command in ("fit", "render"):
        assert cli.main([command, "--help"]) == 0
        out = capsys.readouterr().out
        assert "--play" not in out
        assert "--scenario" in out and "plays it" not in out
        assert cli.main([command, "--out", "x.png", "--play"]) == 2
        assert "unrecognized arguments: --play" in capsys.readouterr().err
    assert cli.main(["app", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--play" in out and "window plays it" in out


def test_limits_have_one_source_shared_by_the_cli_and_the_controls():
    from gmm_viz import limits

    assert cli.MAX_K is limits.MAX_K == 20
    assert cli.THRESHOLD_RANGE is limits.THRESHOLD_RANGE == (1e-14, 10.0)
    assert cli.MAX_SEED is limits.MAX_SEED == 2**31 - 1
    # gmm_viz.limits (and so the command line) never imports Qt.
    code = ("import sys, gmm_viz.limits, gmm_viz.cli; "
            "sys.exit(any(m.startswith('PyQt6') for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], check=False, timeout=120).returncode == 0


def test_the_controls_offer_the_same_limits(qtbot):
    from gmm_viz import limits
    from gmm_viz.gui.panels.controls import ControlPanel

    panel = ControlPanel()
    qtbot.addWidget(panel)
    assert panel.k_spin.maximum() == limits.MAX_K
    assert panel.seed_spin.maximum() == limits.MAX_SEED
    slider = panel.threshold_slider
    assert (slider._minimum, slider._maximum) == limits.THRESHOLD_RANGE


def _without_display(**extra):
    """The environment of a machine with no display at all (no X, no Wayland, no Qt hint)."""
    import os

    env = {key: value for key, value in os.environ.items()
           if key not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(extra)
    return env


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland only")
def test_no_display_is_one_line_and_status_2(tmp_path):
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-m", "gmm_viz"], check=False, cwd=root,
                            env=_without_display(GMM_VIZ_SETTINGS=str(tmp_path / "s.ini")),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    err = result.stderr
    assert err.count("\n") == 1 and err.startswith("gmm-viz: error: no display found")
    assert "gmm-viz fit" in err and "gmm-viz render" in err
    assert "QT_QPA_PLATFORM=offscreen" in err
    assert "xcb" not in err and "Traceback" not in err


@pytest.mark.parametrize("environ, platform, missing", [
    ({}, "linux", True),
    ({"DISPLAY": ":0"}, "linux", False),
    ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", False),
    ({"QT_QPA_PLATFORM": "offscreen"}, "linux", False),
    ({"QT_QPA_PLATFORM": "minimal"}, "linux", False),
    ({"QT_QPA_PLATFORM": "vnc:size=800x600"}, "linux", False),
    ({"QT_QPA_PLATFORM": "xcb"}, "linux", True),
    ({"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":1"}, "linux", False),
    ({"DISPLAY": ""}, "linux", True),
    ({}, "darwin", False),
    ({}, "win32", False),
])
def test_which_environments_have_no_display(environ, platform, missing):
    from gmm_viz.cli.app import missing_display_message

    message = missing_display_message(environ, platform)
    assert (message is not None) == missing


def test_the_window_is_not_created_without_a_display(monkeypatch, capsys):
    from gmm_viz.gui import app

    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(app.sys, "platform", "linux")
    monkeypatch.setattr(app, "create_application",
                        lambda *a: pytest.fail("a QApplication was created"))
    assert cli.main([]) == 2
    assert capsys.readouterr().err.startswith("gmm-viz: error: no display found")
