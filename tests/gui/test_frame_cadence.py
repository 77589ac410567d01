"""The frame cadence: frames one interval apart from their due times, never drifting,
never bursting, spaced out while drawing is slow. Explicit times: nothing here is timed."""

from itertools import pairwise

import pytest

from gmm_viz.gui.frame_cadence import (
    FRAME_INTERVAL_S,
    MAX_FRAME_INTERVAL_S,
    PAINT_AND_IDLE_FACTOR,
    FrameCadence,
)


def _play(cadence, frames, late_by, draw_s=0.001):
    """Take ``frames`` frames, each ``late_by`` seconds after it was due; their times."""
    now, taken = 100.0, []
    for _ in range(frames):
        now += cadence.wait(now) + late_by
        cadence.frame_taken(now)
        cadence.frame_drawn(draw_s)
        taken.append(now)
    return taken


def test_the_first_frame_is_drawn_at_once():
    assert FrameCadence().wait(5.0) == 0.0


def test_late_timers_do_not_slow_the_rate():
    # Every frame taken 1.5 ms after it was due (a timer firing late): the rate stays one
    # frame per interval, where "an interval after the last frame" would lose 1.5 ms each.
    taken = _play(FrameCadence(), 602, late_by=0.0015)[1:]  # (the first sets the cadence)
    seconds = taken[-1] - taken[0]
    assert 600 / seconds == pytest.approx(1 / FRAME_INTERVAL_S, rel=1e-6)


def test_frames_are_never_closer_than_the_interval_minus_the_lateness():
    cadence = FrameCadence()
    taken = _play(cadence, 50, late_by=0.004)
    gaps = [b - a for a, b in pairwise(taken)]
    assert min(gaps) == pytest.approx(FRAME_INTERVAL_S)  # no burst after a late frame
    assert cadence.wait(taken[-1]) == pytest.approx(FRAME_INTERVAL_S - 0.004)


def test_a_frame_later_than_an_interval_restarts_the_cadence():
    # The worker had no frame for 0.2 s: the next frames are spaced from the late one,
    # not drawn back to back to make up for the ones that never existed.
    cadence = FrameCadence()
    cadence.frame_taken(10.0)
    cadence.frame_drawn(0.001)
    cadence.frame_taken(10.2)
    cadence.frame_drawn(0.001)
    assert cadence.wait(10.2) == pytest.approx(FRAME_INTERVAL_S)


def test_slow_drawing_spaces_the_frames_out_and_fast_drawing_brings_the_rate_back():
    cadence = FrameCadence()
    cadence.frame_taken(0.0)
    cadence.frame_drawn(0.030)  # a 30 ms frame: leave time to paint and for input
    assert cadence.interval == pytest.approx(0.030 * PAINT_AND_IDLE_FACTOR)
    assert cadence.wait(0.030) == pytest.approx(0.090 - 0.030)
    cadence.frame_taken(0.090)
    cadence.frame_drawn(0.002)
    assert cadence.interval == FRAME_INTERVAL_S
    cadence.frame_drawn(10.0)  # a frame that took 10 s: the spacing is capped
    assert cadence.interval == MAX_FRAME_INTERVAL_S


def test_the_pacer_draws_a_frame_that_comes_early_when_it_is_due(qtbot):
    from gmm_viz.gui.frame_pacer import FramePacer

    now = [50.0]
    waiting, drawn = ["frame 1"], []
    pacer = FramePacer(lambda: waiting.pop() if waiting else None, drawn.append,
                       clock=lambda: now[0])
    pacer.frame_ready()
    assert drawn == ["frame 1"]
    now[0] += 0.004
    waiting.append("frame 2")
    pacer.frame_ready()  # 4 ms after the first: it waits in the worker until it is due
    assert drawn == ["frame 1"] and pacer._timer.isActive()
    assert pacer._timer.interval() == 12  # whole milliseconds, never before the due time
    now[0] += 0.012
    qtbot.waitUntil(lambda: drawn == ["frame 1", "frame 2"])
    pacer.stop()
