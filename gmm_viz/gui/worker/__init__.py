"""The worker thread that plays a run, and the GUI-side controller that owns it.

The logic of a run (history, positions, half-steps, resuming, colours, events) is the
Qt-free :class:`~gmm_viz.run.session.RunSession`; this module only gives it a thread, a
timer and a latest-only mailbox.

Threading contract (see DESIGN.md):

- :class:`EMWorker` lives in its own :class:`~PyQt6.QtCore.QThread`. Its stepping
  :class:`~PyQt6.QtCore.QTimer` is created in a slot connected to ``thread.started``, so the
  timer belongs to the worker thread. One EM step per tick, then back to the worker's event
  loop, so pause/settings/stop requests run between iterations.
- Latest-only delivery (:mod:`~gmm_viz.gui.worker.mailbox`): after each step the worker
  stores the newest :class:`~gmm_viz.run.session.Frame` under a lock. At most one :attr:`EMWorker.sigFrameReady` notification is in flight: while the GUI
  has not taken the previous frame, the worker only records that a newer state exists and
  keeps stepping. When the GUI takes the frame, the worker is asked (queued) to publish the
  newest state. No backlog can build up, however slow drawing is.
- The GUI thread only ever calls :meth:`EMWorker.take_frame` (a short locked read) and emits
  queued signals through :class:`EMController`; it never waits on computation. Creating the
  session (and the data set) also happens in the worker thread.

The parts: :mod:`~gmm_viz.gui.worker.em_worker` (the worker), :mod:`~gmm_viz.gui.worker.mailbox`
(latest-only delivery, no Qt), :mod:`~gmm_viz.gui.worker.controller` (the GUI thread's handle
on it) and :mod:`~gmm_viz.gui.worker.stopping` (ending the thread at close and at exit).
"""

from gmm_viz.gui.worker.controller import EMController
from gmm_viz.gui.worker.em_worker import MAX_SPEED, EMWorker
from gmm_viz.gui.worker.stopping import abandoned_workers_running, wait_for_abandoned_workers

__all__ = ["MAX_SPEED", "EMController", "EMWorker", "abandoned_workers_running",
           "wait_for_abandoned_workers"]
