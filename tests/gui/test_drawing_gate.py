"""The worker steps between two frames: the gate closes while the GUI thread draws a
frame and opens once its event loop waits again (see gmm_viz.gui.worker.drawing_gate)."""

from __future__ import annotations

import threading

from gmm_viz.gui.worker import EMController
from gmm_viz.gui.worker.drawing_gate import DrawingGate

TIMEOUT = 10_000


def test_a_closed_gate_holds_a_step_until_it_opens_and_never_for_ever():
    gate = DrawingGate(max_wait_s=60.0)
    assert gate.wait()  # open: no wait
    gate.drawing()
    assert not gate.is_open
    opened = []
    waiter = threading.Thread(target=lambda: opened.append(gate.wait()))
    waiter.start()
    gate.idle()  # the GUI thread is done with its frame
    waiter.join(timeout=30)
    assert opened == [True]
    short = DrawingGate(max_wait_s=0.001)
    short.drawing()
    assert short.wait() is False  # a GUI thread that never goes idle only slows EM down


def _controller_with_a_frame(qtbot, window):
    from gmm_viz.data import make_dataset
    from gmm_viz.engine import EMConfig

    controller = EMController()
    controller.watch_painting(window)
    controller.request_run(EMConfig(n_components=2, random_state=0),
                           make_dataset("blobs", n_samples=200, random_state=0))
    qtbot.waitUntil(lambda: controller.worker.frame_pending, timeout=TIMEOUT)
    return controller


def test_taking_a_frame_closes_the_gate_until_the_window_has_painted(qtbot):
    from PyQt6.QtWidgets import QLabel

    window = QLabel("frames")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    controller = _controller_with_a_frame(qtbot, window)
    try:
        gate = controller.worker.gate
        assert controller.take_frame() is not None
        assert not gate.is_open  # drawing: the worker waits before its next step
        window.setText("frame 1")  # what drawing the frame does: the window repaints
        qtbot.waitUntil(lambda: gate.is_open, timeout=TIMEOUT)
    finally:
        controller.shutdown()


def test_a_window_off_screen_never_holds_the_worker(qtbot):
    from PyQt6.QtWidgets import QLabel

    window = QLabel("hidden")  # never shown: it paints nothing, so nothing may wait for it
    qtbot.addWidget(window)
    controller = _controller_with_a_frame(qtbot, window)
    try:
        assert controller.take_frame() is not None
        assert controller.worker.gate.is_open
    finally:
        controller.shutdown()


def test_while_the_window_draws_a_stale_frame_the_worker_builds_the_newest_one(qtbot):
    """The frame for the next display time is built while the window draws (before the
    worker waits for the painting), not after it, so it is ready when it is due."""
    from gmm_viz.data import make_dataset
    from gmm_viz.engine import EMConfig
    from gmm_viz.gui.worker.em_worker import EMWorker
    from gmm_viz.run.session import RunRequest, open_run

    worker = EMWorker()  # its slots called here, in this thread
    dataset = make_dataset("blobs", n_samples=200, random_state=0)
    worker.session = open_run(RunRequest(token=1, config=EMConfig(n_components=2,
                                                                  random_state=0),
                                         dataset=dataset), 1)
    worker.play_requested = True
    worker._publish(force=True)  # a frame waits for the GUI
    worker.session.advance()
    worker._publish()  # the worker moved on: the waiting frame is stale
    newest = worker.iteration
    shown, stale = worker.mailbox.take()  # the GUI takes it ...
    assert stale and shown.iteration < newest
    assert worker.mailbox.newest_wanted
    worker.gate.max_wait_s = 0.001
    worker.gate.drawing()  # ... and draws it
    worker._on_tick()
    assert not worker.mailbox.newest_wanted  # (until the GUI takes a stale frame again)
    ready, _ = worker.mailbox.take()
    # Built before this tick's step, which waited for the painting.
    assert ready is not None and ready.iteration == newest
    assert worker.iteration == newest + 1
