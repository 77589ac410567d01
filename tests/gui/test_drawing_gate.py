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


def test_the_gui_threads_event_loop_opens_the_gate_when_it_waits(qtbot):
    controller = EMController()
    try:
        gate = controller.worker.gate
        gate.drawing()  # as when the window takes a frame to draw
        assert not gate.is_open
        qtbot.waitUntil(lambda: gate.is_open, timeout=TIMEOUT)
    finally:
        controller.shutdown()


def test_taking_a_frame_closes_the_gate_until_the_gui_is_idle_again(qtbot):
    from gmm_viz.data import make_dataset
    from gmm_viz.engine import EMConfig

    controller = EMController()
    try:
        controller.request_run(EMConfig(n_components=2, random_state=0),
                               make_dataset("blobs", n_samples=200, random_state=0))
        gate = controller.worker.gate
        qtbot.waitUntil(lambda: controller.worker.frame_pending, timeout=TIMEOUT)
        assert controller.take_frame() is not None
        assert not gate.is_open  # drawing: the worker waits before its next step
        qtbot.waitUntil(lambda: gate.is_open, timeout=TIMEOUT)
    finally:
        controller.shutdown()
