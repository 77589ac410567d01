"""The run history stays within its memory budget: older iterations are thinned evenly.

Iteration 0, every event iteration and the newest ones are always kept; the curve keeps
every iteration. Run this file as a script to print what the real budget means at 100,000
iterations (``python tests/test_history_budget.py``).
"""

import gc
import tracemalloc
from dataclasses import replace

import numpy as np
import pytest

from gmm_viz.engine import EMConfig, EMEngine
from gmm_viz.engine.snapshot import SingularityEvent, Snapshot, frozen_copy
from gmm_viz.limits import HISTORY_BUDGET_BYTES
from gmm_viz.run.history import (
    E_STEP,
    FULL,
    M_STEP,
    START,
    Position,
    RunHistory,
    ThinnedIterationError,
    check_history,
    snapshot_nbytes,
)

ARRAYS = ("weights", "means", "covariances", "nk", "det", "min_eigenvalue",
          "condition_number", "flagged")


def make_event(iteration, d, action="random_range", component=0):
    """A singularity event with its own objects (as the engine makes them)."""
    return SingularityEvent(
        iteration=iteration, component=component, rule="det", reason="det(cov)",
        value=1e-9 * (iteration + 1), threshold=1e-6, action=action,
        old_mean=tuple(float(iteration + j) for j in range(d)),
        new_mean=tuple(float(iteration - j) for j in range(d)))


def synthetic(iteration, d=20, k=2, action=None, converged=False):
    """A snapshot whose arrays are freshly allocated, like the engine's frozen copies.

    Parameters
    ----------
    action : {"random_range", "flag"} or None
        An event at this iteration (component 0), or none.
    """
    flagged = np.zeros(k, dtype=bool)
    events = ()
    if action is not None:
        flagged[0] = True
        events = (make_event(iteration, d, action),)
    covariances = np.empty((k, d, d))
    covariances[:] = np.eye(d)
    return Snapshot(
        iteration=iteration,
        weights=np.full(k, 1.0 / k),
        means=np.full((k, d), float(iteration)),
        covariances=covariances,
        log_likelihood=-1000.0 - 1.0 / (iteration + 1),
        mean_log_likelihood=-1.0 - 1e-3 / (iteration + 1),
        # Now and then with labels, which the history must drop.
        labels=np.zeros(50, dtype=np.int8) if iteration % 97 == 0 else None,
        nk=np.full(k, 25.0),
        det=np.ones(k),
        min_eigenvalue=np.ones(k),
        condition_number=np.ones(k),
        flagged=flagged,
        events=events,
        converged=converged,
    )


def fresh_copy(snapshot, iteration):
    """``snapshot`` as iteration ``iteration`` with arrays and events of its own."""
    d = snapshot.means.shape[1]
    events = tuple(replace(make_event(iteration, d, e.action, e.component), rule=e.rule)
                   for e in snapshot.events)
    detected = snapshot.detected
    if detected is not None:  # a detected state of its own, as the engine makes
        detected = replace(detected, iteration=iteration,
                           **{name: frozen_copy(getattr(detected, name)) for name in ARRAYS
                              if name != "labels"})
    return replace(snapshot, iteration=iteration, labels=None, events=events,
                   log_likelihood=float(snapshot.log_likelihood) - iteration,
                   mean_log_likelihood=float(snapshot.mean_log_likelihood) - iteration,
                   detected=detected,
                   **{name: frozen_copy(getattr(snapshot, name)) for name in ARRAYS})


def engine_snapshots(d, k=3, n=300, steps=30, seed=0):
    X = np.random.default_rng(seed).normal(size=(n, d))
    engine = EMEngine(X, EMConfig(n_components=k, random_state=seed))
    return [engine.snapshot] + [engine.step() for _ in range(steps)]


def old_thinnable(history, events, keep_recent):
    """Kept iterations that are thinnable: not 0, no event, not among the newest."""
    kept = history.kept_iterations()
    boundary = len(history) - keep_recent
    return np.array([i for i in kept if 0 < i < boundary and i not in events])


