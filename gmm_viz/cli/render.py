"""``gmm-viz render``: draw a run to a file with the app's own canvas and plot, offscreen.

A ``.png`` or ``.svg`` gets the final state, a ``.gif`` or ``.mp4`` the whole run. It takes
the data and model options of the app, or ``--scenario NAME``, and the window's display
settings (``--colours``, ``--sigma``, ``--density``, ``--ll-scale``, ``--point-size``,
``--point-alpha``, ``--axes``; by default the window's defaults, and a scenario's own colour
mode); errors are one line on stderr and exit status 2. Qt is imported only once the options and the run are known to
be good, and runs offscreen when there is no display.

``--out`` must be a new file or an existing regular file, which is overwritten; a folder, a
FIFO or a device (/dev/null) is refused before anything runs. The file is written all or
nothing (:func:`gmm_viz.files.atomic_output`): a failure leaves an existing file as it was
and no partial file behind.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from gmm_viz.cli.headless_run import UsageError, build_run, check_out_path, fail, run_to_end
from gmm_viz.cli.options import (
    add_means_argument,
    add_run_arguments,
    choice,
    frame_size,
    positive_number,
    whole_number,
)
from gmm_viz.files import FileCheckError

HELP = "draw a run to PNG/SVG (final state) or GIF/MP4 (the run)"
#: Frames an animation holds at most by default (longer runs are sampled evenly).
DEFAULT_MAX_FRAMES = 200
#: The display settings' choices, as the window's display panel offers them.
DENSITY_MODES = ("off", "contours", "image")
LL_SCALES = ("total", "mean")
COLOUR_MODES = ("hard", "soft")
SIGMA_LEVELS = (1, 2, 3)


def _not_written(out, exc: OSError) -> UsageError:
    """The one-line message of a file the system would not let us write."""
    return UsageError(f"{out}: could not write the file "
                      f"({exc.strerror or type(exc).__name__}).")


def add_arguments(parser):
    """The options of ``render``: the run's, ``--means``, the file and the frames."""
    add_run_arguments(parser)
    add_means_argument(parser)
    parser.add_argument("--out", metavar="FILE", required=True,
                        help="PNG/SVG of the final state, or GIF/MP4 of the run, by its "
                             "suffix (an existing file is overwritten)")
    parser.add_argument("--iterations", metavar="N",
                        type=whole_number("iterations", 0, 100_000),
                        help="draw the first N iterations (default: until EM stops)")
    parser.add_argument("--fps", metavar="F", type=positive_number, default=10.0,
                        help="frames per second of a GIF (0.0016 to 50) or an MP4 (0.1 to "
                             "240); default 10")
    parser.add_argument("--size", metavar="WxH", type=frame_size, default=(1200, 560),
                        help="frame size in pixels (default 1200x560)")
    parser.add_argument("--max-frames", metavar="N", type=whole_number("max-frames", 2, 10_000),
                        default=DEFAULT_MAX_FRAMES,
                        help="longer runs are sampled evenly to this many frames "
                             f"(default {DEFAULT_MAX_FRAMES})")
    display = parser.add_argument_group("display (as the window's display settings)")
    display.add_argument("--colours", metavar="MODE", type=choice("colour mode", COLOUR_MODES),
                         help="hard (by label) or soft (blended by responsibilities); "
                              "default: the scenario's, else hard")
    display.add_argument("--sigma", metavar="LEVELS", type=_sigma_levels, default=(1, 2),
                         help="ellipses at these standard deviations, from 1,2,3 "
                              "(default 1,2; 'none' for no ellipses)")
    display.add_argument("--density", metavar="MODE", type=choice("density mode", DENSITY_MODES),
                         default="off", help="the mixture density: off, contours or image "
                                             "(default off)")
    display.add_argument("--ll-scale", metavar="SCALE", type=choice("scale", LL_SCALES),
                         default="total", help="the log-likelihood plot: total or mean (per "
                                               "point); default total")
    display.add_argument("--point-size", metavar="PX", type=whole_number("point-size", 1, 12),
                         help="marker size of the points, 1 to 12 px (default: from the "
                              "number of points, as the window)")
    display.add_argument("--point-alpha", metavar="A", type=_point_alpha,
                         help="opacity of the points, 0.05 to 1 (default: from the number of "
                              "points, as the window)")
    display.add_argument("--axes", metavar="X,Y", type=_axes,
                         help="the two features shown, by index from 0 (default 0,1)")


