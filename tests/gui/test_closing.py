"""Closing the window never waits for a computation the worker cannot interrupt."""

import subprocess
import sys
import textwrap
import threading

import pytest

pytest.importorskip("pytestqt")

from gui_helpers import TIMEOUT, make_window

from gmm_viz.gui.worker import abandoned_workers_running, wait_for_abandoned_workers


def test_closing_while_the_worker_is_busy_returns_without_waiting(qtbot):
    window = make_window(qtbot)
    thread = window.controller.thread
    started, release = threading.Event(), threading.Event()

    def long_computation():  # like k-means on two million points: one uninterruptible call
        started.set()
        release.wait(60)

    window.controller.run_job(long_computation)
    qtbot.waitUntil(started.is_set, timeout=TIMEOUT)
    window.close()
    # close() returned while the computation still runs: it did not wait for it.
    assert not release.is_set()
    assert not window.isVisible()
    assert thread.isRunning() and abandoned_workers_running()
    release.set()
    assert wait_for_abandoned_workers(TIMEOUT)
    assert not thread.isRunning()


def test_the_app_process_ends_after_close_even_if_the_worker_never_returns(tmp_path):
    # The real entry point: the window closes while the worker is stuck for good; the
    # process must still end, cleanly (no "QThread: Destroyed while thread is still
    # running" abort).
    script = textwrap.dedent("""
        import os, sys, threading
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        os.environ["GMM_VIZ_SETTINGS"] = sys.argv[1]
        from PyQt6.QtCore import QTimer
        from gmm_viz.gui import app as app_module
        from gmm_viz.gui.main_window import MainWindow

        original = MainWindow.__init__
        def patched(self, *args, **kwargs):
            original(self, *args, **kwargs)
            started = threading.Event()
            def stuck():
                started.set()
                threading.Event().wait()  # never returns
            self.controller.run_job(stuck)
            def close_when_stuck():
                if started.is_set():
                    self.close()
                else:
                    QTimer.singleShot(20, close_when_stuck)
            QTimer.singleShot(20, close_when_stuck)
        MainWindow.__init__ = patched
        from gmm_viz.cli import main
        sys.exit(main([]))
    """)
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path / "s.ini")],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert "Destroyed while thread" not in result.stderr


def test_a_controller_collected_during_a_garbage_collection_is_stopped_from_the_event_loop(
        qtbot):
    """Its finalizer runs in the middle of whatever allocated; stopping the thread there
    (a signal, a wait that lets the worker run Python) broke that call, so the stop is
    queued and the thread still ends."""
    from gmm_viz.gui.worker import EMController, stopping

    controller = EMController()
    thread, worker = controller.thread, controller.worker
    qtbot.waitUntil(thread.isRunning, timeout=TIMEOUT)
    stopping._note_collection("start", {})
    try:
        stopping.stop_thread_of_collected(thread, worker)
        assert thread.isRunning()  # nothing waited inside the collection
        assert (thread, worker) in stopping._DEFERRED
    finally:
        stopping._note_collection("stop", {})
    qtbot.waitUntil(lambda: not thread.isRunning(), timeout=TIMEOUT)
    assert stopping._DEFERRED == []
    controller._finalizer.detach()