# ------------------------------------------------------------------ accounting
@pytest.mark.parametrize("d", [2, 20])
def test_byte_accounting_matches_tracemalloc(d):
    """What the history counts is what Python really holds for it (within 5 %)."""
    templates = engine_snapshots(d)
    templates[5] = replace(templates[5], events=(make_event(5, d), make_event(5, d, "flag", 1)))
    # An iteration whose rule re-placed a component keeps the state it caught as well.
    templates[6] = replace(templates[6], events=(make_event(6, d),),
                           detected=replace(templates[6], labels=None, events=()))
    n = 3000
    history = RunHistory(budget_bytes=1 << 40)  # nothing thinned
    gc.collect()  # no garbage of an earlier test freed while measuring
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(n):
            history.append(fresh_copy(templates[i % len(templates)], i))
        traced = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert not history.thinned
    assert abs((traced - history.unbudgeted_nbytes) / history.nbytes - 1) < 0.05


# ------------------------------------------------------------------ the budget
BUDGET = 512 * 1024
RECENT = 20
N_ITERATIONS = 100_000


def run_with_events(n, seed=7):
    """``n`` iterations at D = 20 under a 512 KiB budget, with 15 events.

    Returns
    -------
    history : RunHistory
    events : set of int
        The event iterations, with the first convergence.
    converged_at : int
    largest : int
        The largest ``history.nbytes`` after any append.
    """
    rng = np.random.default_rng(seed)
    events = set(rng.choice(np.arange(1, n), size=15, replace=False).tolist())
    flags = set(sorted(events)[::3])  # some only flagged, the others recovered
    converged_at = n // 23
    history = RunHistory(budget_bytes=BUDGET, keep_recent=RECENT)
    largest = 0
    for i in range(n):
        action = None if i not in events else ("flag" if i in flags else "random_range")
        history.append(synthetic(i, action=action, converged=i >= converged_at))
        largest = max(largest, history.nbytes)
    return history, events | {converged_at}, converged_at, largest


@pytest.fixture(scope="module")
def long_run():
    return run_with_events(N_ITERATIONS)


def test_memory_stays_within_the_budget(long_run):
    history, _events, _, largest = long_run
    assert len(history) == N_ITERATIONS and history.thinned
    assert largest <= BUDGET
    # Thinning is amortised: a handful of full passes over 100,000 appends.
    assert history.sweeps <= 40


def test_memory_of_a_thinned_history_measured_by_tracemalloc():
    """Measured, not only counted: all a thinned history holds apart from its curve and
    its list of event iterations (16 and 8 bytes per entry) is within the budget."""
    gc.collect()  # no garbage of an earlier test freed while measuring
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        history, events, _, _ = run_with_events(20_000)
        traced = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert history.thinned
    assert history.unbudgeted_nbytes <= 2 * 16 * 20_000 + 2 * 8 * len(events)
    assert traced - history.unbudgeted_nbytes <= BUDGET
    assert traced - history.unbudgeted_nbytes == pytest.approx(history.nbytes, rel=0.05)


def test_iteration_0_events_and_the_newest_are_kept(long_run):
    history, events, _, _ = long_run
    kept = set(history.kept_iterations().tolist())
    assert 0 in kept
    assert events <= kept
    assert set(range(N_ITERATIONS - RECENT, N_ITERATIONS)) <= kept
    snapshots = history.snapshots
    assert [s.iteration for s in snapshots] == sorted(kept)
    assert all(s.labels is None for s in snapshots)


def test_kept_iterations_are_evenly_spread(long_run):
    history, events, _, _ = long_run
    thinnable = old_thinnable(history, events, RECENT)
    assert len(thinnable) >= 10
    gaps = np.diff(thinnable)
    assert gaps.max() <= 2 * gaps.min()
    # And they span the old part of the run, not only its start or end.
    assert thinnable[0] <= gaps.max() and thinnable[-1] >= N_ITERATIONS - RECENT - gaps.max()


def test_the_curve_keeps_every_iteration(long_run):
    history, _, converged_at, _ = long_run
    curve = history.curve()
    np.testing.assert_array_equal(curve.iterations, np.arange(N_ITERATIONS))
    i = np.arange(N_ITERATIONS)
    np.testing.assert_array_equal(curve.log_likelihood, -1000.0 - 1.0 / (i + 1))
    np.testing.assert_array_equal(curve.mean_log_likelihood, -1.0 - 1e-3 / (i + 1))
    np.testing.assert_array_equal(curve.kept, history.kept_iterations())
    assert curve.thinned and curve.converged_at == converged_at
    assert len(curve.recoveries) == 10  # the 10 recovered events (5 were flags)


