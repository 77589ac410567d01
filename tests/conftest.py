"""Test setup shared by every test module.

Qt must not look for a display: ``QT_QPA_PLATFORM=offscreen`` is set before anything
imports Qt, whatever the environment says (a developer's ``QT_QPA_PLATFORM=xcb`` would
otherwise open real windows). Settings go to a temporary file, never to the user's.
Python's garbage collector runs as in the app: only from the GUI thread, between events
and between tests (gmm_viz.gui.collector says why).
"""

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"

import pytest


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path, monkeypatch):
    # gmm_viz.gui.settings.open_settings() reads this variable first.
    monkeypatch.setenv("GMM_VIZ_SETTINGS", str(tmp_path / "gmm-viz-settings.ini"))


@pytest.fixture(scope="session", autouse=True)
def _collector_between_events(qapp):
    from gmm_viz.gui.collector import collect_between_events

    collector = collect_between_events()
    yield
    collector.timer.stop()


@pytest.fixture(autouse=True)
def _collect_between_tests(_collector_between_events):
    yield
    from gmm_viz.gui.collector import collect_if_due

    collect_if_due()
