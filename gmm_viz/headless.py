"""Headless commands: ``gmm-viz fit`` and ``gmm-viz render``.

``fit`` runs EM without any window and prints the fitted parameters, the log-likelihood
history and the singularity events (as JSON with ``--json``). ``render`` draws the run with
the app's own canvas and plot, offscreen, to a PNG of the final state or a GIF/MP4 of the
whole run. Both take the data and model options of the app, or ``--scenario NAME``.

Registered with :func:`gmm_viz.cli.register_command`; errors are one line on stderr and
exit status 2.

``--out`` must be a new file or an existing regular file, which is overwritten; a folder, a
FIFO or a device (/dev/null) is refused before anything runs. Files are written all or
nothing (:func:`gmm_viz.files.atomic_output`): a failure leaves an existing file as it was
and no partial file behind.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

from gmm_viz.files import FileCheckError, check_output_target
from gmm_viz.limits import MAX_POINTS

#: Frames an animation holds at most by default (longer runs are sampled evenly).
DEFAULT_MAX_FRAMES = 200
#: Singularity events printed by ``fit`` without --json.
MAX_EVENTS_LISTED = 10


class UsageError(Exception):
    """Bad arguments or data: printed as one line, exit status 2."""


def add_run_arguments(parser):
    """Data and model options shared by ``fit`` and ``render``."""
    from gmm_viz.cli import _choice, _whole, add_app_arguments
    from gmm_viz.engine.config import RECOVERIES

    # Suppressed defaults: options given before the command name are kept.
    add_app_arguments(parser, suppress_defaults=True, include_play=False)
    # --scenario comes with the app's options (add_app_arguments).
    parser.add_argument("--remedy", action="store_true",
                        help="with --scenario: apply the scenario's remedy")
    parser.add_argument("--n-samples", metavar="N", type=_whole("n-samples", 2, MAX_POINTS),
                        help="number of points of a generated data set")
    parser.add_argument("--recovery", metavar="NAME", type=_choice("recovery", RECOVERIES),
                        help=f"what a rule does to a caught component: {', '.join(RECOVERIES)}")
    parser.add_argument("--max-iter", metavar="N", type=_whole("max-iter", 0, 100_000),
                        help="stop after this many iterations (default 300)")
    parser.add_argument("--tol", metavar="X", type=_non_negative,
                        help="convergence tolerance on the mean log-likelihood (default 1e-3)")


def _non_negative(text):
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (value >= 0 and value != float("inf")):
        raise argparse.ArgumentTypeError(f"must be a number >= 0; got {text!r}")
    return value


def build_run(args):
    """Data set, config and data source the options describe.

    Returns
    -------
    dataset : gmm_viz.data.Dataset
    config : EMConfig
    source : dict
        For :func:`gmm_viz.run.run_file.save_run`.
    title : str
    soft : bool
        Whether soft colours tell this run's story.
    """
    from gmm_viz.cli import config_changes
    from gmm_viz.data import DataError, load_csv, make_dataset
    from gmm_viz.engine import ConfigError, EMConfig
    from gmm_viz.run.run_file import generator_source, points_source
    from gmm_viz.scenarios import get_scenario

    try:
        if args.scenario:
            scenario = get_scenario(args.scenario)
            if args.remedy:
                scenario = scenario.remedied()
            dataset = scenario.data.make()
            spec = scenario.data
            source = generator_source(spec.name, spec.n_samples, spec.random_state, spec.noise)
            return dataset, scenario.config, source, scenario.title, scenario.soft_colours
        if args.remedy:
            raise UsageError("--remedy goes with --scenario.")
        if args.csv:
            dataset = load_csv(args.csv)
            source = points_source(str(args.csv), dataset.feature_names)
        else:
            name = args.dataset or "blobs"
            dataset = make_dataset(name, n_samples=args.n_samples)
            source = generator_source(name, args.n_samples)
        changes = config_changes(args)
        changes.setdefault("n_components", dataset.suggested_k)
        changes["max_iter"] = args.max_iter if args.max_iter is not None else 300
        for option, field in (("tol", "tol"), ("recovery", "recovery")):
            if getattr(args, option) is not None:
                changes[field] = getattr(args, option)
        config = EMConfig(**changes)
        return dataset, config, source, dataset.name, False
    except (DataError, ConfigError, KeyError) as exc:
        raise UsageError(str(exc).strip("'\"")) from None


def run_to_end(dataset, config, max_iterations=None):
    """Run EM on ``dataset`` until it finishes; every snapshot."""
    from gmm_viz.data import DataError
    from gmm_viz.engine import EMEngine
    from gmm_viz.scenarios import run_engine

    try:
        engine = EMEngine(dataset.X, config)
    except (DataError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    limit = config.max_iter if max_iterations is None else max_iterations
    return engine, run_engine(engine, limit)


# ------------------------------------------------------------------------------ fit


def bic(snapshot, shape, covariance_type):
    """Bayesian information criterion of a snapshot, as scikit-learn computes it."""
    from gmm_viz.engine.covariance import n_parameters

    n_samples, n_features = shape
    n_params = n_parameters(snapshot.n_components, n_features, covariance_type)
    return -2.0 * snapshot.log_likelihood + n_params * float(np.log(n_samples))


def add_fit_arguments(parser):
    add_run_arguments(parser)
    parser.add_argument("--json", action="store_true",
                        help="print the run as JSON (parameters, log-likelihood history, "
                             "events)")
    parser.add_argument("--out", metavar="FILE",
                        help="also save the run as a JSON run file the app can open (an "
                             "existing file is overwritten)")


def run_fit(args) -> int:
    from gmm_viz.run import run_file as runs

    try:
        if args.out:  # before the run: a bad target should not cost a whole fit
            _check_out(args.out, "run file")
        dataset, config, source, title, _ = build_run(args)
        _, snaps = run_to_end(dataset, config)
        if args.out:
            _save_run_file(args.out, config, source, snaps, dataset.X)
    except UsageError as exc:
        return _fail(exc)
    final = snaps[-1]
    if args.json:
        document = runs.run_to_dict(config, source, snaps, X=dataset.X)
        document["result"] = {
            "title": title,
            "n_iter": final.iteration,
            "converged": final.converged,
            "log_likelihood": final.log_likelihood,
            "mean_log_likelihood": final.mean_log_likelihood,
            "bic": bic(final, dataset.X.shape, config.covariance_type),
            "weights": final.weights.tolist(),
            "means": final.means.tolist(),
            "covariances": final.covariances.tolist(),
            "events": [e.describe() for s in snaps for e in s.events],
        }
        try:
            json.dump(document, sys.stdout, allow_nan=False)
            sys.stdout.write("\n")
        except BrokenPipeError:  # e.g. piped into `head`: the reader has all it wanted
            pass
        return 0
    print(f"{title}: {len(dataset.X)} points, k={config.n_components}, "
          f"{final.iteration} iterations, "
          f"{'converged' if final.converged else 'not converged'}")
    print(f"log-likelihood {final.log_likelihood:.6g} (mean {final.mean_log_likelihood:.6g}), "
          f"BIC {bic(final, dataset.X.shape, config.covariance_type):.6g}")
    for k in range(final.n_components):
        mean = ", ".join(f"{v:.4g}" for v in final.means[k])
        print(f"  component {k}: weight {final.weights[k]:.3f}, mean ({mean}), "
              f"det {final.det[k]:.3g}")
    events = [e for s in snaps for e in s.events]
    for event in events[:MAX_EVENTS_LISTED]:
        print(f"  {event.describe()}")
    if len(events) > MAX_EVENTS_LISTED:
        print(f"  ... and {len(events) - MAX_EVENTS_LISTED} more singularity events "
              "(a rule that fires every iteration: its threshold may not suit these data's "
              "units; try --rule relative_det or a smaller --threshold)")
    return 0


def _check_out(path, what: str):
    """Refuse an ``--out`` that is not a new or regular file (a folder, a FIFO, /dev/null).

    Raises
    ------
    UsageError
        "PATH: could not write the WHAT: why. What to do."
    """
    try:
        check_output_target(path, what=what)
    except FileCheckError as exc:
        text, prefix = str(exc), f"{path}: "
        reason = text.removeprefix(prefix)
        if reason.startswith("is "):  # "is a folder", "is a device, ..."
            reason = "it " + reason
        raise UsageError(f"{path}: could not write the {what}: {reason}") from None


def _save_run_file(path, config, source, snaps, X):
    """Write the run file all or nothing; every failure is a :class:`UsageError`."""
    from gmm_viz.run.run_file import RunFileError, save_run

    try:
        save_run(path, config, source, snaps, X=X)
    except (RunFileError, FileCheckError) as exc:  # their messages start with the path
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"{path}: could not write the run file "
                         f"({exc.strerror or type(exc).__name__}). Check the folder's "
                         "permissions and free space.") from None


# --------------------------------------------------------------------------- render


def add_render_arguments(parser):
    from gmm_viz.cli import _whole

    add_run_arguments(parser)
    parser.add_argument("--out", metavar="FILE", required=True,
                        help="PNG/SVG of the final state, or GIF/MP4 of the run, by its "
                             "suffix (an existing file is overwritten)")
    parser.add_argument("--iterations", metavar="N", type=_whole("iterations", 0, 100_000),
                        help="draw the first N iterations (default: until EM stops)")
    parser.add_argument("--fps", metavar="F", type=_positive, default=10.0,
                        help="frames per second of a GIF (0.0016 to 50) or an MP4 (0.1 to "
                             "240); default 10")
    parser.add_argument("--size", metavar="WxH", type=_size, default=(1200, 560),
                        help="frame size in pixels (default 1200x560)")
    parser.add_argument("--max-frames", metavar="N", type=_whole("max-frames", 2, 10_000),
                        default=DEFAULT_MAX_FRAMES,
                        help="longer runs are sampled evenly to this many frames "
                             f"(default {DEFAULT_MAX_FRAMES})")


def _positive(text):
    value = _non_negative(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


def _size(text):
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 1200x560; got {text!r}") from None
    if not (200 <= width <= 4000 and 150 <= height <= 3000):
        raise argparse.ArgumentTypeError(
            f"size must be from 200x150 to 4000x3000; got {width}x{height}")
    return width, height


def run_render(args) -> int:
    out = Path(args.out)
    suffix = out.suffix.lower()
    try:
        _check_render_target(args.out, suffix, args.fps)
        dataset, config, _, title, soft = build_run(args)
        engine, snaps = run_to_end(dataset, config, args.iterations)
    except UsageError as exc:
        return _fail(exc)
    app = _offscreen_application()
    from gmm_viz.gui.export.render import RunRenderer, export_canvas, frame_indices, write_animation

    renderer = RunRenderer(
        dataset.X, [s.without_labels() for s in snaps], label_source=engine.labels_for,
        resp_source=engine.responsibilities_for, title=title, size=args.size,
        soft_colours=soft, feature_names=dataset.feature_names,
    )
    try:
        if suffix == ".png":
            renderer.save_png(out)
        elif suffix == ".svg":
            renderer.draw(renderer.n_frames - 1)
            export_canvas(renderer.canvas, out)
        else:
            indices = frame_indices(renderer.n_frames, args.max_frames)

            def progress(done, total):
                if done == total or done % max(1, total // 10) == 0:
                    print(f"frame {done}/{total}", file=sys.stderr, flush=True)
                return True

            write_animation(renderer, out, fps=args.fps, indices=indices, progress=progress)
    except (FileCheckError, ValueError) as exc:  # messages that start with the path
        return _fail(UsageError(str(exc)))
    except OSError as exc:
        return _fail(UsageError(f"{out}: could not write the file "
                                f"({exc.strerror or type(exc).__name__})."))
    finally:
        renderer.close()
        app.processEvents()
    print(f"wrote {out}")
    return 0


def _check_render_target(out, suffix: str, fps: float):
    """Refuse a name, a target or a frame rate ``render`` cannot write, before the run.

    Raises
    ------
    UsageError
    """
    from gmm_viz.gui.export.render import ANIMATION_SUFFIXES, IMAGE_SUFFIXES, check_frame_rate

    if suffix not in ANIMATION_SUFFIXES + IMAGE_SUFFIXES:
        raise UsageError(f"{out}: the file name must end in .png, .svg, .gif or .mp4.")
    what = {".png": "PNG picture", ".svg": "SVG drawing", ".gif": "GIF animation",
            ".mp4": "MP4 video"}[suffix]
    _check_out(out, what)
    if suffix in ANIMATION_SUFFIXES:
        try:
            check_frame_rate(suffix, fps)
        except ValueError as exc:
            raise UsageError(f"--fps: {exc}") from None


def _offscreen_application():
    """A QApplication; offscreen when there is no display (set before Qt starts)."""
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from pyqtgraph.Qt import QtCore, QtWidgets

    QtCore.qInstallMessageHandler(_quiet_offscreen_messages)
    return QtWidgets.QApplication.instance() or QtWidgets.QApplication(["gmm-viz"])


def _quiet_offscreen_messages(mode, context, message):
    # The offscreen platform warns about window hints it ignores: noise, not news.
    if "does not support propagateSizeHints" in message:
        return
    print(message, file=sys.stderr)


def _fail(exc) -> int:
    print(f"gmm-viz: error: {exc}", file=sys.stderr)
    return 2


def register(register_command):
    """Add ``fit`` and ``render`` to the command line."""
    register_command("fit", "fit without a window and print the result (JSON with --json)",
                     add_fit_arguments, run_fit)
    register_command("render", "draw a run to PNG/SVG (final state) or GIF/MP4 (the run)",
                     add_render_arguments, run_render)
