"""The history's stored form of a snapshot: the same state back, and nothing the garbage
collector walks (a long run's full collections froze the window for 100+ ms)."""

import gc
from dataclasses import fields, replace

import numpy as np

from gmm_viz.engine import EMConfig, EMEngine
from gmm_viz.engine.snapshot import MOVE_MEAN, SingularityEvent, Snapshot, UserEdit
from gmm_viz.run.history import RunHistory
from gmm_viz.run.stored_snapshot import restored, stored


def _engine_snapshots(steps=12):
    rng = np.random.default_rng(3)
    X = np.concatenate([rng.normal(c, 0.5, (60, 2)) for c in ([0, 0], [4, 0], [0, 4])])
    engine = EMEngine(X, EMConfig(n_components=3, random_state=1))
    return [engine.snapshot] + [engine.step() for _ in range(steps)]


def _assert_same(got, expected):
    assert type(got) is Snapshot
    for name in (f.name for f in fields(Snapshot)):
        a, b = getattr(got, name), getattr(expected, name)
        if isinstance(b, np.ndarray):
            np.testing.assert_array_equal(a, b)
            assert not a.flags.writeable  # still the frozen arrays
        elif name == "detected" and b is not None:
            _assert_same(a, b)
        else:
            assert a == b, name


def test_a_stored_snapshot_comes_back_field_by_field():
    snapshot = _engine_snapshots()[5]
    event = SingularityEvent(iteration=5, component=1, rule="det", reason="det", value=1e-9,
                             threshold=1e-8, action="random_range", old_mean=(0.0, 1.0),
                             new_mean=(2.0, 3.0))
    edit = UserEdit(iteration=5, kind=MOVE_MEAN, component=0, old=(0.0, 0.0),
                    new=(1.0, 1.0), log_likelihood_before=-10.0)
    rich = replace(snapshot, events=(event,), user_edits=(edit,), converged=True,
                   detected=replace(snapshot, labels=None))
    for original in (snapshot, rich):
        _assert_same(restored(stored(original)), original)
    assert restored(stored(rich)).replacements == (event,)


def test_a_long_history_adds_no_object_for_the_collector_to_walk():
    templates = [s.without_labels() for s in _engine_snapshots()]
    history = RunHistory(budget_bytes=1 << 40)
    gc.collect()
    before = len(gc.get_objects())
    for i in range(5000):
        history.append(replace(templates[i % len(templates)], iteration=i))
    gc.collect()
    # One tracked object per iteration before (the Snapshot): 5,000 more to walk.
    assert len(gc.get_objects()) - before < 50
    _assert_same(history[4999], replace(templates[4999 % len(templates)], iteration=4999))
