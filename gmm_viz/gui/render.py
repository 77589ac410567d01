"""Pictures and animations of a run, drawn by the same canvas and plot as the window.

:class:`RunRenderer` puts a :class:`~gmm_viz.gui.canvas.MixtureCanvas` and a
:class:`~gmm_viz.gui.loglik_plot.LogLikelihoodPlot` side by side in an offscreen widget and
grabs one frame per iteration. Writers: PNG and SVG (pyqtgraph's exporters for the canvas
alone), animated GIF (Pillow) and MP4 (imageio with its bundled ffmpeg). Everything here
runs on the GUI thread (Qt widgets must); long exports report progress and can be
cancelled between frames.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pyqtgraph.Qt import QtCore, QtGui, QtWidgets

from gmm_viz.gui.canvas import MixtureCanvas
from gmm_viz.gui.loglik_plot import LogLikelihoodPlot
from gmm_viz.gui.palette import blend_colors, component_colors

ANIMATION_SUFFIXES = (".gif", ".mp4")
IMAGE_SUFFIXES = (".png", ".svg")


class ExportCancelled(Exception):
    """The user cancelled an export; the partial file was removed."""


class RunRenderer(QtWidgets.QWidget):
    """An offscreen frame: title, canvas and log-likelihood plot.

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
        Shown above the frame, followed by the iteration.
    size : tuple of int
        Frame width and height in pixels.
    soft_colours : bool
    feature_names : tuple of str
    """

    def __init__(self, X, snapshots, *, label_source=None, resp_source=None, title="",
                 size=(1200, 560), soft_colours=False, feature_names=(), parent=None):
        super().__init__(parent)
        self._snapshots = list(snapshots)
        self._label_source = label_source
        self._resp_source = resp_source
        self._soft = soft_colours and resp_source is not None
        self._title = title
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        self.setStyleSheet("background: white;")
        self._heading = QtWidgets.QLabel()
        self._heading.setStyleSheet("color: #222; font-size: 15px; padding: 4px 8px;")
        # A long title must not widen the frame: every frame of a video has one size.
        self._heading.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored,
                                    QtWidgets.QSizePolicy.Policy.Preferred)
        self.canvas = MixtureCanvas()
        self.plot = LogLikelihoodPlot()
        row = QtWidgets.QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.canvas, 3)
        row.addWidget(self.plot, 2)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self._heading)
        layout.addLayout(row, 1)
        self.setFixedSize(*size)
        self.canvas.set_points(np.asarray(X), tuple(feature_names))
        self._values = np.array([s.log_likelihood for s in self._snapshots])
        self._iterations = np.array([s.iteration for s in self._snapshots])
        self._recoveries = [s.iteration for s in self._snapshots if s.recovered_components]
        converged = [s.iteration for s in self._snapshots if s.converged]
        self._converged_at = converged[0] if converged else None
        self.show()  # offscreen (WA_DontShowOnScreen): lays out, never appears
        self.canvas.fit_view()

    @property
    def n_frames(self) -> int:
        return len(self._snapshots)

    def draw(self, index: int) -> None:
        """Show iteration ``index`` of the run."""
        snap = self._snapshots[index]
        colors = None
        if self._soft:
            colors = blend_colors(self._resp_source(snap), component_colors(snap.n_components))
        elif snap.labels is None and self._label_source is not None:
            from dataclasses import replace

            snap = replace(snap, labels=self._label_source(snap))
        self.canvas.show_snapshot(snap, colors)
        upto = index + 1
        recoveries = [r for r in self._recoveries if r <= snap.iteration]
        converged = (self._converged_at if self._converged_at is not None
                     and self._converged_at <= snap.iteration else None)
        self.plot.show_history(self._iterations[:upto], self._values[:upto], recoveries,
                               converged, snap.iteration)
        text = f"iteration {snap.iteration}    log-likelihood {snap.log_likelihood:,.2f}"
        self._heading.setText(f"<b>{self._title}</b>    {text}" if self._title else text)
        QtWidgets.QApplication.processEvents()

    def frame(self, index: int) -> np.ndarray:
        """Iteration ``index`` as an RGB image.

        Returns
        -------
        image : ndarray of shape (height, width, 3), uint8
        """
        self.draw(index)
        return qimage_to_array(self.grab().toImage())

    def save_png(self, path, index: int = -1) -> Path:
        """Write one frame (default: the last iteration) as PNG."""
        self.draw(index % self.n_frames)
        path = Path(path)
        if not self.grab().save(str(path), "PNG"):
            raise OSError(f"{path}: could not write the PNG file.")
        return path


def qimage_to_array(image: QtGui.QImage) -> np.ndarray:
    """Copy a QImage into an ``(height, width, 3)`` uint8 RGB array."""
    image = image.convertToFormat(QtGui.QImage.Format.Format_RGB888)
    width, height = image.width(), image.height()
    buffer = image.constBits()
    buffer.setsize(image.sizeInBytes())
    rows = np.frombuffer(buffer, np.uint8).reshape(height, image.bytesPerLine())
    return rows[:, : width * 3].reshape(height, width, 3).copy()


def export_canvas(canvas: QtWidgets.QWidget, path) -> Path:
    """Write a widget (the canvas, as shown) to PNG or SVG.

    SVG goes through Qt's own ``QSvgGenerator``: pyqtgraph's SVG exporter cannot parse
    the point polygons our points item draws.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        raise ValueError(f"{path}: choose a .png or .svg file name.")
    if suffix == ".png":
        if not canvas.grab().save(str(path), "PNG"):
            raise OSError(f"{path}: could not write the PNG file.")
        return path
    from PyQt6.QtSvg import QSvgGenerator

    size = canvas.size()
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(size)
    generator.setViewBox(QtCore.QRect(0, 0, size.width(), size.height()))
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
        canvas.render(painter)
    finally:
        painter.end()
        for item in items:
            item.setExportMode(False, {})
    if not path.exists():
        raise OSError(f"{path}: could not write the SVG file.")
    return path


