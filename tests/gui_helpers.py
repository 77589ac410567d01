"""Helpers shared by the window tests (history, scenarios, exports)."""

from gmm_viz.gui.main_window import LaunchOptions, MainWindow

TIMEOUT = 15_000  # ms, generous for a slow CI machine

#: No singularity rule (so no random re-placement differs after a resume), never stops.
STEADY = LaunchOptions(config_changes={"rule": "none", "tol": 0.0, "max_iter": 100_000})


def make_window(qtbot, options=None):
    window = MainWindow(options or LaunchOptions())
    qtbot.addWidget(window)  # closed (worker stopped) at the end of the test
    window.show()
    window.activateWindow()  # keyboard shortcuts work in the active window
    qtbot.waitActive(window, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: window.shown_iteration is not None, timeout=TIMEOUT)
    return window


def worker_barrier(qtbot, window):
    """Wait until the worker handled everything queued before this call.

    It waits for the answer to its own job: another job's answer (a file being read)
    arriving first must not end the wait early.
    """
    controller = window.controller
    done = []

    def on_finished(token, result, error):
        done.append(token)

    controller.sigJobFinished.connect(on_finished)
    try:
        token = controller.run_job(lambda: None)
        qtbot.waitUntil(lambda: token in done, timeout=TIMEOUT)
    finally:
        controller.sigJobFinished.disconnect(on_finished)


def settle(qtbot, window):
    """Wait until the worker is idle and its newest frame is on screen."""
    for _ in range(2):  # the second round catches a republish asked for by the first
        worker_barrier(qtbot, window)
        qtbot.waitUntil(lambda: not window.controller.worker.frame_pending, timeout=TIMEOUT)


def history_of(qtbot, window):
    """Every snapshot of the window's run (read in the worker)."""
    with qtbot.waitSignal(window.controller.sigJobFinished, timeout=TIMEOUT) as blocker:
        window.controller.run_engine_job(lambda access: access.history)
    assert blocker.args[2] == ""
    return blocker.args[1]


def step(qtbot, window, n):
    for _ in range(n):
        window.panel.action_step.trigger()
    settle(qtbot, window)
