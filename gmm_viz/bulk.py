"""Building and dropping millions of small Python objects without freezing other threads
(pure Python, no Qt).

A worker thread that parses a large file builds millions of lists, dicts and strings.
Two things then hold the GIL for long single stretches, during which the GUI thread
cannot run at all, however short each piece of the parsing is:

- the cyclic garbage collector's full passes, which visit every live container and come
  back each time their number grew by a quarter (0.2 s, 0.3 s, ... 0.8 s while a run file
  of 300,000 iterations was decoded; 0.3 s each while a 1,000,000-row CSV with a text
  column was split): :func:`collector_paused` pauses it meanwhile;
- dropping the whole structure in one decref: :func:`release` empties it in pieces.
"""

from __future__ import annotations

import contextlib
import gc
import threading

_PAUSE_LOCK = threading.Lock()
_pauses = 0
_was_enabled = False


@contextlib.contextmanager
def collector_paused():
    """Pause Python's cyclic garbage collector while a large structure is built.

    JSON documents and snapshots hold no reference cycles, so nothing is lost; the pause
    is process-wide, counted (nested or concurrent pauses end with the last one), and the
    collector's state before the first pause comes back after the last one.
    """
    global _pauses, _was_enabled
    with _PAUSE_LOCK:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _PAUSE_LOCK:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()


def release(document, piece: int = 4096):
    """Empty the large lists of a decoded document a piece at a time.

    Dropping a list of a million dicts is one long C call that holds the GIL; deleting
    it from the end in pieces lets other threads run between them.
    """
    stack = [document]
    while stack:
        value = stack.pop()
        items = value.values() if isinstance(value, dict) else value
        for item in items:
            if isinstance(item, list) and len(item) > piece:
                stack.append(item)
        if isinstance(value, list):
            while len(value) > piece:
                del value[-piece:]