def test_events_at_every_iteration_are_thinned_evenly_when_they_alone_overflow():
    """A "flag" rule that fires at every iteration: the budget still holds."""
    history = RunHistory(budget_bytes=256 * 1024, keep_recent=10)
    n = 20_000
    for i in range(n):
        history.append(synthetic(i, d=4, action="flag"))
        assert history.nbytes <= history.budget_bytes
    kept = history.kept_iterations()
    assert kept[0] == 0 and set(range(n - 10, n)) <= set(kept.tolist())
    old = kept[(kept > 0) & (kept < n - 10)]
    gaps = np.diff(old)
    assert len(old) >= 10 and gaps.max() <= 2 * gaps.min()


def test_a_budget_smaller_than_the_newest_window_keeps_fewer_newest():
    history = RunHistory(budget_bytes=10 * snapshot_nbytes(synthetic(0)), keep_recent=100)
    for i in range(500):
        history.append(synthetic(i))
        assert history.nbytes <= history.budget_bytes
    kept = history.kept_iterations()
    assert kept[0] == 0 and kept[-1] == 499 and 499 - 1 in kept


# ------------------------------------------------------------------ while it fits
def test_every_iteration_is_kept_while_it_fits():
    snaps = engine_snapshots(2, steps=40)
    history = RunHistory()
    for s in snaps:
        history.append(s)
    assert not history.thinned and len(history) == 41 and history.last_iteration == 40
    np.testing.assert_array_equal(history.kept_iterations(), np.arange(41))
    assert history[-1].iteration == 40
    for got in (history[7], history.snapshots[7]):  # the appended state, without labels
        assert got.iteration == 7 and got.labels is None
        np.testing.assert_array_equal(got.means, snaps[7].means)
        assert got.log_likelihood == snaps[7].log_likelihood
    assert history.nearest_kept(17) == 17
    assert history.clamp(Position(50, M_STEP)) == Position(40, M_STEP)
    # Iteration 0 with half-steps is the start, before any E-step.
    assert history.clamp(Position(0, M_STEP)) == Position(0, START)
    # Iteration t reads E-step then M-step (no rule fired: no detected frame between).
    assert all(s.detected is None for s in snaps[:5])
    assert history.next_position(Position(3, E_STEP), True) == Position(3, M_STEP)
    assert history.next_position(Position(3, M_STEP), True) == Position(4, E_STEP)
    assert history.previous_position(Position(3, E_STEP), True) == Position(2, M_STEP)
    assert history.previous_position(Position(1, E_STEP), True) == Position(0, START)
    assert history.previous_position(Position(0, START), True) is None
    assert history.next_position(Position(40), False) == Position(41)  # a step to run
    assert history.next_position(Position(40, M_STEP), True) == Position(41, E_STEP)
    assert HISTORY_BUDGET_BYTES == 500 * 2**20
    with pytest.raises(IndexError, match="iteration 41 is not in this run's history"):
        history[41]


# ------------------------------------------------------------------ a thinned history
@pytest.fixture
def thinned():
    """2,000 iterations at D = 2 thinned to about 60 kept, events at 333 and 1001."""
    events = {333: "random_range", 1001: "flag"}
    history = RunHistory(budget_bytes=60 * snapshot_nbytes(synthetic(0, d=2)), keep_recent=10)
    for i in range(2000):
        history.append(synthetic(i, d=2, action=events.get(i)))
    assert history.thinned
    return history


def test_nearest_kept_getitem_and_clamp_on_a_thinned_history(thinned):
    kept = thinned.kept_iterations()
    a, b = int(kept[5]), int(kept[6])
    assert b - a >= 4  # an old gap
    middle = (a + b) // 2
    assert not thinned.is_kept(middle) and thinned.is_kept(a)
    with pytest.raises(ThinnedIterationError) as info:
        thinned[middle]
    assert isinstance(info.value, KeyError)
    message = str(info.value)
    assert message.startswith(f"iteration {middle} is no longer kept")
    assert f"nearest kept iteration is {thinned.nearest_kept(middle)}" in message
    assert thinned.nearest_kept(a + 1) == a and thinned.nearest_kept(b - 1) == b
    if (b - a) % 2 == 0:
        assert thinned.nearest_kept(middle) == a  # a tie goes to the earlier one
    assert thinned.nearest_kept(10**9) == 1999 and thinned.nearest_kept(-5) == 0
    # An E position draws the iteration before (and an M one its labels): that one is
    # thinned here, so the iteration is shown full.
    assert not thinned.is_kept(a - 1) and not thinned.is_kept(b - 1)
    assert thinned.clamp(Position(a + 1, E_STEP)) == Position(a, FULL)
    assert thinned.clamp(Position(b, M_STEP)) == Position(b, FULL)
    assert thinned.clamp(Position(1999, M_STEP)) == Position(1999, M_STEP)
    assert thinned.clamp(Position(5000)) == Position(1999)
    assert thinned[a].iteration == a


