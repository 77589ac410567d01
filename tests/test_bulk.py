"""Pausing the collector and releasing large structures in pieces."""

from gmm_viz import bulk


def test_the_collector_pause_is_counted_and_restores_the_state():
    import gc

    was_enabled = gc.isenabled()  # (off in the tests, as in the app: see conftest)
    gc.enable()
    try:
        with bulk.collector_paused():
            with bulk.collector_paused():
                assert not gc.isenabled()
            assert not gc.isenabled()
        assert gc.isenabled()
        gc.disable()
        with bulk.collector_paused():
            pass
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        if was_enabled:
            gc.enable()
        else:
            gc.disable()


def test_release_empties_large_lists_in_place():
    document = {"iterations": [{"i": i} for i in range(10_000)], "points": [[1, 2]] * 9_000,
                "small": [1, 2, 3]}
    bulk.release(document, piece=1_000)
    assert len(document["iterations"]) <= 1_000 and len(document["points"]) <= 1_000
    assert document["small"] == [1, 2, 3]
