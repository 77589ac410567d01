"""Test setup shared by every test module.

Qt must not look for a display: ``QT_QPA_PLATFORM=offscreen`` is set before anything
imports Qt, whatever the environment says (a developer's ``QT_QPA_PLATFORM=xcb`` would
otherwise open real windows). Settings go to a temporary file, never to the user's.
"""

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"

import pytest


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path, monkeypatch):
    # gmm_viz.gui.settings.open_settings() reads this variable first.
    monkeypatch.setenv("GMM_VIZ_SETTINGS", str(tmp_path / "gmm-viz-settings.ini"))
