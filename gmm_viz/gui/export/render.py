"""Pictures and animations of a run, drawn by the same canvas and plot as the window.

:class:`RunRenderer` puts a :class:`~gmm_viz.gui.views.canvas.MixtureCanvas` and a
:class:`~gmm_viz.gui.views.loglik_plot.LogLikelihoodPlot` side by side in an offscreen widget and
grabs one frame per iteration. Writers: PNG and SVG (Qt, for the canvas alone), animated
GIF (Pillow's encoder, streamed frame by frame) and MP4 (imageio with its bundled ffmpeg).
Everything here runs on the GUI thread (Qt widgets must); long exports report progress and
can be cancelled between frames.

Every file is written all or nothing (:func:`gmm_viz.files.atomic_output`): to a hidden
temporary file beside the target, which replaces the target only when the file is complete.
A Cancel or a failure leaves an existing file exactly as it was, and messages name the
target, never the temporary file.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
from pyqtgraph.Qt import QtCore, QtGui, QtWidgets

from gmm_viz.files import atomic_output, path_label
from gmm_viz.gui.export.gif import GifWriter, shared_palette
from gmm_viz.gui.export.heading import HeadingBar, text_width
from gmm_viz.gui.export.style import ExportStyle
from gmm_viz.gui.views.canvas import MixtureCanvas
from gmm_viz.gui.views.loglik_plot import LogLikelihoodPlot
from gmm_viz.palette import component_colors, soft_colors
from gmm_viz.run.describe import phase_text
from gmm_viz.run.history import DETECTED, FULL

ANIMATION_SUFFIXES = (".gif", ".mp4")
IMAGE_SUFFIXES = (".png", ".svg")

#: Longest delay a GIF frame can hold: a 16-bit count of hundredths of a second (655.35 s).
GIF_MAX_DELAY_CS = 65535
#: Frame rates (frames per second) each animation format can store, by suffix.
#:
#: - GIF: the delay of a frame is a whole number of hundredths of a second, 1 to 65,535
#:   (0.0015 to 100 frames/s). Browsers play delays under 2/100 s as 1/10 s, so 50
#:   frames/s is the fastest that plays as asked; 0.0016 is the round number just inside
#:   the slow end.
#: - MP4 (H.264 through ffmpeg): ffmpeg takes almost any rate, but players do not; 0.1 to
#:   240 frames/s plays everywhere, and 240 frames/s at the largest frame size (4000x3000)
#:   stays within H.264's macroblock-rate limit.
FPS_RANGES = {".gif": (0.0016, 50.0), ".mp4": (0.1, 240.0)}


class ExportCancelled(Exception):
    """The user cancelled an export; the partial file was removed."""


class RunRenderer(QtWidgets.QWidget):
    """An offscreen frame: a heading, the canvas and the log-likelihood plot.

    The canvas and the plot draw with ``style`` (the screen's display settings when the
    window exports). The plot's axes are fixed for the whole run: their range is the one
    the plot gives the whole history, so every frame shows the curve on the same scale (a
    range refitted to each frame's part of the curve made a 0.05-nat plateau look like a
    steep climb).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    snapshots : sequence of Snapshot
        The run, iteration 0 first.
    label_source : callable, optional
        ``label_source(snapshot) -> labels`` for snapshots stored without labels (history);
        e.g. :meth:`EMEngine.labels_for`.
    resp_source : callable, optional
        ``resp_source(snapshot) -> resp`` for soft colours; e.g.
        :meth:`EMEngine.responsibilities_for`.
    title : str
        Shown on the left of the heading; the iteration and the log-likelihood on the right
        (or under it, when both do not fit on one line).
    size : tuple of int
        Frame width and height in pixels.
    style : ExportStyle, optional
        How to draw (default: the app's default display settings). Soft colours need
        ``resp_source``.
    feature_names : tuple of str
    """

    def __init__(self, X, snapshots, *, label_source=None, resp_source=None, title="",
                 size=(1200, 560), style=None, feature_names=(), parent=None):
        super().__init__(parent)
        self._snapshots = list(snapshots)
        self._label_source = label_source
        self._resp_source = resp_source
        self.style = style = ExportStyle() if style is None else style
        self._soft = style.soft_colours and resp_source is not None
        self._title = title
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        self.setStyleSheet("background: white;")
        # The plot's values, on the scale the screen shows them.
        field = "mean_log_likelihood" if style.ll_scale == "mean" else "log_likelihood"
        self._values = np.array([getattr(s, field) for s in self._snapshots], dtype=float)
        self._iterations = np.array([s.iteration for s in self._snapshots])
        self._recoveries = [s.iteration for s in self._snapshots if s.recovered_components]
        converged = [s.iteration for s in self._snapshots if s.converged]
        self._converged_at = converged[0] if converged else None
        # The layout of the heading is chosen once, for the widest text of any frame.
        widest = max((text_width(self.info_text(*p)) for p in self.positions()), default=0.0)
        margins = 4
        self.heading = HeadingBar(title, widest, int(size[0]) - 2 * margins)
        self.canvas = MixtureCanvas()
        self.plot = LogLikelihoodPlot()
        row = QtWidgets.QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.canvas, 3)
        row.addWidget(self.plot, 2)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(margins, margins, margins, margins)
        layout.setSpacing(2)
        layout.addWidget(self.heading)
        layout.addLayout(row, 1)
        self.setFixedSize(*size)
        self.canvas.set_points(np.asarray(X), tuple(feature_names))
        style.apply(self.canvas, self.plot)
        self.loglik_range = None
        self._last_index = None  # the iteration drawn last (its re-placements are marked)
        self._markers_shown = False
        if self.n_frames:
            # The first frame's model before anything is painted: the canvas's component
            # labels (pyqtgraph TextItems) created after a first paint of the canvas keep
            # an identity transform and are drawn nowhere, unless the view changes.
            self.canvas.show_snapshot(self._with_labels(self._snapshots[0]),
                                      self._colours(self._snapshots[0]))
        self.show()  # offscreen (WA_DontShowOnScreen): lays out, never appears
        self.canvas.fit_view()
        self.loglik_range = self._whole_run_range()

    @property
    def n_frames(self) -> int:
        """The number of iterations (snapshots) of the run."""
        return len(self._snapshots)

    def recovers_at(self, index: int) -> bool:
        """True when iteration ``index`` (its position in the run) re-placed a component:
        its frame shows the markers, and the frame before it the caught state."""
        return bool(self._snapshots[index].recovered_components)

    def positions(self, indices=None) -> list:
        """The frames that show the iterations ``indices`` (default: all), in order.

        Returns
        -------
        list of (int, str)
            ``(index, "full")`` for each; before an iteration whose rule re-placed a
            component, ``(index, "detected")``: the state the rule caught (the collapse),
            as the window shows it before the re-placement.
        """
        indices = range(self.n_frames) if indices is None else indices
        out = []
        for index in indices:
            if index > 0 and self._snapshots[index].detected is not None:
                out.append((index, DETECTED))
            out.append((index, FULL))
        return out

    def info_text(self, index: int, phase: str = "full") -> str:
        """The heading's text for a frame: the iteration and the log-likelihood on the
        plot's scale, e.g. ``"iteration 7    log-likelihood -412.337"``; a caught state
        says so (``"iteration 5 · M-step: θ(5) before re-placement ..."``)."""
        snap = self._snapshots[index]
        shown = snap.detected if phase == DETECTED else snap
        value = float(shown.mean_log_likelihood if self.style.ll_scale == "mean"
                      else shown.log_likelihood)
        where = f"iteration {snap.iteration}"
        if phase == DETECTED:
            where += " · " + phase_text(SimpleNamespace(iteration=snap.iteration,
                                                        phase=DETECTED))
        if self.style.ll_scale == "mean":
            return f"{where}    log-likelihood per point {value:.6g}"
        return f"{where}    log-likelihood {value:.6g}"

    def _whole_run_range(self):
        """The plot's range for the whole history, as ``((x0, x1), (y0, y1))``: the plot
        frames the whole curve once, and every frame is then shown in that range."""
        if not self.n_frames:
            return None
        self.plot.show_history(self._iterations, self._values, self._recoveries,
                               self._converged_at, None)
        QtWidgets.QApplication.processEvents()
        x_range, y_range = self.plot.getPlotItem().getViewBox().viewRange()
        self.plot.reset()
        return tuple(x_range), tuple(y_range)

    def _colours(self, snap):
        """Soft colours of ``snap``'s points, or None (coloured by labels)."""
        if not self._soft:
            return None
        return soft_colors(self._resp_source(snap), component_colors(snap.n_components))

    def _with_labels(self, snap):
        """``snap`` with its labels (from ``label_source`` when stored without)."""
        if snap.labels is None and self._label_source is not None:
            return replace(snap, labels=self._label_source(snap))
        return snap

    def draw(self, index: int, phase: str = "full") -> None:
        """Show iteration ``index`` of the run (its position in ``snapshots``); at
        ``phase="detected"`` the state its rule caught, before the re-placement (see
        :meth:`positions`)."""
        snap = self._snapshots[index]
        if phase == DETECTED:
            # The M-step's parameters with the colours of the iteration before (the
            # responsibilities the M-step and the rule used), as the window draws it.
            source = self._snapshots[max(index - 1, 0)]
            colors = self._colours(source)
            snap = (snap.detected if colors is not None else
                    replace(snap.detected, labels=self._with_labels(source).labels))
            events = ()
            upto = index  # the curve before this iteration's value
        else:
            colors = self._colours(snap)
            if colors is None:
                snap = self._with_labels(snap)
            events = self._replacements_since(index)
            upto = index + 1
        if self._markers_shown and not events:
            # The re-placement markers belong to the frame of their iteration (the
            # canvas fades them by the clock, which would leave them on a number of
            # frames that depends on how fast frames are drawn).
            self.canvas.clear_model()
        self.canvas.show_snapshot(snap, colors, events=events)
        self._markers_shown = bool(events)
        self._last_index = index if phase != DETECTED else self._last_index
        iteration = int(self._iterations[upto - 1]) if upto else None
        recoveries = [r for r in self._recoveries if iteration is not None and r <= iteration]
        converged = (self._converged_at if self._converged_at is not None
                     and iteration is not None and self._converged_at <= iteration else None)
        self.plot.show_history(self._iterations[:upto], self._values[:upto], recoveries,
                               converged, iteration)
        if self.loglik_range is not None:
            # After the plot's own framing of this part of the curve: the whole run's.
            x_range, y_range = self.loglik_range
            self.plot.getPlotItem().getViewBox().setRange(xRange=x_range, yRange=y_range,
                                                          padding=0)
        self.heading.set_info(self.info_text(index, phase))
        QtWidgets.QApplication.processEvents()

    def restart(self) -> None:
        """Draw the next frame as a first one: no marker of a frame drawn before is left
        over (e.g. after frames drawn out of order)."""
        self.canvas.clear_model()
        self._last_index = None
        self._markers_shown = False

    def _replacements_since(self, index: int) -> tuple:
        """The re-placements of the iterations after the one drawn before, up to
        ``index`` (all of them marked, when frames skip iterations)."""
        last = self._last_index
        start = last + 1 if last is not None and last < index else index
        return tuple(e for s in self._snapshots[start:index + 1] for e in s.events
                     if e.recovered)

    def frame(self, index: int, phase: str = "full") -> np.ndarray:
        """A frame (see :meth:`draw`) as an RGB image.

        Returns
        -------
        image : ndarray of shape (height, width, 3), uint8
        """
        self.draw(index, phase)
        return qimage_to_array(self.grab().toImage())

    def save_png(self, path, index: int = -1) -> Path:
        """Write one frame (default: the last iteration) as PNG, all or nothing.

        Raises
        ------
        gmm_viz.files.FileCheckError
            The target is not a writable regular file, or writing failed.
        """
        self.draw(index % self.n_frames)
        with atomic_output(path, what="PNG picture") as tmp:
            _save_png(self.grab(), tmp)
        return Path(path)


def _save_png(pixmap: QtGui.QPixmap, path: Path) -> None:
    """Write ``pixmap`` to ``path`` as PNG; OSError (without the path) when Qt cannot."""
    if not pixmap.save(str(path), "PNG"):
        raise OSError("Qt could not write the PNG picture")


def qimage_to_array(image: QtGui.QImage) -> np.ndarray:
    """Copy a QImage into an ``(height, width, 3)`` uint8 RGB array."""
    image = image.convertToFormat(QtGui.QImage.Format.Format_RGB888)
    width, height = image.width(), image.height()
    buffer = image.constBits()
    buffer.setsize(image.sizeInBytes())
    rows = np.frombuffer(buffer, np.uint8).reshape(height, image.bytesPerLine())
    return rows[:, : width * 3].reshape(height, width, 3).copy()


def export_canvas(canvas: QtWidgets.QWidget, path, heading=None) -> Path:
    """Write a widget (the canvas, as shown) to PNG or SVG, all or nothing.

    SVG goes through Qt's own ``QSvgGenerator``: pyqtgraph's SVG exporter cannot parse
    the point polygons our points item draws.

    Parameters
    ----------
    canvas : QWidget
    path : str or Path
    heading : (str, str), optional
        ``(title, iteration text)``: drawn in a heading above the canvas
        (:class:`~gmm_viz.gui.export.heading.HeadingBar`), which makes the picture that much
        taller than the canvas.

    Raises
    ------
    ValueError
        The name does not end in .png or .svg.
    gmm_viz.files.FileCheckError
        The target is not a writable regular file, or writing failed; an existing file is
        left as it was.
    """
    label = path_label(path)
    suffix = Path(label).suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        raise ValueError(f"{label}: choose a .png or .svg file name.")
    what = "PNG picture" if suffix == ".png" else "SVG drawing"
    bar = None
    if heading is not None:
        title, info = heading
        bar = HeadingBar(title, text_width(info), canvas.width())
        bar.setAttribute(QtCore.Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        bar.set_info(info)
    try:
        with atomic_output(label, what=what) as tmp:
            if suffix == ".png":
                _save_png(_with_heading(bar, canvas.grab()), tmp)
            else:
                _save_svg(canvas, tmp, bar)
    finally:
        if bar is not None:
            bar.deleteLater()
    return Path(label)


def _with_heading(bar, pixmap: QtGui.QPixmap) -> QtGui.QPixmap:
    """``pixmap`` with the heading ``bar`` above it (``pixmap`` itself without one)."""
    if bar is None:
        return pixmap
    ratio = pixmap.devicePixelRatio()
    width = round(pixmap.width() / ratio)
    height = round(pixmap.height() / ratio)
    out = QtGui.QPixmap(round(width * ratio), round((height + bar.height()) * ratio))
    out.setDevicePixelRatio(ratio)
    out.fill(QtGui.QColor("white"))
    painter = QtGui.QPainter(out)
    try:
        bar.render(painter, QtCore.QPoint(0, 0))
        painter.drawPixmap(0, bar.height(), pixmap)
    finally:
        painter.end()
    return out


def _save_svg(canvas: QtWidgets.QWidget, path: Path, bar=None) -> None:
    """Paint ``canvas`` (under the heading ``bar``, if any) into an SVG file at ``path``;
    OSError when nothing was written."""
    from PyQt6.QtSvg import QSvgGenerator

    size = canvas.size()
    top = 0 if bar is None else bar.height()
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(QtCore.QSize(size.width(), size.height() + top))
    generator.setViewBox(QtCore.QRect(0, 0, size.width(), size.height() + top))
    # Same resolution as the screen: the axes replay cached QPictures, which Qt rescales
    # by the ratio of resolutions (the SVG default of 72 dpi would shift every tick).
    generator.setResolution(canvas.logicalDpiX())
    generator.setTitle("gmm-viz")
    # pyqtgraph items draw vector shapes instead of cached pixmaps in export mode.
    items = [item for item in canvas.scene().items() if hasattr(item, "setExportMode")]
    for item in items:
        item.setExportMode(True, {"antialias": True, "background": None, "painter": None})
    painter = QtGui.QPainter(generator)
    try:
        if bar is not None:
            bar.render(painter, QtCore.QPoint(0, 0))
        # (A pyqtgraph canvas is a QGraphicsView: its render takes target and source
        # rectangles, the same size here, so nothing is scaled.)
        canvas.render(painter, QtCore.QRectF(0, top, size.width(), size.height()),
                      QtCore.QRect(0, 0, size.width(), size.height()))
    finally:
        try:
            painter.end()
        finally:  # the canvas on screen must draw as before, whatever happened
            for item in items:
                item.setExportMode(False, {})
    # The temporary file exists from the start: an empty one means Qt wrote nothing.
    if not path.exists() or path.stat().st_size == 0:
        raise OSError("Qt could not write the SVG drawing")


def frame_indices(n_frames: int, max_frames: int | None) -> list:
    """Which iterations to draw: all, or ``max_frames`` evenly spread (first and last kept)."""
    if max_frames is None or n_frames <= max_frames:
        return list(range(n_frames))
    return sorted({round(float(v)) for v in np.linspace(0, n_frames - 1, max_frames)})


def check_frame_rate(suffix: str, fps: float) -> float:
    """``fps`` if an animation ending in ``suffix`` can store it (see :data:`FPS_RANGES`).

    Raises
    ------
    ValueError
        Saying the range and why, e.g. for a GIF at 0.001 or 60 frames/s.
    """
    suffix = suffix.lower()
    low, high = FPS_RANGES[suffix]
    try:
        fps = float(fps)
    except (TypeError, ValueError):
        raise ValueError(f"the frame rate must be a number; got {fps!r}.") from None
    if not low <= fps <= high:
        why = ("a GIF stores each frame's delay in hundredths of a second, up to 655.35 s, "
               "and browsers slow down faster GIFs" if suffix == ".gif" else
               "slower or faster videos do not play in common players")
        raise ValueError(f"the frame rate {fps:g} frames/s cannot be stored in "
                         f"{'a GIF' if suffix == '.gif' else 'an MP4'}: choose from {low:g} "
                         f"to {high:g} frames/s ({why}).")
    return fps


def gif_delay_centiseconds(fps: float) -> int:
    """The delay of one GIF frame at ``fps``, in the hundredths of a second GIFs store."""
    return int(min(GIF_MAX_DELAY_CS, max(1, round(100.0 / fps))))


def write_animation(renderer: RunRenderer, path, *, fps: float = 10.0, indices=None,
                    progress=None) -> Path:
    """Write the run as an animated GIF or an MP4 video, all or nothing.

    Frames are drawn one at a time and handed to the writer at once, so memory does not
    grow with the number of frames.

    Parameters
    ----------
    renderer : RunRenderer
    path : str or Path
        Ends in ``.gif`` or ``.mp4``. An existing file is replaced only when the new one is
        complete.
    fps : float
        Frames per second, within :data:`FPS_RANGES` of the format.
    indices : list of int, optional
        The iterations to draw, as positions in the renderer's run (default: every one).
        An iteration whose rule re-placed a component is two frames: the caught state,
        then the re-placed one (:meth:`RunRenderer.positions`).
    progress : callable, optional
        ``progress(done, total) -> bool`` (frames); returning False cancels the export.

    Returns
    -------
    Path

    Raises
    ------
    ExportCancelled
        When ``progress`` returned False; an existing file is unchanged, no partial file
        is left.
    ValueError
        A name that is not .gif or .mp4, or a frame rate the format cannot store.
    gmm_viz.files.FileCheckError
        The target is not a writable regular file, or writing failed (the message names
        the target).
    """
    label = path_label(path)
    suffix = Path(label).suffix.lower()
    if suffix not in ANIMATION_SUFFIXES:
        raise ValueError(f"{label}: choose a .gif or .mp4 file name.")
    fps = check_frame_rate(suffix, fps)
    indices = list(range(renderer.n_frames)) if indices is None else list(indices)
    what = "GIF animation" if suffix == ".gif" else "MP4 video"
    with atomic_output(label, what=what) as tmp:
        try:
            _write_frames(renderer, tmp, suffix, fps, indices, progress)
        except OSError as exc:
            # Writers' messages name the file they were given: the temporary one.
            raise OSError(exc.errno, _naming_target(exc, tmp, label)) from None
    return Path(label)


def _write_frames(renderer, tmp: Path, suffix: str, fps: float, indices, progress):
    """Draw ``indices`` and stream them into a new animation file at ``tmp``."""
    positions = renderer.positions(indices)
    if suffix == ".gif":
        palette = shared_palette([renderer.frame(*p) for p in palette_samples(renderer, positions)])
        renderer.restart()  # the samples were drawn out of order
        writer = GifWriter(tmp, palette, gif_delay_centiseconds(fps))
    else:
        writer = _Mp4Writer(tmp, fps)
    try:
        for done, position in enumerate(positions, start=1):
            writer.append(renderer.frame(*position))
            if progress is not None and progress(done, len(positions)) is False:
                raise ExportCancelled("export cancelled.")
        writer.close()
    except BaseException:
        writer.abort()
        raise


#: Frames drawn to choose a GIF's palette: evenly spread ones, and the first frames that
#: show a re-placement (its markers have colours no other frame has).
PALETTE_SAMPLES = 5
PALETTE_EVENT_SAMPLES = 3


def palette_samples(renderer: RunRenderer, positions) -> list:
    """Which of the frames ``positions`` (from :meth:`RunRenderer.positions`) to draw to
    choose a GIF's shared palette.

    Returns
    -------
    list of (int, str)
        At most ``PALETTE_SAMPLES + PALETTE_EVENT_SAMPLES`` of ``positions``, in order: the
        first, the last and some evenly between, and the first frames with a re-placement.
    """
    positions = list(positions)
    if not positions:
        return []
    spread = {positions[round(float(p))] for p in
              np.linspace(0, len(positions) - 1, min(PALETTE_SAMPLES, len(positions)))}
    recovered = [p for p in positions
                 if p[1] == FULL and renderer.recovers_at(p[0])][:PALETTE_EVENT_SAMPLES]
    return sorted(spread | set(recovered), key=positions.index)


def _naming_target(exc: OSError, tmp: Path, label: str) -> str:
    """The first line of an ``OSError``'s text, with the temporary file's name replaced."""
    text = exc.strerror or str(exc) or type(exc).__name__
    lines = [line for line in text.splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    for name in (str(tmp), tmp.name):
        text = text.replace(name, label)
    return text


class _Mp4Writer:
    """H.264 through imageio's bundled ffmpeg, streamed frame by frame."""

    def __init__(self, path, fps):
        import imageio.v2 as imageio

        # macro_block_size=2: keep the frame size (H.264 needs even sizes only).
        self._writer = imageio.get_writer(str(path), fps=fps, codec="libx264", quality=7,
                                          macro_block_size=2, pixelformat="yuv420p")

    def append(self, image):
        height, width = image.shape[:2]
        try:
            self._writer.append_data(image[: height - height % 2, : width - width % 2])
        except OSError as exc:
            raise _encoder_stopped(exc) from None

    def close(self):
        try:
            self._writer.close()
        except OSError as exc:
            raise _encoder_stopped(exc) from None

    def abort(self):
        """Stop ffmpeg; the caller removes the partial file."""
        try:
            self._writer.close()
        except OSError:
            pass  # already failing or cancelled: the first error is the one to report


def _encoder_stopped(exc: OSError) -> OSError:
    """ffmpeg's failure in a line: imageio's text holds the whole command line and log."""
    text = str(exc)
    log = text.split("FFMPEG STDERR OUTPUT:", 1)[-1] if "FFMPEG" in text else ""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    reason = lines[-1] if lines else (exc.strerror or text.splitlines()[0] if text else "")
    return OSError(exc.errno, f"the video encoder (ffmpeg) stopped: {reason}")
