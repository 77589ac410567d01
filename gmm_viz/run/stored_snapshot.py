"""The form in which a run's history keeps a snapshot: a plain tuple of its fields.

Why not the :class:`~gmm_viz.engine.snapshot.Snapshot` itself: Python's cyclic garbage
collector tracks every instance of a class, so a history of a long run held one tracked
object per iteration, and each full collection walked all of them while holding the GIL:
107 and 132 ms at 43 and 94 s of playing 2,000 points (62,000 and 81,000 iterations),
freezing the window each time (measured with ``gc.callbacks`` in the real window). A
tuple of arrays, numbers, ``None`` and empty tuples is untracked by the collector's first
pass over it, and is never walked again, however long the run. Only the rare iterations
with events or changes by hand hold tracked objects (their events and edits).

The stored tuple also costs less memory than the object (no instance dictionary); the
history's byte accounting (:data:`gmm_viz.run.history.SNAPSHOT_OVERHEAD_BYTES`) is
measured on this form.
"""

from __future__ import annotations

from dataclasses import fields

from gmm_viz.engine.snapshot import Snapshot

#: The fields of a Snapshot, in the order the stored tuple holds them.
SNAPSHOT_FIELDS = tuple(f.name for f in fields(Snapshot))
_DETECTED = SNAPSHOT_FIELDS.index("detected")


def stored(snapshot):
    """``snapshot`` as the history keeps it: a tuple of its fields (its detected state
    stored the same way). Objects other than a :class:`Snapshot` are kept as they are.
    """
    if type(snapshot) is not Snapshot:
        return snapshot
    values = [getattr(snapshot, name) for name in SNAPSHOT_FIELDS]
    if values[_DETECTED] is not None:
        values[_DETECTED] = stored(values[_DETECTED])
    return tuple(values)


def restored(kept) -> Snapshot:
    """The :class:`Snapshot` of a stored tuple (a new object, equal field by field; about
    2.5 us)."""
    if type(kept) is not tuple:
        return kept
    values = list(kept)
    if values[_DETECTED] is not None:
        values[_DETECTED] = restored(values[_DETECTED])
    return Snapshot(*values)
