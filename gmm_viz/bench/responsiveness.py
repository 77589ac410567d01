"""Responsiveness benchmark: the window while it opens large files, and while it closes.

``python -m gmm_viz.bench.responsiveness`` prints, side by side in one run, medians of
several fresh processes (offscreen, or on the display if ``QT_QPA_PLATFORM`` says so):

- opening a run file of 300,000 iterations, a CSV of 2,000,000 numeric rows and a CSV of
  1,000,000 rows with a text column, in the real :class:`MainWindow`: the seconds until
  the data is on screen and how late a 50 ms timer on the GUI thread fired meanwhile
  (longest and 99th percentile). The run file is also opened the reference way, one
  ``json.loads`` call with the garbage collector left on, which is what the window did
  before its files were decoded in pieces;
- closing the window while the worker is inside k-means on 2,000,000 points: the time
  from ``close()`` to the end of the process.

Files are generated into a temporary folder first (about 300 MB; it takes a minute).
Benchmarks are not tests: nothing here asserts a time. The machines are shared and noisy:
read the medians.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

#: Runs of each measurement (each in a fresh process).
DEFAULT_REPEATS = 3


# ---------------------------------------------------------------------------- files
def make_files(folder: str, n_iterations: int = 300_000) -> dict:
    """Write the benchmark's files into ``folder``; returns {name: path}."""
    import numpy as np

    from gmm_viz.data import make_dataset
    from gmm_viz.engine import EMConfig, EMEngine
    from gmm_viz.run.run_file import generator_source, run_to_dict

    rng = np.random.default_rng(0)
    paths = {}
    X = np.concatenate([rng.normal(loc=c, size=(400_000, 2))
                        for c in ([0, 0], [5, 5], [0, 6], [6, 0], [3, 3])])
    paths["csv-numeric"] = os.path.join(folder, "numeric-2m.csv")
    np.savetxt(paths["csv-numeric"], X, delimiter=",", fmt="%.5f", header="x,y",
               comments="")
    paths["csv-text"] = os.path.join(folder, "text-1m.csv")
    with open(paths["csv-text"], "w") as file:
        file.write("name,x,y\n")
        file.writelines(f"p{i},{x:.5f},{y:.5f}\n" for i, (x, y) in enumerate(X[:1_000_000]))
    # A long run: real iterations at the start, then the converged state repeated (the
    # file's size and structure are what matter here, not the values).
    config = EMConfig(n_components=2, init="kmeans", rule="none", tol=0.0,
                      max_iter=10 * n_iterations, random_state=0)
    engine = EMEngine(make_dataset("faithful").X, config)
    snapshots = [engine.snapshot] + [engine.step() for _ in range(50)]
    document = run_to_dict(config, generator_source("faithful"), snapshots)
    last = document["iterations"][-1]
    document["iterations"] += [dict(last, iteration=i) for i in range(51, n_iterations)]
    paths["run"] = os.path.join(folder, f"run-{n_iterations // 1000}k.json")
    with open(paths["run"], "w") as file:
        json.dump(document, file)
    return paths


# ---------------------------------------------------------------------------- children
def _child_open(kind: str, path: str, reference: bool):
    """Open ``path`` in a real window; print one JSON line of what was measured."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["GMM_VIZ_SETTINGS"] = os.path.join(tempfile.mkdtemp(), "bench.ini")
    from PyQt6.QtCore import QElapsedTimer, QTimer

    from gmm_viz.gui.app import create_application
    from gmm_viz.gui.main_window import MainWindow

    if reference:
        import gmm_viz.bulk
        import gmm_viz.run.run_file

        gmm_viz.run.run_file.json_stream.loads = lambda text, progress=None: json.loads(text)
        gmm_viz.bulk.collector_paused = contextlib.nullcontext
        gmm_viz.run.run_file.bulk.collector_paused = contextlib.nullcontext
    app = create_application()
    window = MainWindow()
    window.choose_columns = lambda _path, columns: list(columns)
    window.show()
    clock, last, lateness, started = QElapsedTimer(), [None], [], [0.0]

    def tick():
        now = clock.elapsed()
        if last[0] is not None:
            lateness.append(max(now - last[0] - 50, 0))
        last[0] = now

    probe = QTimer()
    probe.timeout.connect(tick)

    def start():
        clock.start()
        probe.start(50)
        started[0] = time.monotonic()
        if kind == "run":
            window.exports.open_run(path)
        else:
            window.open_csv(path)

    def opened():
        frame = window.last_frame
        if window.message_bar.level == "error":
            return True
        if frame is None:
            return False
        return (frame.last_iteration > 1000 if kind == "run"
                else frame.run.dataset.X.shape[0] > 100_000)

    def check():
        if opened():
            late = sorted(lateness) or [0]
            print(json.dumps({"seconds": time.monotonic() - started[0], "max_ms": late[-1],
                              "p99_ms": late[int(0.99 * (len(late) - 1))],
                              "error": window.message_bar.text()
                              if window.message_bar.level == "error" else ""}), flush=True)
            app.quit()
        else:
            QTimer.singleShot(20, check)

    QTimer.singleShot(1000, start)
    QTimer.singleShot(1050, check)
    QTimer.singleShot(300_000, app.quit)
    app.exec()
    window.close()


def _child_close_during_kmeans():
    """Close the window while the worker runs k-means on 2M points (via the real CLI)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["GMM_VIZ_SETTINGS"] = os.path.join(tempfile.mkdtemp(), "bench.ini")
    from PyQt6.QtCore import QTimer
    from PyQt6.QtWidgets import QApplication

    from gmm_viz.cli import main
    from gmm_viz.gui.main_window import MainWindow

    def begin():
        window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))
        window.panel.points_spin.setValue(2_000_000)  # new data, then k-means on it

        def close():
            print(json.dumps({"closed_at": time.time()}), flush=True)
            window.close()

        QTimer.singleShot(2500, close)

    QTimer.singleShot(0, begin)
    sys.exit(main(["--dataset", "blobs", "--init", "kmeans", "--k", "8"]))


