"""Drawing benchmark: many points whose colours change every frame, offscreen at 1000x800.

Side by side in one run and one process, each method draws the same points into the same
size of ``PlotWidget`` and every frame is timed from "new colours" to "pixels rendered"
(``widget.grab()``):

- ``pyqtgraph ScatterPlotItem, per-point brushes``: the plain path, ``setBrush(list)``.
- ``ours, hard labels``: :class:`~gmm_viz.gui.views.points_item.PointsItem` ``set_labels``
  (default path: raster for n > 25k).
- ``ours, hard labels, drawPoints``: the same through one ``drawPoints`` per colour.
- ``ours, soft colours``: ``set_colors`` with per-point blended colours.
- ``ours, hard labels, view panned every frame``: the worst case of the cached projection
  (the user drags the view while EM runs): every frame re-projects all points.
- ``MixtureCanvas frame``: a whole canvas frame (hard points + 5 components x 2 sigma
  ellipses + means), i.e. what the app pays per displayed snapshot.

``--run-frames`` measures instead what the window's GUI thread pays per frame of a real
run (:func:`run_frames_benchmark`): a :class:`~gmm_viz.run.session.RunSession` on the
blobs, K = 8, plays a few hundred iterations (with their singularity recoveries), and a
:class:`~gmm_viz.gui.views.canvas.MixtureCanvas` at the window's size shows each frame
(``show_snapshot`` with the frame's events, then ``grab()``).

Run alone with ``python -m gmm_viz.bench.drawing`` (``--help`` for options).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

PYQTGRAPH = "pyqtgraph ScatterPlotItem, per-point brushes"
OURS_HARD = "ours, hard labels"
OURS_POINTS = "ours, hard labels, drawPoints"
OURS_SOFT = "ours, soft colours"
OURS_PAN = "ours, hard labels, view panned every frame"
CANVAS = "MixtureCanvas frame (points+ellipses+means)"

_K = 5
_WIDTH, _HEIGHT = 1000, 800


def _qt_app():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import pyqtgraph as pg

    return pg.mkQApp()


def _data(n: int, seed: int = 0, frames: int = 4):
    """Blobs and per-frame labels / soft colours (colours differ every frame)."""
    from gmm_viz.palette import blend_colors, component_colors

    rng = np.random.default_rng(seed)
    centers = rng.uniform(-10, 10, size=(_K, 2))
    truth = rng.integers(0, _K, n)
    X = centers[truth] + 1.5 * rng.standard_normal((n, 2))
    colors = component_colors(_K)
    labels, soft = [], []
    for f in range(frames):
        # Each frame re-assigns 30% of the points, like early EM iterations do.
        lab = truth.copy()
        moved = rng.random(n) < 0.3
        lab[moved] = (lab[moved] + 1 + f) % _K
        labels.append(lab.astype(np.int8))
        resp = np.full((n, _K), 0.1 / (_K - 1))
        resp[np.arange(n), lab] = 0.9
        soft.append(blend_colors(resp, colors))
    return X, labels, soft, colors


def _widget():
    import pyqtgraph as pg

    widget = pg.PlotWidget(background="w")
    widget.resize(_WIDTH, _HEIGHT)
    widget.show()
    return widget


def _time_frames(app, widget, update, frames: int) -> list[float]:
    """Milliseconds per frame: ``update(frame)`` then a full render of the widget."""
    times = []
    update(0)  # warm-up: first-time allocations, sprite atlases, projections
    widget.grab()
    for f in range(frames):
        t0 = time.perf_counter()
        update(f + 1)
        widget.grab()
        times.append((time.perf_counter() - t0) * 1e3)
        app.processEvents()
    return times


def _bench_pyqtgraph(app, X, labels, colors, frames, size):
    import pyqtgraph as pg

    widget = _widget()
    item = pg.ScatterPlotItem(x=X[:, 0], y=X[:, 1], size=size, pen=None, pxMode=True)
    widget.addItem(item)
    widget.getViewBox().autoRange()
    brushes = np.empty(len(colors), dtype=object)
    brushes[:] = [pg.mkBrush(*c, 140) for c in colors]

    def update(f):
        item.setBrush(list(brushes[labels[f % len(labels)]]))

    try:
        return _time_frames(app, widget, update, frames)
    finally:
        widget.close()
        widget.deleteLater()


def _bench_points_item(app, X, setter, frames, hard_method="raster"):
    from gmm_viz.gui.views.points_item import PointsItem

    widget = _widget()
    item = PointsItem()
    item.hard_method = hard_method
    widget.addItem(item)
    item.set_points(X)
    widget.getViewBox().autoRange()

    try:
        times = _time_frames(app, widget, lambda f: setter(item, f), frames)
        return times, item.last_method, item.style()
    finally:
        widget.close()
        widget.deleteLater()


def _bench_canvas(app, X, labels, frames):
    from gmm_viz.engine.snapshot import Snapshot
    from gmm_viz.gui.views.canvas import MixtureCanvas

    canvas = MixtureCanvas()
    canvas.resize(_WIDTH, _HEIGHT)
    canvas.show()
    canvas.set_points(X)
    snapshots = []
    for f, lab in enumerate(labels):
        means = np.array([X[lab == k].mean(axis=0) for k in range(_K)])
        covs = np.array([np.cov(X[lab == k].T) for k in range(_K)])
        w = np.full(_K, 1.0 / _K)
        snapshots.append(Snapshot(
            iteration=f, weights=w, means=means, covariances=covs, log_likelihood=0.0,
            mean_log_likelihood=0.0, labels=lab, nk=w * len(X), det=np.linalg.det(covs),
            min_eigenvalue=np.ones(_K), condition_number=np.ones(_K),
            flagged=np.zeros(_K, dtype=bool),
        ))

    def update(f):
        canvas.show_snapshot(snapshots[f % len(snapshots)])

    try:
        return _time_frames(app, canvas, update, frames)
    finally:
        canvas.close()
        canvas.deleteLater()


def real_run_frames(n_points: int, n_components: int = 8, n_frames: int = 200,
                    seed: int = 0) -> tuple[np.ndarray, list]:
    """The data and the frames of a real run, as the window's worker builds them.

    Parameters
    ----------
    n_points : int
        Points of the blobs data set.
    n_components : int
        K of the run (the app's other defaults: random_range init, det rule 1e-2).
    n_frames : int
        Consecutive iterations, each one frame (tolerance 0: the run never stops early).
    seed : int

    Returns
    -------
    X : ndarray of shape (n_points, 2)
    frames : list of Frame
        With the snapshot (and its labels) and the events since the previous frame.
    """
    from gmm_viz.data import make_dataset
    from gmm_viz.engine import EMConfig
    from gmm_viz.run.session import RunSession

    dataset = make_dataset("blobs", n_samples=n_points)
    config = EMConfig(n_components=n_components, tol=0.0, max_iter=n_frames + 10,
                      random_state=seed, init="random_range", init_covariance="identity",
                      rule="det", threshold=1e-2, reg_covar=1e-6)  # the study's, pinned
    session = RunSession(dataset, config)
    frames = []
    for _ in range(n_frames):
        session.advance()
        frames.append(session.frame(playing=True))
    return dataset.X, frames


def time_run_frames(app, X, frames, size=(1366, 768), sigma_levels=(1, 2),
                    density="off", canvas_type=None) -> list[float]:
    """Milliseconds per frame: ``show_snapshot`` of each frame, then ``canvas.grab()``.

    Parameters
    ----------
    app : QApplication
    X : ndarray of shape (n_points, n_features)
    frames : list of Frame
        From :func:`real_run_frames`.
    size : tuple of int
        Canvas width and height in pixels. The default, a whole 1366x768 screen, is more
        than the canvas gets in the window: a worst case.
    sigma_levels : tuple of int
    density : str
        The canvas's density mode.
    canvas_type : type, optional
        The canvas class (default :class:`~gmm_viz.gui.views.canvas.MixtureCanvas`), so
        that another version of it can be timed in the same process.
    """
    if canvas_type is None:
        from gmm_viz.gui.views.canvas import MixtureCanvas as canvas_type

    canvas = canvas_type()
    canvas.resize(*size)
    canvas.show()
    canvas.set_points(X)
    canvas.set_sigma_levels(sigma_levels)
    canvas.set_density_mode(density)
    try:
        canvas.show_snapshot(frames[0].snapshot, events=frames[0].events)  # warm-up
        canvas.grab()
        times = []
        for frame in frames[1:]:
            t0 = time.perf_counter()
            canvas.show_snapshot(frame.snapshot, events=frame.events)
            canvas.grab()
            times.append((time.perf_counter() - t0) * 1e3)
            app.processEvents()
        return times
    finally:
        canvas.close()
        canvas.deleteLater()


def run_frames_benchmark(sizes=(2_000, 100_000), n_frames: int = 200,
                         settings=(((1, 2), "off"), ((1, 2, 3), "off"), ((1, 2), "contours")),
                         ) -> list[dict]:
    """Whole canvas frames of a real K = 8 run at each size (see :func:`time_run_frames`).

    Returns
    -------
    rows : list of dict
        Keys ``n_points``, ``sigma_levels``, ``density``, ``ms`` (median), ``ms_p90`` and
        ``frames``.
    """
    app = _qt_app()
    rows = []
    for n in sizes:
        X, frames = real_run_frames(n, n_frames=n_frames)
        for levels, density in settings:
            times = time_run_frames(app, X, frames, sigma_levels=levels, density=density)
            rows.append({"n_points": n, "sigma_levels": levels, "density": density,
                         "ms": float(np.median(times)),
                         "ms_p90": float(np.percentile(times, 90)), "frames": len(times)})
    return rows


def format_run_frames(rows: list[dict]) -> str:
    """A plain-text table of :func:`run_frames_benchmark` rows."""
    lines = [("Canvas frames of a real run, K = 8, offscreen 1366x768, "
              "show_snapshot + grab() (ms per frame)"),
             f"{'points':>9}  {'sigmas':<7}  {'density':<8}  {'median':>6}  {'p90':>6}  frames"]
    for r in rows:
        sigmas = ",".join(str(v) for v in r["sigma_levels"])
        lines.append(f"{r['n_points']:>9,}  {sigmas:<7}  {r['density']:<8}  {r['ms']:>6.1f}  "
                     f"{r['ms_p90']:>6.1f}  {r['frames']:>6}")
    return "\n".join(lines)


def run_draw_benchmark(sizes=(100_000, 1_000_000), repeats: int = 9,
                       slow_repeats: int = 1, slow_from: int = 300_000) -> list[dict]:
    """Time the drawing methods at each size, in one process.

    Parameters
    ----------
    sizes : tuple of int
        Numbers of points.
    repeats : int
        Timed frames per method and size (after one warm-up frame); the median is reported.
    slow_repeats : int
        Timed frames for pyqtgraph's per-point brush path from ``slow_from`` points on
        (about 2.5 s per frame at 1M points).
    slow_from : int

    Returns
    -------
    rows : list of dict
        Keys ``n_points``, ``method``, ``ms`` (median), ``ms_min``, ``frames``,
        ``speedup`` (pyqtgraph's ms / this method's ms at the same size, or None) and
        ``note``.
    """
    from gmm_viz.gui.views.points_item import auto_style

    app = _qt_app()
    rows = []
    for n in sizes:
        X, labels, soft, colors = _data(n)
        size, _alpha = auto_style(n)
        results = []
        reps = slow_repeats if n >= slow_from else repeats
        times = _bench_pyqtgraph(app, X, labels, colors, reps, size)
        results.append((PYQTGRAPH, times, f"size {size} px"))

        def hard(item, f, labels=labels, colors=colors):
            item.set_labels(labels[f % len(labels)], colors)

        def soft_set(item, f, soft=soft):
            item.set_colors(soft[f % len(soft)])

        def hard_panned(item, f, hard=hard):
            hard(item, f)
            vb = item.getViewBox()
            (x0, x1), (y0, y1) = vb.viewRange()
            step = 0.002 * (x1 - x0) * (1 if f % 2 else -1)
            vb.setRange(xRange=(x0 + step, x1 + step), yRange=(y0, y1), padding=0)

        for name, setter, method in ((OURS_HARD, hard, "raster"),
                                     (OURS_POINTS, hard, "points"),
                                     (OURS_SOFT, soft_set, "raster"),
                                     (OURS_PAN, hard_panned, "raster")):
            times, used, (px, a) = _bench_points_item(app, X, setter, repeats, method)
            results.append((name, times, f"path {used}, {px} px, alpha {a:.2f}"))
        results.append((CANVAS, _bench_canvas(app, X, labels, repeats), "hard points"))

        base = float(np.median(results[0][1]))
        for name, times, note in results:
            ms = float(np.median(times))
            rows.append({
                "n_points": n, "method": name, "ms": ms, "ms_min": float(np.min(times)),
                "frames": len(times), "speedup": None if name == PYQTGRAPH else base / ms,
                "note": note,
            })
    return rows


def format_table(rows: list[dict]) -> str:
    """A plain-text table of :func:`run_draw_benchmark` rows."""
    header = ("points", "method", "ms/frame", "min", "frames", "vs pyqtgraph", "note")
    lines = []
    for r in rows:
        lines.append((
            f"{r['n_points']:,}", r["method"], f"{r['ms']:.1f}", f"{r['ms_min']:.1f}",
            str(r["frames"]), "1x" if r["speedup"] is None else f"{r['speedup']:.0f}x",
            r["note"],
        ))
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    right = {0, 2, 3, 4, 5}

    def fmt(cells):
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    out = [
        (f"Points whose colours change every frame, offscreen {_WIDTH}x{_HEIGHT}, "
         "update + widget.grab(), median of the timed frames"),
        fmt(header),
        fmt(["-" * w for w in widths]),
    ]
    previous = None
    for r, line in zip(rows, lines):
        if previous is not None and r["n_points"] != previous:
            out.append("")
        previous = r["n_points"]
        out.append(fmt(line))
    return "\n".join(out)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=None,
                        help="numbers of points (default: 100000 1000000; 2000 100000 with "
                             "--run-frames)")
    parser.add_argument("--repeats", type=int, default=9, help="timed frames per method")
    parser.add_argument("--slow-repeats", type=int, default=1,
                        help="timed frames of pyqtgraph's per-point brushes at >= 300k points")
    parser.add_argument("--run-frames", action="store_true",
                        help="whole canvas frames of a real K = 8 run instead")
    parser.add_argument("--frames", type=int, default=200, help="frames of --run-frames")
    args = parser.parse_args(argv)
    if args.run_frames:
        sizes = tuple(args.sizes or (2_000, 100_000))
        print(format_run_frames(run_frames_benchmark(sizes, args.frames)))
        return
    sizes = tuple(args.sizes or (100_000, 1_000_000))
    rows = run_draw_benchmark(sizes, args.repeats, args.slow_repeats)
    print(format_table(rows))


if __name__ == "__main__":
    main()
