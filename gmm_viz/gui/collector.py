"""Python's cyclic garbage collector runs only from the GUI thread's event loop.

Left automatic, a collection starts inside whatever allocates, in whichever thread, and
runs the finalizers of what it frees there, Qt objects' destruction included. With PyQt
that breaks code that has nothing to do with the garbage:

- Seen in this project's test runs: PyQt building the Python object of a Qt one failed
  as if called with no arguments. "TypeError: QBoxLayout(direction...): not enough
  arguments" came from a window's ``findChildren``, and "QChildEvent(type, child): not
  enough arguments" from the event loop; each left a window half-built. A collection
  starting inside that step, running finalizers that call Qt themselves, is the one
  cause that fits both.
- A collection in the EM worker's thread would destroy collected widgets there, and Qt
  objects must be destroyed in their own thread.

So automatic collection is off and pyqtgraph's ``GarbageCollector`` collects on a timer
of the GUI thread, between events, with the collector's own generation thresholds.
"""

from __future__ import annotations

_collector = None


def collect_between_events(interval_s: float = 0.1):
    """Turn automatic collection off and collect from a GUI-thread timer from now on.

    Call it from the GUI thread once a ``QApplication`` exists; later calls return the
    same collector. ``interval_s`` bounds how long cyclic garbage waits to be freed.

    Returns
    -------
    pyqtgraph.util.garbage_collector.GarbageCollector
    """
    global _collector
    if _collector is None:
        from pyqtgraph.util.garbage_collector import GarbageCollector

        _collector = GarbageCollector(interval=interval_s)
    return _collector


def collect_if_due() -> None:
    """Collect what the timer would collect now (between two tests, say), if it runs."""
    if _collector is not None:
        _collector.check()
