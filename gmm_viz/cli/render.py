"""``gmm-viz render``: draw a run to a file with the app's own canvas and plot, offscreen.

A ``.png`` or ``.svg`` gets the final state, a ``.gif`` or ``.mp4`` the whole run. It takes
the data and model options of the app, or ``--scenario NAME``; errors are one line on
stderr and exit status 2. Qt is imported only once the options and the run are known to
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
from gmm_viz.cli.options import add_run_arguments, frame_size, positive_number, whole_number
from gmm_viz.files import FileCheckError

HELP = "draw a run to PNG/SVG (final state) or GIF/MP4 (the run)"
#: Frames an animation holds at most by default (longer runs are sampled evenly).
DEFAULT_MAX_FRAMES = 200


def add_arguments(parser):
    """The options of ``render``: the run's, the file and the frames."""
    add_run_arguments(parser)
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
    app = _offscreen_application()
    from gmm_viz.gui.export.render import RunRenderer, export_canvas, frame_indices, write_animation

    renderer = RunRenderer(
        dataset.X, [s.without_labels() for s in snaps], label_source=session.engine.labels_for,
        resp_source=session.engine.responsibilities_for, title=title, size=args.size,
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
        return fail(UsageError(str(exc)))
    except OSError as exc:
        return fail(UsageError(f"{out}: could not write the file "
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
    check_out_path(out, what)
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