def test_stepping_walks_the_kept_iterations(thinned):
    kept = thinned.kept_iterations().tolist()
    position, seen = Position(kept[-1]), [kept[-1]]
    while (position := thinned.previous_position(position, False)) is not None:
        seen.append(position.iteration)
    assert seen == kept[::-1]
    # With half-steps every M frame has its previous iteration kept, and the walk forward
    # retraces the walk back.
    position, back = Position(kept[-1], E_STEP), []
    while position is not None:
        back.append(position)
        position = thinned.previous_position(position, True)
    assert all(thinned.clamp(p) == p for p in back)
    forward = [back[-1]]
    while forward[-1] != back[0]:
        forward.append(thinned.next_position(forward[-1], True))
    assert forward == back[::-1]
    assert {p.iteration for p in back} == set(kept)


def test_truncate_after_thinning(thinned):
    kept = thinned.kept_iterations()
    at = int(kept[8])
    before = kept[kept <= at]
    with pytest.raises(ThinnedIterationError):
        thinned.truncate(at + 1)
    assert len(thinned) == 2000  # unchanged
    assert thinned.truncate(at) == 2000 - at - 1
    assert len(thinned) == at + 1 and thinned.last_iteration == at
    np.testing.assert_array_equal(thinned.kept_iterations(), before)  # nothing restored
    assert len(thinned.curve().log_likelihood) == at + 1
    for i in range(at + 1, at + 400):
        thinned.append(synthetic(i, d=2))
        assert thinned.nbytes <= thinned.budget_bytes
    assert thinned.is_kept(at + 399) and thinned.is_kept(0)
    assert len(thinned) == at + 400
    assert thinned.truncate(-1) == at + 400 and len(thinned) == 0 and not thinned.thinned


def test_a_saved_thinned_history_is_checked_and_installed(thinned):
    saved = thinned.snapshots
    assert check_history(saved, 2, 2) == saved
    for bad, words in [(saved[1:], "do not start at 0"),
                       ((saved[0], saved[2], saved[1]), "do not increase")]:
        with pytest.raises(ValueError, match=words):
            check_history(bad, 2, 2)
    reopened = RunHistory()
    reopened.extend(saved)
    assert len(reopened) == 2000 and reopened.thinned
    np.testing.assert_array_equal(reopened.kept_iterations(), thinned.kept_iterations())
    curve = reopened.curve()
    kept = thinned.kept_iterations()
    np.testing.assert_array_equal(curve.log_likelihood[kept],
                                  thinned.curve().log_likelihood[kept])
    assert np.isnan(np.delete(curve.log_likelihood, kept)).all()  # unknown, not invented
    assert curve.recoveries == [333]
    with_curve = RunHistory()
    with_curve.extend(saved, curve=thinned.curve())
    np.testing.assert_array_equal(with_curve.curve().log_likelihood,
                                  thinned.curve().log_likelihood)
    with pytest.raises(ValueError, match="after 1999"):
        reopened.extend([synthetic(1999, d=2)])
    assert len(reopened) == 2000


# ------------------------------------------------------------------ what it means
def measure(d, k=3, n=N_ITERATIONS, budget=HISTORY_BUDGET_BYTES):
    """Memory tracemalloc sees for a history of ``n`` real-shaped iterations."""
    template = engine_snapshots(d, k=k, steps=1)[-1]
    history = RunHistory(budget_bytes=budget)
    gc.collect()  # no garbage of an earlier test freed while measuring
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(n):
            history.append(fresh_copy(template, i))
        traced = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    return history, traced


if __name__ == "__main__":
    for d, k in [(2, 3), (20, 3), (20, 20)]:
        history, traced = measure(d, k)
        print(f"D = {d:2d}, k = {k:2d}: {len(history):,} iterations, "
              f"{len(history.kept_iterations()):,} kept, "
              f"{snapshot_nbytes(history[-1]) / 1024:.1f} KiB per snapshot, "
              f"history {traced / 2**20:.1f} MiB by tracemalloc "
              f"(counted {history.nbytes / 2**20:.1f} MiB of the "
              f"{history.budget_bytes / 2**20:.0f} MiB budget + curve "
              f"{history.unbudgeted_nbytes / 2**20:.1f} MiB)")
