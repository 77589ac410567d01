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

pytest_plugins = ["pytester"]  # tests of the test setup run pytest on a file


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
def _widgets_live_until_closed(monkeypatch):
    """Keep every widget given to ``qtbot.addWidget`` until pytest-qt has closed it and Qt
    has deleted it.

    pytest-qt holds only a weak reference. A window kept by nothing but a test's local
    (``first = make_window(qtbot)``) becomes garbage, still open, when the test returns;
    a collection then clears its Python objects first and deletes the Qt window after,
    and the window's own event filters run on the cleared objects ("'Editing' object has
    no attribute '_placing'" in a CI run). pytest-qt closes the widgets and calls
    ``deleteLater`` before any fixture's teardown, so this teardown deletes them while
    their Python side is whole.
    """
    from PyQt6.QtCore import QCoreApplication, QEvent
    from pytestqt.qtbot import QtBot

    kept = []
    add_widget = QtBot.addWidget

    def add_and_keep(self, widget, *, before_close_func=None):
        kept.append(widget)
        add_widget(self, widget, before_close_func=before_close_func)

    monkeypatch.setattr(QtBot, "addWidget", add_and_keep)
    yield
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    kept.clear()


@pytest.fixture(autouse=True)
def _collect_between_tests(_collector_between_events, _widgets_live_until_closed):
    yield
    from gmm_viz.gui.collector import collect_if_due

    collect_if_due()