def _run_child(args: list) -> tuple:
    """Run this module as a child; returns (last JSON line, time the child ended)."""
    result = subprocess.run([sys.executable, "-m", "gmm_viz.bench.responsiveness", *args],
                            capture_output=True, text=True, timeout=600, check=False)
    ended = time.time()
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"the child {args} printed nothing: {result.stderr[-500:]}")
    return json.loads(lines[-1]), ended


# ---------------------------------------------------------------------------- report
def _median(values):
    return statistics.median(values) if values else float("nan")


def measure_opening(paths: dict, repeats: int) -> list:
    """Rows (what, seconds, longest stall, p99 stall) for each file and way."""
    rows = []
    cases = [("run file, 300k iterations: one json.loads (reference)", "run", True),
             ("run file, 300k iterations: gmm-viz (in pieces)", "run", False),
             ("CSV, 2,000,000 numeric rows", "csv-numeric", False),
             ("CSV, 1,000,000 rows with a text column", "csv-text", False)]
    for title, key, reference in cases:
        kind = "run" if key == "run" else "csv"
        results = [_run_child(["--child-open", kind, paths[key]]
                              + (["--reference"] if reference else []))[0]
                   for _ in range(repeats)]
        errors = [r["error"] for r in results if r["error"]]
        rows.append((title, _median([r["seconds"] for r in results]),
                     _median([r["max_ms"] for r in results]),
                     _median([r["p99_ms"] for r in results]), errors[0] if errors else ""))
    return rows


def measure_closing(repeats: int) -> float:
    """Median ms from close() to the end of the process, k-means on 2M points running."""
    times = []
    for _ in range(repeats):
        line, ended = _run_child(["--child-close"])
        times.append(1000 * (ended - line["closed_at"]))
    return _median(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m gmm_viz.bench.responsiveness",
        description="How the window answers while it opens large files and closes.")
    parser.add_argument("--repeats", type=int, default=DEFAULT_REPEATS,
                        help="fresh processes per measurement (default %(default)s)")
    parser.add_argument("--child-open", nargs=2, metavar=("KIND", "PATH"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--reference", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-close", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_open:
        _child_open(*args.child_open, reference=args.reference)
        return 0
    if args.child_close:
        _child_close_during_kmeans()
        return 0
    with tempfile.TemporaryDirectory() as folder:
        print("Writing the files ...", flush=True)
        paths = make_files(folder)
        rows = measure_opening(paths, args.repeats)
    print(f"\nOpening a file in the window (median of {args.repeats} fresh processes; GUI "
          "stall = lateness of a 50 ms timer)")
    header = ("file", "seconds", "longest GUI stall ms", "p99 GUI stall ms")
    width = max(len(r[0]) for r in rows)
    print(f"{header[0]:<{width}}  {header[1]:>7}  {header[2]:>20}  {header[3]:>16}")
    for title, seconds, longest, p99, error in rows:
        print(f"{title:<{width}}  {seconds:7.1f}  {longest:20.0f}  {p99:16.0f}"
              + (f"  (refused: {error[:80]})" if error else ""))
    close_ms = measure_closing(args.repeats)
    print(f"\nClosing while k-means runs on 2,000,000 points: {close_ms:.0f} ms from close() "
          f"to the end of the process (median of {args.repeats})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
