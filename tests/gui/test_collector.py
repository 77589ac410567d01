"""The garbage collector runs only from the GUI thread's event loop (gmm_viz.gui.collector)."""

import gc
import threading
import weakref

from gmm_viz.gui.collector import collect_between_events


class _Node:
    def __init__(self):
        self.other = self  # a cycle: only the collector frees it


def test_automatic_collection_is_off_and_garbage_is_collected_between_events(qtbot):
    collect_between_events()
    assert not gc.isenabled()
    freed = []
    node = _Node()
    weakref.finalize(node, freed.append, threading.current_thread().name)
    del node
    garbage = [_Node() for _ in range(2 * gc.get_threshold()[0])]  # past the threshold
    del garbage
    qtbot.waitUntil(lambda: bool(freed), timeout=10_000)


def test_garbage_made_in_another_thread_is_collected_in_the_gui_thread(qtbot):
    collect_between_events()
    freed = []

    def make_garbage():
        node = _Node()
        weakref.finalize(node, lambda: freed.append(threading.current_thread()))
        del node
        for _ in range(20):  # far past every threshold: a collection would start here
            junk = [_Node() for _ in range(gc.get_threshold()[0])]
            del junk

    worker = threading.Thread(target=make_garbage)
    worker.start()
    worker.join()
    assert freed == []  # nothing collected in the worker's thread
    qtbot.waitUntil(lambda: bool(freed), timeout=10_000)
    assert freed == [threading.main_thread()]
