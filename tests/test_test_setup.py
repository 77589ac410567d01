"""The test setup itself: the tests are headless whatever the environment says."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_qt_runs_offscreen():
    assert os.environ["QT_QPA_PLATFORM"] == "offscreen"


def test_offscreen_even_when_the_environment_asks_for_a_display():
    env = dict(os.environ, QT_QPA_PLATFORM="xcb")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/test_test_setup.py::test_qt_runs_offscreen"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_widget_given_to_qtbot_lives_until_pytest_qt_closes_it(qtbot):
    """A test's last reference to its window going away must not let a collection free
    the window while it is open (the collector clears the Python side first, and the
    window's filters then run on cleared objects)."""
    import gc
    import weakref

    from tests.widget_in_a_cycle import WindowInACycle

    window = WindowInACycle()
    qtbot.addWidget(window)
    window.show()
    alive = weakref.ref(window)
    del window
    gc.collect()
    assert alive() is not None and alive().state == "whole"


def test_a_test_s_widgets_are_deleted_by_qt_before_the_next_test(pytester):
    """pytest-qt only closes them and calls deleteLater; the deletion must happen before
    the next test, whose event loop would otherwise race a collection against it."""
    pytester.makeconftest((ROOT / "tests" / "conftest.py").read_text())
    pytester.makepyfile(widget_in_a_cycle=(ROOT / "tests" / "widget_in_a_cycle.py").read_text())
    pytester.makepyfile('''
import weakref

from PyQt6 import sip

from widget_in_a_cycle import WindowInACycle

seen = {}


def test_open_a_window(qtbot):
    window = WindowInACycle()
    qtbot.addWidget(window)
    window.show()
    seen["window"] = weakref.ref(window)


def test_the_window_is_gone():
    window = seen["window"]()
    assert window is None or sip.isdeleted(window)
''')
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
