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
