"""The whole app at full speed, measured in the real window as a person sees it.

``python -m gmm_viz.bench app`` opens the real :class:`~gmm_viz.gui.main_window.MainWindow`
through the ``gmm-viz`` command's own start-up (on the display if there is one, otherwise
offscreen), runs the blobs data set scaled up to each size with K = 8, ``tol`` 0 and a
large ``max_iter`` (so that it never stops), plays it "as fast as possible" and measures:

- frames per second shown (the window's ``sigFrameShown``) and EM iterations per second
  (the worker's iteration counter), over ``--seconds`` after a short warm-up;
- the GUI thread's responsiveness meanwhile: how late a 50 ms timer on the GUI thread
  fires (p50, p99, max);
- pause latency: Space is pressed while playing, and the worker's last step start is
  compared with the press (as ``tests/gui/test_app.py`` measures it, but from the moment
  the press was due, so that the time the key waited for a busy GUI thread counts);
- the time from a key press to its visible effect: the Right arrow while paused, until
  ``sigFrameShown`` shows the next iteration;
- the time from closing the window (while it plays) to the end of the process.

``--density contours`` (or ``image``) turns the canvas's density drawing on for the window
runs, as its Density control does; with a long ``--seconds`` that measures the window while
a long history grows under the heaviest drawing (the chaos runs' stalls, issue 9).

Beside them, in the same run: the engine alone stepping at that size (``EMEngine.step``
in a loop, no window), so the app's overhead shows as a ratio, and the origin study's
matplotlib loop (:mod:`gmm_viz.bench.study_loop`) at 500 and 2,000 points.

Every run is a fresh process (a 1M-point window must not slow the next one); medians of
``--repeats`` runs are printed with their range, beside the targets of issue 9. Keys are
pressed with ``QTest.keyClick`` from a timer on the GUI thread (the press waits for the
GUI thread as a real key would, and it works offscreen too). Benchmarks are not tests:
nothing here asserts a time. The machines are shared and noisy: read the medians.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass

#: Numbers of points of the window runs (issue 9's three sizes).
APP_SIZES = (2_000, 100_000, 1_000_000)
#: Numbers of points of the study's loop, and its frames/s measured before (DESIGN.md).
STUDY_SIZES = (500, 2_000)
STUDY_BEFORE = {500: 3.5, 2_000: 0.37}
N_COMPONENTS = 8
DEFAULT_SECONDS = 10.0
DEFAULT_REPEATS = 3
#: The GUI thread's probe: a timer of this interval, and how late it fires.
PROBE_MS = 50
#: Right-arrow presses per window run (each one EM step while paused).
STEP_PRESSES = 5
#: How long the window plays again before it is closed.
PLAY_BEFORE_CLOSE_S = 0.5


def bench_config():
    """The run of every measurement: K = 8, never converging, never reaching max_iter."""
    from gmm_viz.engine import EMConfig

    # The study's start and rule, pinned: the numbers stay comparable with those measured
    # before the app's defaults changed (a k-means start costs seconds at 1M points).
    return EMConfig(n_components=N_COMPONENTS, tol=0.0, max_iter=1_000_000, random_state=0,
                    init="random_range", init_covariance="identity", rule="det",
                    threshold=1e-2, reg_covar=1e-6)


def bench_data(n_points: int):
    """The blobs data set (the study's five stretched clusters) with ``n_points`` points."""
    from gmm_viz.data import DataRequest

    return DataRequest("blobs", n_samples=int(n_points))


def _warmup_seconds(seconds: float) -> float:
    return min(1.0, 0.2 * seconds)


def _percentile(sorted_values: list, q: float) -> float:
    """Nearest-rank percentile of an ascending list (0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(q * len(sorted_values)))
    return float(sorted_values[rank - 1])


# ============================================================================ the window child
class _Waiter:
    """A nested event loop that ends when :meth:`done` is called or on a timeout."""

    def __init__(self):
        from PyQt6.QtCore import QEventLoop

        self._loop = QEventLoop()
        self.finished = False

    def done(self):
        self.finished = True
        self._loop.quit()

    def wait(self, timeout_s: float) -> bool:
        """Run events until :meth:`done` (True) or ``timeout_s`` passed (False)."""
        from PyQt6.QtCore import QTimer

        if not self.finished:
            QTimer.singleShot(max(1, round(1000 * timeout_s)), self._loop.quit)
            self._loop.exec()
        return self.finished


class _WindowScript:
    """Plays the window and measures it, from its GUI thread (nested loops wait).

    Parameters
    ----------
    n_points : int
    seconds : float
        Measured seconds of playing, after a warm-up.
    density : {"off", "contours", "image"}
        The canvas's density drawing during the run.
    """

    def __init__(self, n_points: int, seconds: float, density: str):
        self.n_points = n_points
        self.seconds = seconds
        self.density = density
        self.window = None

    # ------------------------------------------------------------------ entry points
    def begin(self):
        """Measure, print the results as one JSON line, then close the window playing."""
        from PyQt6.QtCore import QTimer

        try:
            result = self._measure()
        except Exception:  # noqa: BLE001 - the parent reports it; the window still closes
            result = {"error": traceback.format_exc(limit=4)}
        print(json.dumps(result), flush=True)
        if self.window is None:
            from PyQt6.QtWidgets import QApplication

            QApplication.instance().quit()
            return
        QTimer.singleShot(round(1000 * PLAY_BEFORE_CLOSE_S), self._close)

    def _close(self):
        # CLOCK_MONOTONIC is system-wide: the parent compares it with the process's end.
        print(json.dumps({"closed_at": time.monotonic()}), flush=True)
        self.window.close()

    # ------------------------------------------------------------------ measuring
    def _measure(self) -> dict:
        from PyQt6.QtCore import Qt
        from PyQt6.QtGui import QGuiApplication
        from PyQt6.QtWidgets import QApplication

        from gmm_viz.gui.main_window import MainWindow
        from gmm_viz.gui.panels.controls import SPEEDS
        from gmm_viz.gui.worker import MAX_SPEED

        window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))
        self.window = window
        window.activateWindow()  # the keys are window shortcuts: the window must be active
        self._wait_until(lambda: window.last_frame is not None and window.isActiveWindow(),
                         60, "the window's first frame")
        first_run = window.last_frame.run.run_id
        window.panel.speed_slider.setValue(SPEEDS.index(MAX_SPEED))
        # Through the Density control, as a person turns it on.
        combo = window.panel.density_combo
        combo.setCurrentIndex(combo.findData(self.density))
        requested = time.monotonic()
        window.start_run(bench_config(), bench_data(self.n_points))
        self._wait_for_frame(lambda f: f.run.run_id != first_run, 600, "the run's first frame")
        result = {"n_points": self.n_points, "platform": QGuiApplication.platformName(),
                  "window": [window.width(), window.height()],
                  "first_frame_s": time.monotonic() - requested,
                  "density": window.canvas.density_mode}
        window.panel.action_play.trigger()
        if not window.playing:
            raise RuntimeError("Play did not start the run")
        _Waiter().wait(_warmup_seconds(self.seconds))
        result.update(self._play())
        result.update(self._pause(Qt.Key.Key_Space))
        result.update(self._steps(Qt.Key.Key_Right))
        self._press(Qt.Key.Key_Space, 0.0)  # play again; closing happens while playing
        return result

    def _play(self) -> dict:
        """Frames shown, EM iterations and the probe's lateness over ``seconds``."""
        from PyQt6.QtCore import Qt, QTimer

        window, worker = self.window, self.window.controller.worker
        frames, behind, lateness, last_tick = [], [], [], [None]

        def on_frame(frame):
            frames.append(time.monotonic())
            behind.append(worker.iteration - int(frame.snapshot.iteration))

        def on_tick():
            now = time.monotonic()
            if last_tick[0] is not None:
                lateness.append(max(0.0, 1e3 * (now - last_tick[0]) - PROBE_MS))
            last_tick[0] = now

        probe = QTimer()
        probe.setTimerType(Qt.TimerType.PreciseTimer)
        probe.timeout.connect(on_tick)
        window.sigFrameShown.connect(on_frame)
        started, first_iteration = time.monotonic(), worker.iteration
        probe.start(PROBE_MS)
        _Waiter().wait(self.seconds)
        elapsed, iterations = time.monotonic() - started, worker.iteration - first_iteration
        probe.stop()
        window.sigFrameShown.disconnect(on_frame)
        lateness.sort()
        return {"seconds": elapsed, "frames": len(frames), "iterations": iterations,
                "fps": len(frames) / elapsed, "its": iterations / elapsed,
                "lateness_p50_ms": _percentile(lateness, 0.50),
                "lateness_p99_ms": _percentile(lateness, 0.99),
                "lateness_max_ms": lateness[-1] if lateness else 0.0,
                "probe_ticks": len(lateness),
                "behind_median": statistics.median(behind) if behind else 0}

    def _pause(self, key) -> dict:
        """Space while playing: the worker's last step start after the press was due."""
        window, worker = self.window, self.window.controller.worker
        due, fired = self._press(key, 0.1)
        if window.playing:
            raise RuntimeError("Space did not pause the run")
        self._worker_barrier()
        last = worker.last_step_started
        return {"pause_ms": 1e3 * (last - due),  # negative: no step started after the press
                "pause_from_handling_ms": 1e3 * (last - fired),  # as the window test does
                "space_handled_after_ms": 1e3 * (fired - due)}

    def _steps(self, key) -> dict:
        """Right arrow while paused, until the frame of the next iteration is shown."""
        window, worker = self.window, self.window.controller.worker
        latencies = []
        for _ in range(STEP_PRESSES):
            self._wait_until(lambda: window.shown_iteration == worker.iteration
                             and not worker.frame_pending, 120, "the paused run to settle")
            target = worker.iteration + 1
            waiter, shown = _Waiter(), []

            def on_frame(frame, target=target, waiter=waiter, shown=shown):
                if int(frame.snapshot.iteration) >= target and not shown:
                    shown.append(time.monotonic())
                    waiter.done()

            window.sigFrameShown.connect(on_frame)
            try:
                due = self._schedule_press(key, 0.05)
                if not waiter.wait(120):
                    raise RuntimeError("the Right arrow showed no next iteration in 120 s")
            finally:
                window.sigFrameShown.disconnect(on_frame)
            latencies.append(1e3 * (shown[0] - due))
        return {"step_key_ms": statistics.median(latencies),
                "step_key_max_ms": max(latencies), "step_key_all_ms": latencies}

    # ------------------------------------------------------------------ helpers
    def _schedule_press(self, key, delay_s: float, fired=None) -> float:
        """Press ``key`` on the window from a GUI-thread timer ``delay_s`` from now; the
        time the press is due (what a person's press is: it then waits for the GUI)."""
        from PyQt6.QtCore import Qt, QTimer
        from PyQt6.QtTest import QTest

        def press():
            if fired is not None:
                fired.append(time.monotonic())
            QTest.keyClick(self.window, key)

        timer = QTimer(self.window)
        timer.setSingleShot(True)
        timer.setTimerType(Qt.TimerType.PreciseTimer)
        timer.timeout.connect(press)
        timer.timeout.connect(timer.deleteLater)
        due = time.monotonic() + delay_s
        timer.start(round(1000 * delay_s))
        return due

    def _press(self, key, delay_s: float) -> tuple:
        """Press ``key`` after ``delay_s`` and wait until it was handled: (due, fired)."""
        fired = []
        waiter = _Waiter()
        due = self._schedule_press(key, delay_s, fired)
        self._wait_until(lambda: bool(fired), 60, "the key press", waiter)
        return due, fired[0]

    def _worker_barrier(self):
        """Wait until the worker handled everything queued before this call."""
        controller, waiter = self.window.controller, _Waiter()
        token = []

        def on_finished(finished_token, _result, _error):
            if token and finished_token == token[0]:
                waiter.done()

        controller.sigJobFinished.connect(on_finished)
        try:
            token.append(controller.run_job(lambda: None))
            if not waiter.wait(120):
                raise RuntimeError("the worker did not answer in 120 s")
        finally:
            controller.sigJobFinished.disconnect(on_finished)

    def _wait_for_frame(self, predicate, timeout_s: float, what: str):
        waiter = _Waiter()

        def on_frame(frame):
            if predicate(frame):
                waiter.done()

        self.window.sigFrameShown.connect(on_frame)
        try:
            if not waiter.wait(timeout_s):
                raise RuntimeError(f"no {what} in {timeout_s:.0f} s")
        finally:
            self.window.sigFrameShown.disconnect(on_frame)

    @staticmethod
    def _wait_until(predicate, timeout_s: float, what: str, waiter=None):
        """Poll ``predicate`` every 10 ms (only outside the measured periods)."""
        from PyQt6.QtCore import QTimer

        waiter = waiter or _Waiter()
        poll = QTimer()
        poll.timeout.connect(lambda: predicate() and waiter.done())
        if not predicate():
            poll.start(10)
            waiter.wait(timeout_s)
            poll.stop()
        if not predicate():
            raise RuntimeError(f"waited {timeout_s:.0f} s for {what}")


def _child_window(n_points: int, seconds: float, density: str) -> int:
    """Start gmm-viz as its command does, measure the window, close it; the exit status."""
    from PyQt6.QtCore import QTimer

    from gmm_viz.cli import main

    script = _WindowScript(n_points, seconds, density)
    QTimer.singleShot(0, script.begin)  # runs once the window's event loop does
    return main(["--dataset", "blobs", "--k", str(N_COMPONENTS), "--seed", "0"])


def _child_engine(n_points: int, seconds: float) -> int:
    """Step the engine alone on the same data and configuration; print one JSON line."""
    import numpy as np

    from gmm_viz.engine import EMEngine

    engine = EMEngine(bench_data(n_points).make().X, bench_config())
    warm_until = time.monotonic() + _warmup_seconds(seconds)
    while time.monotonic() < warm_until:
        engine.step()
    times, started = [], time.monotonic()
    while time.monotonic() - started < seconds or len(times) < 3:
        step_started = time.monotonic()
        engine.step()
        times.append(time.monotonic() - step_started)
    elapsed = time.monotonic() - started
    print(json.dumps({"n_points": n_points, "steps": len(times), "seconds": elapsed,
                      "its": len(times) / elapsed,
                      "ms_per_step": 1e3 * float(np.median(times))}), flush=True)
    return 0


# ============================================================================ the parent
def child_environment(folder: str) -> tuple[dict, str]:
    """The children's environment (a settings file in ``folder``, never the user's;
    offscreen without a display) and a description of where the window opens."""
    from gmm_viz.cli.app import missing_display_message

    env = dict(os.environ)
    env["GMM_VIZ_SETTINGS"] = os.path.join(folder, "settings.ini")
    if missing_display_message(env):
        env["QT_QPA_PLATFORM"] = "offscreen"
        return env, "offscreen (no display)"
    where = env.get("QT_QPA_PLATFORM") or f"DISPLAY={env.get('DISPLAY', '')}"
    return env, where


def _fresh_settings(env: dict) -> dict:
    """``env`` with a settings file of its own, so that no run restores the window's size
    or the panel (the data set, its size) that another run left."""
    folder = os.path.dirname(env["GMM_VIZ_SETTINGS"])
    handle, path = tempfile.mkstemp(prefix="settings-", suffix=".ini", dir=folder)
    os.close(handle)  # (an empty file is empty settings)
    return dict(env, GMM_VIZ_SETTINGS=path)


def _run_child(args: list, env: dict, timeout_s: float) -> tuple:
    """Run this module with ``args``; (its JSON lines, its stderr's tail, when it ended)."""
    command = [sys.executable, "-m", "gmm_viz.bench.app", *args]
    try:
        done = subprocess.run(command, capture_output=True, text=True, env=_fresh_settings(env),
                              timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        return [], f"timed out after {timeout_s:.0f} s", time.monotonic()
    ended = time.monotonic()
    lines = []
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    tail = done.stderr.strip()[-400:]
    if done.returncode != 0:
        tail = f"exit status {done.returncode}: {tail}"
    return lines, tail, ended


def measure_window(n_points: int, seconds: float, env: dict, density: str = "off") -> dict:
    """One window run in a fresh process; its measures, or ``{"error": ...}``."""
    timeout = 4 * seconds + 600
    lines, stderr, ended = _run_child(
        ["--child-window", str(n_points), str(seconds), density], env, timeout)
    result = next((line for line in lines if "closed_at" not in line), None)
    closed = next((line["closed_at"] for line in lines if "closed_at" in line), None)
    if result is None:
        return {"error": stderr or "the window printed nothing"}
    if "error" not in result and closed is None:
        result["error"] = stderr or "the window was not closed"
    if closed is not None:
        result["close_exit_ms"] = 1e3 * (ended - closed)
    return result


def measure_engine(n_points: int, seconds: float, env: dict) -> dict:
    """The engine alone in a fresh process: ``its`` and ``ms_per_step``."""
    lines, stderr, _ = _run_child(["--child-engine", str(n_points), str(seconds)], env,
                                  4 * seconds + 600)
    return lines[-1] if lines else {"error": stderr or "the engine run printed nothing"}


def measure_study(n_points: int, seconds: float, env: dict) -> dict:
    """The study's matplotlib loop in a fresh process: ``fps``, or ``{"error": ...}``."""
    from gmm_viz.bench.study_loop import MATPLOTLIB_MISSING

    command = [sys.executable, "-m", "gmm_viz.bench.study_loop", "--points", str(n_points),
               "--seconds", str(seconds), "--json"]
    done = subprocess.run(command, capture_output=True, text=True, env=_fresh_settings(env),
                          timeout=20 * seconds + 600, check=False)
    if MATPLOTLIB_MISSING in done.stdout:
        return {"error": MATPLOTLIB_MISSING}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return {"error": f"exit status {done.returncode}: {done.stderr.strip()[-400:]}"}
    return json.loads(lines[-1])


def run_benchmark(sizes=APP_SIZES, seconds=DEFAULT_SECONDS, repeats=DEFAULT_REPEATS,
                  study_sizes=STUDY_SIZES, log=None, density: str = "off") -> dict:
    """Every measurement, each run in a fresh process; the raw results.

    The window and the engine alone alternate, repeat by repeat, so that a noisy minute
    of the machine touches both.

    Returns
    -------
    dict
        ``settings``, and ``window``, ``engine``, ``study``: {points: [one dict per run]}.
    """
    log = log or (lambda text: None)
    with tempfile.TemporaryDirectory(prefix="gmm-viz-bench-") as folder:
        env, where = child_environment(folder)
        return _run_all(sizes, seconds, repeats, study_sizes, env, where, log, density)


def _run_all(sizes, seconds, repeats, study_sizes, env, where, log, density) -> dict:
    raw = {"settings": {"sizes": list(sizes), "seconds": seconds, "repeats": repeats,
                        "density": density,
                        "study_sizes": list(study_sizes), "k": N_COMPONENTS,
                        "warmup_seconds": _warmup_seconds(seconds), "where": where,
                        "cpus": os.cpu_count(), "python": platform.python_version(),
                        "load_average_before": _load_average(),
                        "blas_threads": {name: os.environ[name] for name in
                                         ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                          "MKL_NUM_THREADS") if name in os.environ}},
           "window": {}, "engine": {}, "study": {}}
    for n in sizes:
        for repeat in range(repeats):
            log(f"{n:,} points, run {repeat + 1} of {repeats}: the window ...")
            raw["window"].setdefault(n, []).append(measure_window(n, seconds, env, density))
            log(f"{n:,} points, run {repeat + 1} of {repeats}: the engine alone ...")
            raw["engine"].setdefault(n, []).append(measure_engine(n, seconds, env))
    for n in study_sizes:
        for repeat in range(repeats):
            log(f"{n:,} points, run {repeat + 1} of {repeats}: the study's loop ...")
            result = measure_study(n, seconds, env)
            raw["study"].setdefault(n, []).append(result)
            if result.get("error", "").startswith("matplotlib not installed"):
                break  # the same answer every time
    raw["settings"]["load_average_after"] = _load_average()
    return raw


def _load_average() -> float | None:
    """The machine's 1-minute load average (None where there is none)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


# ============================================================================ the report
@dataclass(frozen=True)
class Target:
    """A target of issue 9: ``at_least`` or at most ``value``; judged on the median of the
    runs, or on the worst run when the target holds for ``every_run``."""

    value: float
    at_least: bool
    every_run: bool = False
    unit: str = ""

    def text(self) -> str:
        value = f"{self.value:,.0f}" if float(self.value).is_integer() else f"{self.value:g}"
        bound = f"{'>=' if self.at_least else '<='} {value}{self.unit}"
        return bound + (", every run" if self.every_run else "")

    def met(self, median: float, low: float, high: float) -> bool:
        judged = (low if self.at_least else high) if self.every_run else median
        return judged >= self.value if self.at_least else judged <= self.value


#: (points or None for every size, measure) -> target.
TARGETS = {
    (2_000, "fps"): Target(60, True),
    (2_000, "lateness_max_ms"): Target(50, False, every_run=True),
    (2_000, "vs_study"): Target(150, True, unit="x"),
    (100_000, "fps"): Target(50, True),
    (100_000, "its"): Target(100, True),
    (100_000, "lateness_p99_ms"): Target(50, False),
    (1_000_000, "fps"): Target(25, True),
    (1_000_000, "its"): Target(30, True),
    (1_000_000, "lateness_p99_ms"): Target(100, False),
    (None, "pause_ms"): Target(100, False, every_run=True),
    (None, "close_exit_ms"): Target(1000, False, every_run=True),
}

#: The window's measures, in the table's order: (key, label).
WINDOW_MEASURES = (
    ("fps", "frames/s shown"),
    ("its", "EM iterations/s"),
    ("engine_its", "engine alone, steps/s (no window)"),
    ("vs_engine", "app EM it/s / engine alone"),
    ("vs_study", "frames/s / the study's loop"),
    ("lateness_p50_ms", "GUI timer lateness p50, ms"),
    ("lateness_p99_ms", "GUI timer lateness p99, ms"),
    ("lateness_max_ms", "GUI timer lateness max, ms"),
    ("step_key_ms", "Right arrow (paused) -> its frame, ms"),
    ("pause_ms", "pause: last step start after Space, ms"),
    ("space_handled_after_ms", "Space (playing) handled by the GUI after, ms"),
    ("close_exit_ms", "close -> process exit, ms"),
)

#: Measures that are ratios of two medians (one number, no spread).
RATIOS = ("vs_engine", "vs_study")


def _number(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _values(runs: list, key: str) -> list:
    return [run[key] for run in runs if "error" not in run and run.get(key) is not None]


def _spread(values: list) -> tuple:
    return statistics.median(values), min(values), max(values)


def summarize(raw: dict) -> list:
    """One row per (points, measure): median, min, max over the runs, target, met."""
    rows = []
    study_fps = {int(n): _values(runs, "fps") for n, runs in raw["study"].items()}
    points = sorted({int(n) for n in raw["window"]} | set(study_fps))
    for n in points:
        runs = raw["window"].get(n, [])
        engine = _values(raw["engine"].get(n, []), "its")
        measures = {key: _values(runs, key) for key, _ in WINDOW_MEASURES}
        measures.update({key: [] for key in RATIOS})
        measures["pause_ms"] = [max(0.0, v) for v in measures["pause_ms"]]
        measures["engine_its"] = engine
        if measures["its"] and engine:
            measures["vs_engine"] = [statistics.median(measures["its"])
                                     / statistics.median(engine)]
        if measures["fps"] and study_fps.get(n):
            measures["vs_study"] = [statistics.median(measures["fps"])
                                    / statistics.median(study_fps[n])]
        if runs:
            for key, label in WINDOW_MEASURES:
                if key == "vs_study" and n not in study_fps:
                    continue
                # (A ratio is one number, of the medians of all the runs.)
                of = {"engine_its": len(raw["engine"].get(n, []))}.get(key, len(runs))
                of = len(measures[key]) if key in RATIOS else of
                rows.append(_row(n, key, label, measures.get(key, []), of))
            for run in runs:
                if "error" in run:
                    rows.append({"points": n, "key": "error", "label": "a run failed",
                                 "note": run["error"].strip().splitlines()[-1][:120]})
        if n in study_fps:
            before = STUDY_BEFORE.get(n)
            label = "the study's matplotlib loop, frames/s" + (
                f" ({before:g} before)" if before else "")
            row = _row(n, "study_fps", label, study_fps[n], len(raw["study"][n]))
            errors = [r["error"] for r in raw["study"][n] if "error" in r]
            if errors:
                row["note"] = errors[0].strip().splitlines()[-1][:120]
            rows.append(row)
    return rows


def _row(n: int, key: str, label: str, values: list, runs: int) -> dict:
    target = TARGETS.get((n, key)) or TARGETS.get((None, key))
    row = {"points": n, "key": key, "label": label, "runs": len(values), "of": runs,
           "median": None, "min": None, "max": None,
           "target": target.text() if target else "", "met": None}
    if values:
        row["median"], row["min"], row["max"] = _spread(values)
        if target:
            row["met"] = target.met(row["median"], row["min"], row["max"])
    return row


def _header(raw: dict) -> list:
    s = raw["settings"]
    # The engine runs its own products on one BLAS thread (engine/blas_threads.py); these
    # variables would only change what the rest of the process uses.
    blas = (", ".join(f"{k}={v}" for k, v in s["blas_threads"].items())
            or "the engine's products on one BLAS thread, no BLAS variable set")
    runs = "one run" if s["repeats"] == 1 else f"the medians of {s['repeats']} runs"
    load = ""
    if s.get("load_average_before") is not None:
        load = (f"; load average {s['load_average_before']:.1f} before, "
                f"{s.get('load_average_after') or 0:.1f} after")
    return [
        "The whole app at full speed: the real MainWindow playing \"as fast as possible\"",
        (f"Window: {s['where']}; blobs scaled up, K = {s['k']}, tol 0, density "
         f"{s.get('density', 'off')}; {s['seconds']:g} s "
         f"measured per run after {s['warmup_seconds']:g} s of warm-up; every run a fresh "
         "process."),
        (f"Machine: {s['cpus']} cores, shared and noisy (other work runs beside it): read "
         f"{runs}, [min-max] beside{load}; Python {s['python']}; {blas}."),
        ("Met: rates and p50/p99 on the median; \"every run\" targets on the worst run. "
         "Nothing here is asserted."),
    ]


def format_table(raw: dict, rows: list | None = None) -> str:
    """The table of :func:`summarize` rows under a header, and a short summary."""
    rows = summarize(raw) if rows is None else rows
    header = ("points", "measure", "median", "[min-max]", "target", "met")
    lines = []
    previous = None
    for row in rows:
        points = f"{row['points']:,}" if row["points"] != previous else ""
        previous = row["points"]
        if row["key"] == "error":
            lines.append((points, row["label"], "", "", "", "", row["note"]))
            continue
        spread = ""
        if row["median"] is not None and row["runs"] > 1:
            spread = f"[{_number(row['min'])}-{_number(row['max'])}]"
        met = "" if row["met"] is None else ("yes" if row["met"] else "NO")
        note = row.get("note", "")
        if row["median"] is not None and row["runs"] < row["of"]:
            note = f"{row['runs']} of {row['of']} runs " + note
        median = _number(row["median"]) + ("x" if row["key"] in RATIOS else "")
        lines.append((points, row["label"], median, spread, row["target"],
                      met, note.strip()))
    widths = [max([len(h)] + [len(line[i]) for line in lines]) for i, h in enumerate(header)]

    def fmt(cells):
        left = {1, 4, 5}
        text = "  ".join(c.ljust(w) if i in left else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths)))
        return (text + ("  " + cells[6] if len(cells) > 6 and cells[6] else "")).rstrip()

    out = _header(raw) + ["", fmt(header), fmt(["-" * w for w in widths])]
    for line in lines:
        if line[0] and len(out) > len(_header(raw)) + 3:
            out.append("")
        out.append(fmt(line))
    out += ["", *_short_table(rows)]
    return "\n".join(out)


def _short_table(rows: list) -> list:
    """Points, frames/s, EM it/s, p99 lateness, the study's loop: medians only."""
    by = {(r["points"], r["key"]): r.get("median") for r in rows}
    points = sorted({r["points"] for r in rows})
    header = ("points", "frames/s", "EM it/s", "p99 lateness ms", "study loop frames/s")
    keys = ("fps", "its", "lateness_p99_ms", "study_fps")
    lines = [(f"{n:,}", *(_number(by.get((n, key))) for key in keys)) for n in points]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]

    def fmt(cells):
        return "  ".join(c.rjust(w) for c, w in zip(cells, widths))

    return ["In short (medians):", fmt(header), fmt(["-" * w for w in widths]),
            *(fmt(line) for line in lines)]


