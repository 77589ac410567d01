"""A window's first start never waits for numba's compiler: it keeps the numpy kernel and
compiles the fused one in another process; the next start uses it."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from gmm_viz.engine import kernel

pytestmark = pytest.mark.skipif(not kernel.fused_available(), reason="numba is not installed")

_CHOOSE = ("from gmm_viz.engine import kernel_warmup as w; "
           "print(w.prepare_window_kernel()); print(w.marker_path())")


def _start(env):
    out = subprocess.run([sys.executable, "-c", _CHOOSE], env=env, capture_output=True,
                         text=True, timeout=300, check=True).stdout.split()
    return out[0], out[1]


def test_the_first_start_keeps_numpy_and_compiles_elsewhere_for_the_next(tmp_path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    env.pop("GMM_VIZ_KERNEL", None)
    name, marker = _start(env)
    assert name == "numpy"  # nothing compiled on this machine (this cache) yet
    assert marker.startswith(str(tmp_path))
    deadline = time.monotonic() + 600  # a generous cap: the compiler process may be slow
    while not os.path.exists(marker):
        assert time.monotonic() < deadline, "the background compilation never finished"
        time.sleep(0.2)
    name, _ = _start(env)
    assert name == "fused"


def test_a_kernel_chosen_already_is_kept():
    from gmm_viz.engine import kernel_warmup

    chosen = kernel.kernel_name()  # this process has decided (the default rule)
    assert kernel_warmup.prepare_window_kernel() == chosen
