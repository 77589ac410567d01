"""Python's cyclic garbage collector runs only from the GUI thread's event loop.

Left automatic, a collection starts inside whatever allocates, in whichever thread. With
PyQt that breaks things that have nothing to do with the garbage:

- sip wraps a C++ object for Python (an event handed to a Python ``event`` method, a
  layout found by ``findChildren``) by noting it as pending for the current thread and
  then building the wrapper. A collection that starts while the wrapper is allocated
  runs finalizers and destroys collected Qt objects, which wrap objects of their own;
  the outer wrapper then finds nothing pending and is built as a constructor call with no
  arguments. Seen in this project's tests: "TypeError: QBoxLayout(direction...): not
  enough arguments" in ``findChildren``, and "QChildEvent(type, child): not enough
  arguments" in the event loop, each making a window fail half-built.
- A collection in the EM worker's thread destroys collected widgets there, and Qt
  objects must be destroyed in their own thread.

So automatic collection is off and pyqtgraph's ``GarbageCollector`` collects on a timer
of the GUI thread, between events, with the collector's own generation thresholds.
"""

from __future__ import annotations

_collector = None


def collect_between_events(interval_s: float = 0.1):
    """Turn automatic collection off and collect from a GUI-thread timer from now on.

    Call it from the GUI thread once a ``QApplication`` exists; later calls return the
    same collector. ``interval_s`` bounds how long cyclic garbage waits (at 0.1 s, a run
    makes at most a few megabytes of it in between).

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