# ============================================================================ command line
def _sizes(text: str) -> int:
    value = int(text.replace(",", "").replace("_", ""))
    if not 10 <= value <= 2_000_000:
        raise argparse.ArgumentTypeError("a size is 10 to 2,000,000 points")
    return value


def add_arguments(parser):
    """The options of ``python -m gmm_viz.bench app``."""
    parser.add_argument("--sizes", type=_sizes, nargs="+", default=list(APP_SIZES),
                        metavar="N", help="numbers of points of the window runs "
                                          "(default: 2000 100000 1000000)")
    parser.add_argument("--study-sizes", type=_sizes, nargs="*", default=list(STUDY_SIZES),
                        metavar="N", help="numbers of points of the study's matplotlib loop "
                                          "(default: 500 2000; none to skip it)")
    parser.add_argument("--seconds", type=float, default=DEFAULT_SECONDS,
                        help="measured seconds per run (default %(default)g)")
    parser.add_argument("--repeats", type=int, default=DEFAULT_REPEATS,
                        help="runs per median, each a fresh process (default %(default)s)")
    # The command line's copy of the canvas's modes: the parent process imports no Qt.
    from gmm_viz.cli.render import DENSITY_MODES

    parser.add_argument("--density", choices=DENSITY_MODES, default="off",
                        help="the canvas's density drawing in the window runs "
                             "(default %(default)s)")
    parser.add_argument("--json", nargs="?", const="-", metavar="PATH",
                        help="the raw numbers as JSON: on standard output instead of the "
                             "table, or into PATH beside the table")


def run(args) -> int:
    """Run the benchmark from parsed ``args``; print the table (or the JSON)."""
    if args.seconds <= 0 or args.repeats < 1:
        print("--seconds must be positive and --repeats at least 1", file=sys.stderr)
        return 2
    raw = run_benchmark(args.sizes, args.seconds, args.repeats, args.study_sizes,
                        log=lambda text: print(text, file=sys.stderr, flush=True),
                        density=args.density)
    rows = summarize(raw)
    document = {**raw, "rows": rows}
    if args.json == "-":
        print(json.dumps(document, indent=1, default=str))
        return 0
    print(format_table(raw, rows))
    if args.json:
        with open(args.json, "w") as file:
            json.dump(document, file, indent=1, default=str)
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gmm_viz.bench app",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    parser.add_argument("--child-window", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--child-engine", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_window:
        n_points, seconds, density = args.child_window
        return _child_window(int(n_points), float(seconds), density)
    if args.child_engine:
        return _child_engine(int(args.child_engine[0]), float(args.child_engine[1]))
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
