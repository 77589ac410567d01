"""The worker gives the GUI thread a turn at the interpreter at least every few milliseconds.

Python runs one thread at a time (the GIL). A thread that wants it waits for a switch
interval (5 ms) and then asks the holder to let go. CPython makes that request only when
the GIL did not change hands during the wait. The worker's EM step lets go of the GIL many
times on its own: numpy's loops and the compiled E-step release it. Each of those releases
is a change of hands, even though the worker takes the GIL back at once, before the GUI
thread has woken up. So the GUI thread's request never comes, and it gets the GIL only
when the worker blocks.

Measured in the window at 2,000 points, playing as fast as possible (a timeline of
both threads): a frame's "ready" notification, posted while the GUI thread was idle,
was handled 13 to 21 ms later, after 20 to 40 worker steps in a row. The frame missed
its time, and the GUI thread's timers fired up to 70 ms late.

A real block hands the GIL over: the sleeping worker cannot take it back. So the worker
sleeps briefly once it has stepped for :data:`HOLD_BUDGET_S`, counted from its last wait
of any kind (a sleep here, or the drawing gate). Only short steps count. A step of a
millisecond or more (100,000 points and up) spends most of its time in the compiled E-step
and numpy's loops over long arrays, which hold no GIL for long stretches, and the GUI
thread gets in then. Turns after such steps bought no responsiveness and cost 10 to 30 %
of the EM iterations at 100,000 points (measured in the window).

One turn is timed: a frame waiting to be drawn has a due time (the window's frame
cadence). A short step that ends less than :data:`DUE_LEAD_S` before it would most likely
run past it, and the window's timer would then wait for the GIL. So the worker sleeps
until just after the due time instead; the window draws on time.

Plain Python (no Qt), tested with an explicit clock.
"""

from __future__ import annotations

import time

#: The longest the worker steps without blocking, in seconds. The GUI thread then waits
#: at most about this long, plus one step, for the interpreter.
HOLD_BUDGET_S = 0.002
#: Steps at least this long let the GUI thread in on their own and do not count.
LONG_STEP_S = 0.001
#: A short step ending this close before a waiting frame's due time hands over at once.
DUE_LEAD_S = 0.0015
#: How long the worker sleeps to give the GUI thread its turn, in seconds. Long enough
#: for a waiting thread to wake and take the GIL; at 2,000 points it costs at most a
#: tenth of the worker's time.
TURN_S = 0.0002


class GilTurns:
    """Tells the worker when to step aside for the GUI thread.

    Parameters
    ----------
    clock : callable () -> float, optional
        Monotonic seconds (``time.perf_counter``); tests pass their own.
    sleep : callable (float) -> None, optional
        Blocks for that many seconds, releasing the GIL (``time.sleep``).
    hold_budget_s, turn_s, long_step_s : float, optional
        See :data:`HOLD_BUDGET_S`, :data:`TURN_S` and :data:`LONG_STEP_S`.
    """

    def __init__(self, clock=time.perf_counter, sleep=time.sleep,
                 hold_budget_s: float = HOLD_BUDGET_S, turn_s: float = TURN_S,
                 long_step_s: float = LONG_STEP_S):
        self._clock = clock
        self._sleep = sleep
        self.hold_budget_s = float(hold_budget_s)
        self.turn_s = float(turn_s)
        self.long_step_s = float(long_step_s)
        self._holding_since = None
        self._handed_over_for = None  # the due time of the last timed turn
        #: How many turns were given (tests, diagnostics).
        self.turns = 0

    def waited(self) -> None:
        """The worker just blocked on its own (the drawing gate): the GUI had its turn."""
        self._holding_since = self._clock()

    def after_step(self, step_s: float, frame_due: float | None = None) -> None:
        """Called after each step, which took ``step_s`` seconds: sleeps for a turn when
        the budget of short steps is spent, or until just after ``frame_due`` (the clock's
        time a waiting frame is to be drawn; None when no frame waits) when it is near."""
        now = self._clock()
        if self._holding_since is None or step_s >= self.long_step_s:
            self._holding_since = now
            return
        if (frame_due is not None and frame_due != self._handed_over_for
                and 0.0 <= frame_due - now < DUE_LEAD_S):
            self._handed_over_for = frame_due
            self._sleep(frame_due - now + self.turn_s)
            self.turns += 1
            self._holding_since = self._clock()
            return
        if now - self._holding_since >= self.hold_budget_s:
            self._sleep(self.turn_s)
            self.turns += 1
            self._holding_since = self._clock()