def run(args) -> int:
    """Run EM and draw it to ``--out``; returns the exit status."""
    out = Path(args.out)
    suffix = out.suffix.lower()
    try:
        _check_render_target(args.out, suffix, args.fps)
        dataset, config, _, title, soft = build_run(args)
        session, snaps = run_to_end(dataset, config, args.iterations)
    except UsageError as exc:
        return fail(exc)
    try:
        style = _export_style(args, soft, dataset.X.shape[1])
    except UsageError as exc:
        return fail(exc)
    app = _offscreen_application()
    from gmm_viz.gui.export.render import RunRenderer, export_canvas, frame_indices, write_animation

    renderer = RunRenderer(
        dataset.X, [s.without_labels() for s in snaps], label_source=session.engine.labels_for,
        resp_source=session.engine.responsibilities_for, title=title, size=args.size,
        style=style, feature_names=dataset.feature_names,
    )
    try:
        if suffix == ".png":
            renderer.save_png(out)
        elif suffix == ".svg":
            last = renderer.n_frames - 1
            renderer.draw(last)
            export_canvas(renderer.canvas, out, heading=(title, renderer.info_text(last)))
        else:
            indices = frame_indices(renderer.n_frames, args.max_frames)

            def progress(done, total):
                if done == total or done % max(1, total // 10) == 0:
                    print(f"frame {done}/{total}", file=sys.stderr, flush=True)
                return True

            write_animation(renderer, out, fps=args.fps, indices=indices, progress=progress)
    except (FileCheckError, ValueError) as exc:  # messages that start with the path
        return fail(UsageError(str(exc)))
    except OSError as exc:
        return fail(_not_written(out, exc))
    finally:
        renderer.close()
        app.processEvents()
    print(f"wrote {out}")
    return 0


def _export_style(args, scenario_soft: bool, n_features: int):
    """The display settings the options ask for.

    Raises
    ------
    UsageError
        ``--axes`` names a feature the data does not have.
    """
    from gmm_viz.gui.export.style import ExportStyle

    axes = args.axes if args.axes is not None else (0, 1)
    if max(axes) >= n_features:
        raise UsageError(f"--axes: the data has {n_features} features (0 to "
                         f"{n_features - 1}); got {axes[0]},{axes[1]}.")
    soft = scenario_soft if args.colours is None else args.colours == "soft"
    return ExportStyle(soft_colours=soft, sigma_levels=args.sigma, density=args.density,
                       ll_scale=args.ll_scale, point_size=args.point_size,
                       point_alpha=args.point_alpha, axes=axes)


def _sigma_levels(text):
    """``"1,2,3"`` -> (1, 2, 3); ``"none"`` -> ()."""
    import argparse

    if text.strip().lower() == "none":
        return ()
    try:
        levels = tuple(sorted({int(v) for v in text.split(",")}))
    except ValueError:
        levels = ()
    if not levels or any(v not in SIGMA_LEVELS for v in levels):
        raise argparse.ArgumentTypeError(
            f"sigma levels are a comma-separated choice of 1, 2 and 3 (or 'none'); "
            f"got {text!r}")
    return levels


def _point_alpha(text):
    import argparse

    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0.05 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"point-alpha must be a number from 0.05 to 1; "
                                         f"got {text!r}")
    return value


def _axes(text):
    """``"0,2"`` -> (0, 2): two different feature indices."""
    import argparse

    try:
        i, j = (int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"axes must look like 0,1; got {text!r}") from None
    if i < 0 or j < 0 or i == j:
        raise argparse.ArgumentTypeError(f"axes must be two different feature indices "
                                         f"from 0; got {text!r}")
    return i, j


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
    check_out_path(out, what)
    if suffix in ANIMATION_SUFFIXES:
        try:
            check_frame_rate(suffix, fps)
        except ValueError as exc:
            raise UsageError(f"--fps: {exc}") from None


def draw_picture(save, out) -> int:
    """Run ``save()`` (which writes the picture ``out`` with Qt) in an offscreen
    application; 0, or the exit status of a failure, told in one line."""
    from gmm_viz.cli.headless_run import UsageError, fail
    from gmm_viz.files import FileCheckError

    app = _offscreen_application()
    try:
        save()
    except FileCheckError as exc:
        return fail(UsageError(str(exc)))
    except OSError as exc:
        return fail(_not_written(out, exc))
    finally:
        app.processEvents()
    return 0


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
