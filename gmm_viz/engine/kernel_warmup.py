"""The window never waits for the compiler: the fused kernel's first compilation runs in a
process of its own.

The fused E-step (:mod:`gmm_viz.engine.fused_kernel`) is compiled by numba at its first
use and kept in numba's on-disk cache. Loading it from the cache costs a few tenths of a
second; compiling it costs 7-14 s (measured on this project's 2-core machines), and the
compiler is Python code that holds the GIL, so a window whose worker compiles would show
its first run that much later and answer its user slowly meanwhile. So the window's
worker calls :func:`prepare_window_kernel` before its first run:

- when this machine has compiled the kernel before (a marker file written after the
  compilation, see :func:`marker_path`), the kernel is loaded from the cache and used;
- otherwise the window keeps the numpy kernel for the whole of this process (a run and
  its replays always use one kernel: the two agree to ~1e-13, not to the bit), and a
  separate process (``python -m gmm_viz.engine.kernel_warmup``) compiles the kernel into
  the cache in the background; the next start uses it.

The headless commands and the library compile at first use as before: they have no window
to keep responsive.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
import sys
from pathlib import Path

_started_compiler = False


def marker_path() -> Path:
    """Where this machine records that the fused kernel it has now is compiled.

    The name holds a hash of the kernel's source and of the numba, numpy and Python
    versions, so an upgrade of any of them compiles again (as numba's cache would).
    """
    import numba
    import numpy

    from gmm_viz.engine import fused_kernel

    source = Path(fused_kernel.__file__).read_bytes()
    versions = f"{numba.__version__}|{numpy.__version__}|{sys.version}".encode()
    digest = hashlib.sha256(source + versions).hexdigest()[:16]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "gmm-viz" / f"fused-kernel-{digest}.compiled"


def prepare_window_kernel() -> str:
    """Choose the window process's E-step kernel, before its first run; returns its name.

    ``"fused"`` when the compiled kernel is on disk (it is loaded now), ``"numpy"`` when
    numba is missing, the numpy kernel was asked for, or the kernel is not compiled yet
    (its compilation is then started in another process). Never raises: a kernel that
    cannot be prepared leaves the numpy one, which is always there.
    """
    from gmm_viz.engine import kernel

    if kernel.kernel_name(chosen_only=True) is not None:
        return kernel.kernel_name()
    if not kernel.fused_available():
        return kernel.choose_kernel("numpy")
    try:
        marker = marker_path()
        compiled = marker.exists()
    except Exception:  # noqa: BLE001 - no cache folder, a broken numba: numpy it is
        return kernel.choose_kernel("numpy")
    if compiled:
        with contextlib.suppress(Exception):  # a damaged cache: compile it elsewhere
            kernel.choose_kernel("fused")
            kernel.warm_up()
            return "fused"
    kernel.choose_kernel("numpy")
    _compile_elsewhere()
    return "numpy"


def _compile_elsewhere() -> None:
    """Start ``python -m gmm_viz.engine.kernel_warmup`` once per process, detached."""
    global _started_compiler
    if _started_compiler:
        return
    _started_compiler = True
    try:
        subprocess.Popen(  # our own module, with this interpreter
            [sys.executable, "-m", "gmm_viz.engine.kernel_warmup"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, close_fds=True)
    except OSError:
        pass  # the numpy kernel stays; the next start tries again


def compile_and_mark() -> float:
    """Compile the fused kernel into numba's cache, then write the marker; the seconds."""
    from gmm_viz.engine import fused_kernel

    seconds = fused_kernel.warm_up()
    marker = marker_path()
    marker.parent.mkdir(parents=True, exist_ok=True)
    temporary = marker.with_suffix(".partial")
    temporary.write_text(f"compiled in {seconds:.1f} s\n")
    os.replace(temporary, marker)  # never a half-written marker
    return seconds


if __name__ == "__main__":
    compile_and_mark()
