"""The engine limits BLAS to one thread for its own work and restores the user's setting."""

import threading

import numpy as np
import pytest
from threadpoolctl import OpenBLASController, threadpool_info, threadpool_limits

from gmm_viz.engine import EMConfig, EMEngine
from gmm_viz.engine.blas_threads import single_threaded_blas, with_single_threaded_blas
from gmm_viz.engine.estimator import GaussianMixtureEM


def _blas_threads():
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


@pytest.fixture
def two_blas_threads():
    """BLAS at two threads (whatever the environment set), restored after the test."""
    if not _blas_threads():
        pytest.skip("no BLAS library that threadpoolctl can control")
    with threadpool_limits(limits=2, user_api="blas"):
        if set(_blas_threads()) != {2}:
            pytest.skip("this BLAS cannot be set to two threads")
        _release_control()
        yield


def _release_control():
    """Let any thread set OpenBLAS's pool again (threadpoolctl gives it to the first setter)."""
    release = getattr(OpenBLASController, "clear_controlling_thread", None)
    if release is not None:
        release(force=True)


def test_one_thread_inside_and_the_setting_restored_after(two_blas_threads):
    with single_threaded_blas():
        assert set(_blas_threads()) == {1}
        with single_threaded_blas():  # nested: still one, and the outer exit restores
            assert set(_blas_threads()) == {1}
        assert set(_blas_threads()) == {1}
    assert set(_blas_threads()) == {2}


def test_restored_after_an_exception(two_blas_threads):
    with pytest.raises(RuntimeError), single_threaded_blas():
        raise RuntimeError("inside")
    assert set(_blas_threads()) == {2}


def test_overlapping_contexts_in_two_threads_restore_the_setting(two_blas_threads):
    inside, release = threading.Event(), threading.Event()

    @with_single_threaded_blas
    def hold():
        inside.set()
        release.wait(10)

    other = threading.Thread(target=hold)
    other.start()
    inside.wait(10)
    with single_threaded_blas():  # while the other thread holds the limit
        assert set(_blas_threads()) == {1}
    release.set()
    other.join(10)
    assert set(_blas_threads()) == {2}


def test_an_engine_in_a_worker_thread_leaves_the_pool_to_others(two_blas_threads):
    X = np.random.RandomState(0).randn(500, 2)
    stepped, finish = threading.Event(), threading.Event()

    def work():
        EMEngine(X, EMConfig(n_components=3)).step()
        stepped.set()
        finish.wait(10)  # the worker thread stays alive, as the app's does

    worker = threading.Thread(target=work)
    worker.start()
    stepped.wait(30)
    try:
        assert set(_blas_threads()) == {2}
        with threadpool_limits(limits=1, user_api="blas"):  # this thread can still set it
            assert set(_blas_threads()) == {1}
    finally:
        finish.set()
        worker.join(10)
        _release_control()


def test_engine_and_estimator_leave_the_users_setting_alone(two_blas_threads):
    X = np.random.RandomState(0).randn(500, 2)
    engine = EMEngine(X, EMConfig(n_components=3, random_state=0))
    engine.step()
    engine.responsibilities()
    assert set(_blas_threads()) == {2}
    GaussianMixtureEM(3, random_state=0).fit(X)
    assert set(_blas_threads()) == {2}