def frame_indices(n_frames: int, max_frames: int | None) -> list:
    """Which iterations to draw: all, or ``max_frames`` evenly spread (first and last kept)."""
    if max_frames is None or n_frames <= max_frames:
        return list(range(n_frames))
    return sorted({round(float(v)) for v in np.linspace(0, n_frames - 1, max_frames)})


def write_animation(renderer: RunRenderer, path, *, fps: float = 10.0, indices=None,
                    progress=None) -> Path:
    """Write the run as an animated GIF or an MP4 video.

    Parameters
    ----------
    renderer : RunRenderer
    path : str or Path
        Ends in ``.gif`` or ``.mp4``.
    fps : float
        Frames per second.
    indices : list of int, optional
        Frames to draw (default: every iteration).
    progress : callable, optional
        ``progress(done, total) -> bool``; returning False cancels the export.

    Returns
    -------
    Path

    Raises
    ------
    ExportCancelled
        When ``progress`` returned False; no partial file is left.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in ANIMATION_SUFFIXES:
        raise ValueError(f"{path}: choose a .gif or .mp4 file name.")
    if not fps > 0:
        raise ValueError(f"frames per second must be positive; got {fps}.")
    indices = list(range(renderer.n_frames)) if indices is None else list(indices)
    writer = _GifWriter(path, fps) if suffix == ".gif" else _Mp4Writer(path, fps)
    try:
        for done, index in enumerate(indices, start=1):
            writer.append(renderer.frame(index))
            if progress is not None and progress(done, len(indices)) is False:
                raise ExportCancelled(f"{path}: export cancelled.")
        writer.close()
    except BaseException:
        writer.abort()
        raise
    return path


class _GifWriter:
    """Frames quantised to 256 colours as they come (keeps memory small), then Pillow."""

    def __init__(self, path, fps):
        self._path, self._duration, self._frames = Path(path), 1000.0 / fps, []

    def append(self, image):
        from PIL import Image

        self._frames.append(Image.fromarray(image).quantize(colors=256, dither=0))

    def close(self):
        first, *rest = self._frames
        first.save(self._path, save_all=True, append_images=rest, duration=self._duration,
                   loop=0, optimize=False)

    def abort(self):
        self._frames.clear()
        self._path.unlink(missing_ok=True)


class _Mp4Writer:
    """H.264 through imageio's bundled ffmpeg, streamed frame by frame."""

    def __init__(self, path, fps):
        import imageio.v2 as imageio

        self._path = Path(path)
        # macro_block_size=2: keep the frame size (H.264 needs even sizes only).
        self._writer = imageio.get_writer(str(path), fps=fps, codec="libx264", quality=7,
                                          macro_block_size=2, pixelformat="yuv420p")

    def append(self, image):
        height, width = image.shape[:2]
        self._writer.append_data(image[: height - height % 2, : width - width % 2])

    def close(self):
        self._writer.close()

    def abort(self):
        try:
            self._writer.close()
        finally:
            self._path.unlink(missing_ok=True)
