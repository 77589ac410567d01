"""How an export draws: the display settings of the screen, taken at export time.

An export draws with its own canvas and plot (:class:`~gmm_viz.gui.export.render.
RunRenderer`); before this, they were left at their own defaults, so an animation showed
no density, the 1 and 2 sigma ellipses whatever the screen showed, the total
log-likelihood while the screen showed it per point, and the first two features of wider
data. :class:`ExportStyle` is what the screen's views are set to; :meth:`ExportStyle.
from_window` reads it from the window when the user exports, the headless ``gmm-viz
render`` builds one from its options, and :meth:`ExportStyle.apply` gives it to the
export's canvas and plot.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Scales of the log-likelihood plot (as the window's display options name them).
LL_SCALES = ("total", "mean")


@dataclass(frozen=True)
class ExportStyle:
    """The display settings an export draws with.

    Attributes
    ----------
    soft_colours : bool
        Points blended by their responsibilities (else coloured by their label).
    sigma_levels : tuple of int
        Ellipses drawn, a subset of (1, 2, 3).
    density : {"off", "contours", "image"}
        The mixture density under the points.
    ll_scale : {"total", "mean"}
        The log-likelihood plot's values: total, or mean per point.
    point_size : int or None
        Marker size in pixels; None picks it from the number of points, as the canvas does.
    point_alpha : float or None
        Opacity of the points; None picks it from the number of points.
    axes : tuple of int
        The two features shown (x, y).
    """

    soft_colours: bool = False
    sigma_levels: tuple = (1, 2)
    density: str = "off"
    ll_scale: str = "total"
    point_size: int | None = None
    point_alpha: float | None = None
    axes: tuple = (0, 1)

    def __post_init__(self):
        if self.ll_scale not in LL_SCALES:
            options = ", ".join(repr(s) for s in LL_SCALES)
            raise ValueError(f"the log-likelihood scale must be one of {options}; "
                             f"got {self.ll_scale!r}.")

    @classmethod
    def from_window(cls, window) -> ExportStyle:
        """What the window's canvas and plot show now.

        Parameters
        ----------
        window : MainWindow
            Read: its display options and its canvas (sigma levels, density, the points'
            size and opacity, the axes), which are what the screen draws with.
        """
        canvas = window.canvas
        size, alpha = canvas.points_item.style()
        options = window.display_options
        return cls(soft_colours=bool(options.soft_colors),
                   sigma_levels=tuple(canvas.sigma_levels), density=canvas.density_mode,
                   ll_scale=options.ll_scale, point_size=int(size), point_alpha=float(alpha),
                   axes=tuple(canvas.axes))

    def apply(self, canvas, plot) -> None:
        """Set ``canvas`` (a MixtureCanvas) and ``plot`` (a LogLikelihoodPlot) to draw
        with this style.

        Raises
        ------
        ValueError
            A setting the canvas refuses (a sigma level not in 1, 2, 3; an unknown
            density mode; axes beyond the data), with its message.
        """
        canvas.set_sigma_levels(self.sigma_levels)
        canvas.set_density_mode(self.density)
        canvas.set_point_style(self.point_size, self.point_alpha)
        if tuple(self.axes) != tuple(canvas.axes):
            canvas.set_axes(*self.axes)
        plot.set_scale(self.ll_scale)
