"""Tests of the drawing layer: palette, points item, mixture canvas, log-likelihood plot.

Rendering is checked by grabbing the widget offscreen and reading pixels. No test asserts
a time; ``gmm_viz.bench.drawing`` measures speed.
"""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from pyqtgraph.Qt import QtCore
from scipy.stats import multivariate_normal

from gmm_viz.engine.snapshot import SingularityEvent, Snapshot
from gmm_viz.gui.views.canvas import (
    MixtureCanvas,
    contour_segments,
    ellipse_outlines,
    marginal,
    mixture_density_grid,
)
from gmm_viz.gui.views.loglik_plot import LogLikelihoodPlot
from gmm_viz.gui.views.points_item import SPRITE_LIMIT
from gmm_viz.palette import blend_colors, component_colors

WIDTH, HEIGHT = 1000, 800


# ----------------------------------------------------------------------------- helpers
def make_snapshot(means, covariances, labels=None, weights=None, flagged=None, events=(),
                  iteration=1):
    means = np.asarray(means, dtype=float)
    covariances = np.asarray(covariances, dtype=float)
    k = len(means)
    weights = np.full(k, 1.0 / k) if weights is None else np.asarray(weights, dtype=float)
    flagged = np.zeros(k, dtype=bool) if flagged is None else np.asarray(flagged, dtype=bool)
    arrays = {
        "weights": weights, "means": means, "covariances": covariances, "nk": weights * 100,
        "det": np.linalg.det(covariances), "min_eigenvalue": np.ones(k),
        "condition_number": np.ones(k), "flagged": flagged,
    }
    for value in arrays.values():
        value.setflags(write=False)
    return Snapshot(iteration=iteration, log_likelihood=-100.0, mean_log_likelihood=-1.0,
                    labels=labels, events=tuple(events), **arrays)


def event(component, iteration=1, old_mean=(0.0, 0.0), action="random_range"):
    return SingularityEvent(iteration=iteration, component=component, rule="det",
                            reason="det(cov)", value=1e-4, threshold=1e-2, action=action,
                            old_mean=tuple(old_mean), new_mean=tuple(old_mean))


@pytest.fixture
def canvas(qtbot):
    widget = MixtureCanvas()
    qtbot.addWidget(widget)
    widget.resize(WIDTH, HEIGHT)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def three_blobs(n_per=100, seed=0):
    rng = np.random.default_rng(seed)
    centers = np.array([[0.0, 0.0], [10.0, 0.0], [5.0, 8.0]])
    X = np.concatenate([c + rng.normal(size=(n_per, 2)) for c in centers])
    labels = np.repeat(np.arange(3), n_per).astype(np.int8)
    covs = np.array([np.eye(2)] * 3)
    return X, labels, centers, covs


def pixel_at(widget, x, y):
    """RGB of the rendered widget at data coordinates (x, y)."""
    scene = widget.getViewBox().mapViewToScene(QtCore.QPointF(x, y))
    point = widget.mapFromScene(scene)
    image = widget.grab().toImage()
    color = image.pixelColor(point.x(), point.y())
    return np.array([color.red(), color.green(), color.blue()])


def visible_levels(widget, component):
    return [level for level, curve in zip((1, 2, 3), widget.ellipse_curves()[component])
            if curve.isVisible()]


# ----------------------------------------------------------------------------- palette
def test_component_colors_are_distinct_deterministic_and_cycle():
    colors = component_colors(20)
    assert colors.shape == (20, 3) and colors.dtype == np.uint8
    assert len({tuple(c) for c in colors}) == 20
    np.testing.assert_array_equal(component_colors(5), colors[:5])
    np.testing.assert_array_equal(component_colors(23)[20:], colors[:3])
    # Readable on white: no colour is near white.
    assert (colors.astype(int).sum(axis=1) < 3 * 230).all()


def test_blend_colors_mixes_in_proportion():
    colors = component_colors(3)
    resp = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.5, 0.5, 0.0]])
    out = blend_colors(resp, colors)
    assert out.dtype == np.uint8 and out.shape == (3, 3)
    np.testing.assert_array_equal(out[0], colors[0])
    np.testing.assert_array_equal(out[1], colors[2])
    expected = (colors[0].astype(float) + colors[1]) / 2
    assert np.abs(out[2] - expected).max() <= 1


# ---------------------------------------------------------------------- pure geometry
def test_ellipse_outline_of_a_diagonal_covariance_has_the_right_semi_axes():
    out = ellipse_outlines(np.array([[1.0, 2.0]]), np.array([[[4.0, 0.0], [0.0, 1.0]]]), (1, 2))
    one, two = out[0, 0], out[0, 1]
    np.testing.assert_allclose(one[:, 0].max(), 3.0)  # 1 + 1 * sqrt(4)
    np.testing.assert_allclose(one[:, 0].min(), -1.0)
    np.testing.assert_allclose(one[:, 1].max(), 3.0)  # 2 + 1 * sqrt(1)
    np.testing.assert_allclose(two[:, 0].max(), 5.0)  # 1 + 2 * sqrt(4)
    # Every point satisfies (x - m)^T S^-1 (x - m) = level^2.
    d = one - [1.0, 2.0]
    np.testing.assert_allclose(d[:, 0] ** 2 / 4 + d[:, 1] ** 2, 1.0)
    np.testing.assert_allclose(one[0], one[-1])  # closed


def test_ellipse_outline_of_a_rotated_covariance():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(2, 2))
    cov = a @ a.T + 0.1 * np.eye(2)
    out = ellipse_outlines(np.zeros((1, 2)), cov[None], (3,))[0, 0]
    maha = np.einsum("ni,ij,nj->n", out, np.linalg.inv(cov), out)
    np.testing.assert_allclose(maha, 9.0)


def test_marginal_picks_sub_blocks():
    means = np.array([[1.0, 2.0, 3.0]])
    cov = np.arange(9.0).reshape(1, 3, 3)
    m, c = marginal(means, cov, 2, 0)
    np.testing.assert_array_equal(m, [[3.0, 1.0]])
    np.testing.assert_array_equal(c, [[[8.0, 6.0], [2.0, 0.0]]])


def test_mixture_density_grid_matches_scipy():
    weights = np.array([0.3, 0.7])
    means = np.array([[0.0, 0.0], [2.0, 1.0]])
    covs = np.array([[[1.0, 0.3], [0.3, 0.5]], [[0.4, -0.1], [-0.1, 2.0]]])
    xs, ys = np.linspace(-3, 4, 17), np.linspace(-2, 3, 13)
    grid = mixture_density_grid(weights, means, covs, xs, ys)
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    pts = np.stack([gx, gy], axis=-1)
    expected = sum(w * multivariate_normal(m, c).pdf(pts) for w, m, c in zip(weights, means, covs))
    np.testing.assert_allclose(grid, expected, rtol=1e-10)


def test_mixture_density_grid_skips_singular_components():
    covs = np.array([np.eye(2), np.zeros((2, 2))])
    grid = mixture_density_grid([0.5, 0.5], np.zeros((2, 2)), covs, [0.0], [0.0])
    np.testing.assert_allclose(grid, 0.5 / (2 * np.pi))


def test_contour_segments_lie_on_the_level_set():
    xs = ys = np.linspace(-2, 2, 81)
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    f = np.exp(-(gx ** 2 + gy ** 2))
    pts = contour_segments(f, xs, ys, np.exp(-1.0))  # the unit circle
    assert len(pts) > 40 and len(pts) % 2 == 0
    np.testing.assert_allclose(np.hypot(pts[:, 0], pts[:, 1]), 1.0, atol=0.01)


# ------------------------------------------------------------------------------ canvas
def test_three_components_draw_three_ellipse_sets_at_the_requested_levels(canvas):
    X, labels, centers, _ = three_blobs()
    covs = np.array([np.diag([4.0, 1.0]), np.eye(2), np.diag([1.0, 0.25])])
    canvas.set_points(X)
    canvas.show_snapshot(make_snapshot(centers, covs, labels))
    for c in range(3):
        assert visible_levels(canvas, c) == [1, 2]
    x, y = canvas.ellipse_curves()[0][0].getData()  # component 0, 1 sigma
    np.testing.assert_allclose([x.max() - 0.0, y.max() - 0.0], [2.0, 1.0])
    x, y = canvas.ellipse_curves()[2][1].getData()  # component 2, 2 sigma
    np.testing.assert_allclose([x.max() - 5.0, y.max() - 8.0], [2.0, 1.0])

    canvas.set_sigma_levels((1, 2, 3))
    assert all(visible_levels(canvas, c) == [1, 2, 3] for c in range(3))
    x, _ = canvas.ellipse_curves()[0][2].getData()
    np.testing.assert_allclose(x.max(), 6.0)
    canvas.set_sigma_levels((3,))
    assert all(visible_levels(canvas, c) == [3] for c in range(3))
    with pytest.raises(ValueError, match="sigma levels"):
        canvas.set_sigma_levels((4,))


def test_fewer_components_hide_the_extra_items(canvas):
    X, labels, centers, covs = three_blobs()
    canvas.set_points(X)
    canvas.show_snapshot(make_snapshot(centers, covs, labels))
    canvas.show_snapshot(make_snapshot(centers[:2], covs[:2], labels % 2))
    assert visible_levels(canvas, 0) == [1, 2]
    assert visible_levels(canvas, 2) == []
    assert len(canvas._means.getData()[0]) == 2
    assert not canvas._labels[2].isVisible()
    canvas.clear_model()
    assert all(visible_levels(canvas, c) == [] for c in range(3))
    assert not canvas._means.isVisible()


def test_hard_colours_are_drawn_at_a_point(canvas):
    X, labels, centers, covs = three_blobs()
    X = np.vstack([X, [[20.0, 20.0]]])  # one point far from all others and the ellipses
    labels = np.append(labels, np.int8(2))
    canvas.set_points(X)
    canvas.set_point_style(alpha=1.0)
    canvas.show_snapshot(make_snapshot(centers, covs, labels))
    color = pixel_at(canvas, 20.0, 20.0)
    assert np.abs(color - component_colors(3)[2]).max() <= 3


@pytest.mark.parametrize("method", ["raster", "points"])
def test_hard_colours_many_points(canvas, method):
    n = SPRITE_LIMIT + 5_000
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(n - 1, 2)), [[12.0, 12.0]]])
    labels = np.zeros(n, dtype=np.int8)
    labels[-1] = 1
    canvas.points_item.hard_method = method
    canvas.set_points(X)
    canvas.set_point_style(alpha=1.0)
    canvas.show_snapshot(make_snapshot([[0.0, 0.0], [0.5, 0.5]], [np.eye(2)] * 2, labels))
    assert np.abs(pixel_at(canvas, 12.0, 12.0) - component_colors(2)[1]).max() <= 3
    assert canvas.points_item.last_method == method


def test_the_raster_shows_what_qt_draws_point_by_point(canvas):
    """Dense, overlapping points: each pixel's opacity grows with the points on it and its
    colour is theirs, as Qt's own blending of one point after another gives."""
    n = SPRITE_LIMIT + 5_000
    rng = np.random.default_rng(3)
    # Two tight clusters (many points per pixel), one per label, and a sparse halo.
    X = np.vstack([rng.normal((-2.0, 0.0), 0.3, size=(n // 2, 2)),
                   rng.normal((2.0, 0.0), 0.3, size=(n - n // 2 - 200, 2)),
                   rng.uniform(-6.0, 6.0, size=(200, 2))])
    labels = np.where(X[:, 0] < 0, 0, 1).astype(np.uint8)
    canvas.set_points(X)
    canvas.set_point_style(alpha=0.3)
    pictures = {}
    for method in ("points", "raster"):
        canvas.points_item.hard_method = method
        canvas.points_item.update()
        canvas.show_snapshot(make_snapshot([[-2.0, 0.0], [2.0, 0.0]], [np.eye(2) * 1e-4] * 2,
                                           labels))
        image = canvas.grab().toImage()
        assert canvas.points_item.last_method == method
        pictures[method] = np.array([[image.pixelColor(x, y).getRgb()[:3]
                                      for x in range(0, image.width(), 3)]
                                     for y in range(0, image.height(), 3)], dtype=int)
    difference = np.abs(pictures["raster"] - pictures["points"])
    assert difference.max() <= 3
    assert (pictures["points"].sum(axis=2) < 3 * 200).sum() > 100  # points were drawn


def test_the_raster_of_many_points_is_rebuilt_only_when_its_colours_change(canvas, monkeypatch):
    """Once labels settle the scene still repaints the points under the moving ellipses:
    the same raster is drawn again, and every change of what it shows is drawn."""
    n = SPRITE_LIMIT + 5_000
    rng = np.random.default_rng(1)
    X = np.vstack([rng.normal(size=(n - 1, 2)), [[12.0, 12.0]]])
    labels = np.zeros(n, dtype=np.int8)
    labels[-1] = 1
    builds = []
    item = canvas.points_item
    build = item._build_raster
    monkeypatch.setattr(item, "_build_raster", lambda *a: builds.append(1) or build(*a))
    canvas.set_points(X)
    canvas.set_point_style(alpha=1.0)
    covs = [np.eye(2)] * 2
    canvas.show_snapshot(make_snapshot([[0.0, 0.0], [0.5, 0.5]], covs, labels))
    assert np.abs(pixel_at(canvas, 12.0, 12.0) - component_colors(2)[1]).max() <= 3
    drawn = len(builds)
    # Equal labels in a new array, the ellipses moved by half the view: the same picture.
    canvas.show_snapshot(make_snapshot([[3.0, 3.0], [0.5, 0.5]], covs, labels.copy()))
    assert np.abs(pixel_at(canvas, 12.0, 12.0) - component_colors(2)[1]).max() <= 3
    assert len(builds) == drawn
    # The far point changes component: its new colour shows.
    labels = labels.copy()
    labels[-1] = 0
    canvas.show_snapshot(make_snapshot([[3.0, 3.0], [0.5, 0.5]], covs, labels))
    assert np.abs(pixel_at(canvas, 12.0, 12.0) - component_colors(2)[0]).max() <= 3
    # So do soft colours, one colour for all, and a new opacity.
    colors = np.zeros((n, 3), dtype=np.uint8)
    colors[-1] = (200, 30, 30)
    canvas.show_snapshot(make_snapshot([[3.0, 3.0], [0.5, 0.5]], covs, labels),
                         point_colors=colors)
    assert np.abs(pixel_at(canvas, 12.0, 12.0) - (200, 30, 30)).max() <= 3
    canvas.show_snapshot(make_snapshot([[3.0, 3.0], [0.5, 0.5]], covs, None))
    assert np.abs(pixel_at(canvas, 12.0, 12.0) - 128).max() <= 3
    canvas.set_point_style(alpha=0.5)
    background = pixel_at(canvas, 12.0, 8.0)  # no point, no ellipse
    assert np.abs(pixel_at(canvas, 12.0, 12.0) - (128 + background) / 2).max() <= 3
@pytest.mark.parametrize("n_extra", [0, SPRITE_LIMIT])
def test_soft_colours_are_drawn_per_point(canvas, n_extra):
    X, _, centers, covs = three_blobs()
    rng = np.random.default_rng(2)
    X = np.vstack([X, rng.normal(size=(n_extra, 2)), [[20.0, -10.0]]])
    resp = rng.dirichlet(np.ones(3), size=len(X))
    resp[-1] = [0.5, 0.0, 0.5]
    colors = blend_colors(resp, component_colors(3))
    canvas.set_points(X)
    canvas.set_point_style(alpha=1.0)
    snapshot = make_snapshot(centers, covs, np.zeros(len(X), dtype=np.int8))
    canvas.show_snapshot(snapshot, point_colors=colors)
    # The sprite path quantises soft colours to 16 levels per channel (steps of 17).
    tolerance = 3 if n_extra else 10
    assert np.abs(pixel_at(canvas, 20.0, -10.0) - colors[-1]).max() <= tolerance


def test_no_labels_and_mismatched_labels_draw_grey(canvas):
    X, _, centers, covs = three_blobs()
    X = np.vstack([X, [[20.0, 20.0]]])
    canvas.set_points(X)
    canvas.set_point_style(alpha=1.0)
    canvas.show_snapshot(make_snapshot(centers, covs, None))
    assert np.abs(pixel_at(canvas, 20.0, 20.0) - 128).max() <= 3
    canvas.show_snapshot(make_snapshot(centers, covs, np.zeros(5, dtype=np.int8)))
    assert np.abs(pixel_at(canvas, 20.0, 20.0) - 128).max() <= 3


def test_snapshot_of_other_dimension_clears_the_model(canvas):
    X, labels, centers, covs = three_blobs()
    canvas.set_points(X)
    canvas.show_snapshot(make_snapshot(centers, covs, labels))
    assert visible_levels(canvas, 0) == [1, 2]
    # e.g. a frame of the previous data set still in flight during a restart
    canvas.show_snapshot(make_snapshot(np.zeros((3, 3)), np.array([np.eye(3)] * 3), labels))
    assert visible_levels(canvas, 0) == []


def test_set_axes_shows_the_marginal(canvas):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 3)) * [1.0, 2.0, 3.0]
    means = np.array([[1.0, 2.0, 3.0], [-1.0, -2.0, -3.0]])
    covs = np.array([np.diag([1.0, 4.0, 9.0]), np.diag([0.25, 1.0, 16.0])])
    canvas.set_points(X, feature_names=("length", "width", "depth"))
    canvas.show_snapshot(make_snapshot(means, covs, (X[:, 0] > 0).astype(np.int8)))
    canvas.set_axes(0, 2)
    assert canvas.axes == (0, 2)
    x, y = canvas.ellipse_curves()[1][0].getData()
    np.testing.assert_allclose([x.max(), y.max()], [-1.0 + 0.5, -3.0 + 4.0])
    np.testing.assert_allclose(canvas._means.getData()[1], [3.0, -3.0])
    assert canvas.getPlotItem().getAxis("bottom").labelText == "length"
    assert canvas.getPlotItem().getAxis("left").labelText == "depth"
    # The view was fitted to the new columns.
    _, (y0, y1) = canvas.getViewBox().viewRange()
    assert y0 <= X[:, 2].min() and y1 >= X[:, 2].max()
    with pytest.raises(ValueError, match="different feature"):
        canvas.set_axes(1, 1)


def test_view_range_stays_where_the_user_left_it(canvas):
    X, labels, centers, covs = three_blobs()
    canvas.set_points(X)
    canvas.getViewBox().setRange(xRange=(2.0, 3.0), yRange=(-1.0, 0.5), padding=0)
    before = canvas.getViewBox().viewRange()
    for shift in range(3):
        canvas.show_snapshot(make_snapshot(centers + shift, covs * (1 + shift), labels))
        canvas.grab()
    np.testing.assert_allclose(canvas.getViewBox().viewRange(), before)


def test_fit_view_fits_the_data(canvas):
    X, labels, centers, covs = three_blobs()
    canvas.set_points(X)
    huge = covs * 1e4  # the model's ellipses must not count
    canvas.show_snapshot(make_snapshot(centers, huge, labels))
    canvas.getViewBox().setRange(xRange=(100.0, 101.0), yRange=(100.0, 101.0))
    canvas.fit_view()
    (x0, x1), (y0, y1) = canvas.getViewBox().viewRange()
    lo, hi = X.min(axis=0), X.max(axis=0)
    assert x0 <= lo[0] and x1 >= hi[0] and y0 <= lo[1] and y1 >= hi[1]
    assert (x1 - x0) < 1.3 * (hi[0] - lo[0]) and (y1 - y0) < 1.3 * (hi[1] - lo[1])


@pytest.mark.parametrize("mode", ["contours", "image", "off"])
def test_density_modes_render(canvas, mode):
    X, labels, centers, covs = three_blobs()
    canvas.set_points(X)
    canvas.show_snapshot(make_snapshot(centers, covs, labels))
    canvas.set_density_mode(mode)
    assert not canvas.grab().isNull()
    assert canvas._density_contours.isVisible() == (mode == "contours")
    assert canvas._density_image.isVisible() == (mode == "image")
    if mode == "contours":
        assert len(canvas._density_contours.getData()[0]) > 0
    canvas.getViewBox().setRange(xRange=(-5.0, 5.0), yRange=(-5.0, 5.0))  # recomputes
    canvas.grab()
    with pytest.raises(ValueError, match="density mode"):
        canvas.set_density_mode("shaded")


def test_a_replacement_is_marked_while_its_state_is_shown_and_never_fades(canvas, qtbot):
    """Markers belong to the state they are given with: they stay however long it is
    shown (paused), go with the next state, and come back with it (stepping back)."""
    X, labels, centers, covs = three_blobs()
    canvas.set_points(X)
    before = make_snapshot(centers, covs, labels, iteration=1)
    canvas.show_snapshot(before, replacements=())
    assert not canvas._reset_star.isVisible()
    snapshot = make_snapshot(centers, covs, labels, iteration=2)
    replaced = (event(1, iteration=2, old_mean=(2.0, 3.0)),)
    canvas.show_snapshot(snapshot, replacements=replaced)
    assert canvas._reset_star.isVisible() and canvas._reset_ring.isVisible()
    np.testing.assert_allclose(canvas._reset_star.getData()[0], [10.0])
    x, y = canvas._reset_jumps.getData()
    np.testing.assert_allclose([x[0], y[0]], [2.0, 3.0])  # from where it was
    # Visible in a screenshot taken right away: the star's gold is there.
    assert np.abs(pixel_at(canvas, 10.0, 0.0) - [255, 215, 0]).max() <= 40
    qtbot.wait(1_600)  # longer than the old wall-clock fade: paused, nothing changes
    assert canvas._reset_star.isVisible()
    assert np.abs(pixel_at(canvas, 10.0, 0.0) - [255, 215, 0]).max() <= 40
    later = make_snapshot(centers, covs, labels, iteration=3)
    canvas.show_snapshot(later, replacements=())
    assert not canvas._reset_star.isVisible() and not canvas._reset_jumps.isVisible()
    canvas.show_snapshot(snapshot, replacements=replaced)  # stepped back to it
    assert canvas._reset_star.isVisible()
    canvas.show_snapshot(before, replacements=())  # and to the state before it
    assert not canvas._reset_star.isVisible()
    # Without replacements given, an export's frame marks its own events.
    canvas.show_snapshot(later, events=[event(2, iteration=3)])
    np.testing.assert_allclose(canvas._reset_star.getData()[0], [5.0])


def test_a_caught_component_gets_a_dashed_ring_without_a_star(canvas):
    X, labels, centers, covs = three_blobs()
    canvas.set_points(X)
    canvas.show_snapshot(make_snapshot(centers, covs, labels), replacements=(),
                         detections=(event(2, action="random_range"),))
    assert canvas._reset_ring.isVisible() and not canvas._reset_star.isVisible()
    np.testing.assert_allclose(canvas._reset_ring.getData()[0], [5.0])
    assert canvas._reset_ring.data["pen"][0].style() == QtCore.Qt.PenStyle.DashLine


def test_identical_components_are_drawn_once_and_say_so(canvas):
    """All means at one point with the nudge off: k identical components, drawn as one
    (not the top one's colour over points coloured by the first)."""
    X, _, _, _ = three_blobs()
    means = np.zeros((3, 2))
    covs = np.array([np.eye(2)] * 3)
    labels = np.zeros(len(X), dtype=np.int8)
    canvas.set_points(X)
    canvas.show_snapshot(make_snapshot(means, covs, labels), identical=((0, 1, 2),))
    drawn = [c for c in range(3) if visible_levels(canvas, c)]
    assert drawn == [0]
    texts = [label.toPlainText() for label in canvas._labels[:3] if label.isVisible()]
    assert texts == ["0\u20132 identical"]
    assert len(canvas._means.getData()[0]) == 1
    np.testing.assert_array_equal(
        np.array(canvas._means.fills[0].color().getRgb()[:3]), component_colors(3)[0])
    # Distinct again: each drawn and numbered.
    canvas.show_snapshot(make_snapshot(np.array([[0.0, 0.0], [5.0, 0.0], [0.0, 5.0]]), covs,
                                       labels))
    assert [c for c in range(3) if visible_levels(canvas, c)] == [0, 1, 2]


def test_flag_only_event_is_not_a_reset_and_flagged_ellipse_is_dashed(canvas):
    X, labels, centers, covs = three_blobs()
    canvas.set_points(X)
    snapshot = make_snapshot(centers, covs, labels, flagged=[False, True, False],
                             events=[event(1, action="flag")])
    canvas.show_snapshot(snapshot)
    assert not canvas._reset_star.isVisible()
    dashed = QtCore.Qt.PenStyle.DashLine
    assert canvas.ellipse_curves()[1][0].opts["pen"].style() == dashed
    assert canvas.ellipse_curves()[0][0].opts["pen"].style() != dashed


def test_snapshot_arrays_are_not_modified(canvas):
    X, labels, centers, covs = three_blobs()
    labels.setflags(write=False)
    snapshot = make_snapshot(centers, covs, labels)
    canvas.set_points(X)
    canvas.show_snapshot(snapshot)  # read-only arrays: any write would raise
    canvas.set_density_mode("contours")
    canvas.grab()


# --------------------------------------------------------------------- loglik plot
@pytest.fixture
def loglik(qtbot):
    widget = LogLikelihoodPlot()
    qtbot.addWidget(widget)
    widget.resize(700, 260)
    widget.show()
    return widget


def test_loglik_plot_markers_and_readout(loglik):
    iterations = np.arange(0, 30)
    values = -1000.0 + 10.0 * iterations
    loglik.show_history(iterations, values, [3, 3, 7], converged_at=29, current=10)
    assert loglik.point_count() == 30
    assert loglik.visible_recovery_lines() == 2  # one per distinct iteration
    assert len(loglik._recovery_marks.data) == 2
    assert loglik._converged_star.isVisible() and loglik._converged_line.isVisible()
    assert loglik._current_line.value() == 10
    text = loglik.readout_text()
    assert "iteration 10" in text and "-900.00" in text and "+10" in text
    assert not loglik.grab().isNull()

    loglik.show_history(iterations[:5], values[:5], [], None, None)
    assert loglik.visible_recovery_lines() == 0
    assert not loglik._converged_star.isVisible() and not loglik._current_line.isVisible()
    assert "iteration 4" in loglik.readout_text()

    loglik.reset()
    assert loglik.point_count() == 0
    assert "no iterations" in loglik.readout_text()


def test_loglik_plot_handles_thousands_of_iterations_and_scales(loglik):
    iterations = np.arange(5000)
    values = -2.0 - np.exp(-iterations / 500.0)
    values[100] = np.nan  # a gap, not a crash
    loglik.set_scale("mean")
    assert "mean" in loglik.getPlotItem().getAxis("left").labelText
    loglik.show_history(iterations, values, list(range(0, 5000, 10)), None, 4999)
    assert loglik.visible_recovery_lines() == 200  # capped; every recovery has a triangle
    assert len(loglik._recovery_marks.data) == 499  # iteration 100 has no finite value
    assert not loglik.grab().isNull()
    with pytest.raises(ValueError, match="scale"):
        loglik.set_scale("median")


def _sawtooth(n):
    iterations = np.arange(n)
    values = np.where(iterations % 2 == 0, -1000.0, -1300.0) + np.sin(iterations)
    return iterations, values


def test_loglik_long_history_hands_the_curve_a_bounded_envelope(loglik):
    """20,000 iterations: about two points per pixel column, drops and range kept."""
    iterations, values = _sawtooth(20_000)
    values[12_345] = -9_000.0  # one deep drop (a recovery): it must stay visible
    values[7_000:7_400] = np.nan  # a gap wider than a pixel column stays a gap
    loglik.show_history(iterations, values, [12_345], None, 19_999)
    x, y = loglik._curve.getData()
    width = loglik.getViewBox().width()
    assert 0 < len(x) <= 4 * width
    assert np.nanmin(y) == np.nanmin(values) == -9_000.0
    assert np.nanmax(y) == np.nanmax(values)
    assert 12_345 in x
    drawn = np.isfinite(y)
    np.testing.assert_array_equal(y[drawn], values[x[drawn].astype(int)])  # real points
    assert np.isnan(y[(x >= 7_000) & (x < 7_400)]).all()
    # Markers and readout use the exact history.
    assert loglik.point_count() == 20_000
    assert "iteration 19999" in loglik.readout_text()
    assert loglik._recovery_marks.data["y"].tolist() == [-9_000.0]
    pen = loglik._curve.opts["pen"]
    assert pen.widthF() <= 1 and pen.isCosmetic() and not loglik._curve.opts["antialias"]
    assert not loglik.grab().isNull()


def test_loglik_zoomed_in_draws_every_iteration_in_view(loglik):
    iterations, values = _sawtooth(20_000)
    loglik.show_history(iterations, values, [], None, None)
    loglik.getViewBox().setXRange(1_000, 1_100, padding=0)
    x, y = loglik._curve.getData()
    assert len(x) <= 4 * loglik.getViewBox().width()
    inside = (x >= 1_000) & (x <= 1_100)
    assert x[inside].tolist() == list(range(1_000, 1_101))
    # The bounds of the whole curve stay exact (for "view all").
    assert x.min() == 0 and x.max() == 19_999
    assert y.min() == values.min() and y.max() == values.max()


def test_loglik_short_smooth_curve_keeps_the_wide_antialiased_pen(loglik):
    iterations = np.arange(60)
    values = -1000.0 + 300.0 * (1 - np.exp(-iterations / 10.0))
    loglik.show_history(iterations, values, [], None, None)
    x, _ = loglik._curve.getData()
    assert len(x) == 60  # nothing to reduce
    assert loglik._curve.opts["pen"].widthF() == 2 and loglik._curve.opts["antialias"]
    # A short curve that zigzags over the whole height is drawn thin (a wide pen costs
    # more with its length in pixels than with its number of points).
    loglik.show_history(*_sawtooth(60), [], None, None)
    assert loglik._curve.opts["pen"].widthF() <= 1


def test_loglik_recovery_marks_follow_a_growing_history_exactly(loglik):
    """Marks are added as the run goes on, and rebuilt when the history changes."""
    iterations, values = _sawtooth(3_000)
    recoveries = list(range(1, 3_000, 2))
    for n in (1_000, 1_500, 3_000):  # a run that goes on: new marks are added
        shown = [r for r in recoveries if r < n]
        loglik.show_history(iterations[:n], values[:n], shown, None, n - 1)
        data = loglik._recovery_marks.data
        assert data["x"].tolist() == shown
        assert data["y"].tolist() == values[shown].tolist()
    loglik.set_scale("mean")  # other values for the same iterations: rebuilt
    loglik.show_history(iterations, values / 100, recoveries, None, None)
    assert loglik._recovery_marks.data["y"].tolist() == (values[recoveries] / 100).tolist()
    loglik.show_history(iterations[:500], values[:500], [7], None, None)  # a new run
    assert loglik._recovery_marks.data["x"].tolist() == [7]
    loglik.show_history(iterations[:500], values[:500], [], None, None)
    assert not loglik._recovery_marks.isVisible()


def test_loglik_recovery_lines_are_one_item_across_the_view(loglik):
    import pyqtgraph as pg

    iterations, values = _sawtooth(5_000)
    loglik.show_history(iterations, values, list(range(0, 5_000, 3)), None, 4_999)
    assert loglik.visible_recovery_lines() == 200  # the most recent ones
    lines = [item for item in loglik.getPlotItem().items if isinstance(item, pg.InfiniteLine)]
    assert len(lines) == 2  # only "converged" and "current"; recoveries are one curve
    x, y = loglik._recovery_lines.getData()
    assert sorted(set(x.tolist())) == list(range(4_998 - 3 * 199, 5_000, 3))
    loglik.getViewBox().setYRange(-5_000.0, 5_000.0, padding=0)  # each spans the view
    _, y = loglik._recovery_lines.getData()
    assert y.min() <= -5_000 and y.max() >= 5_000


def test_column_envelope_keeps_each_columns_extremes_in_order():
    from gmm_viz.gui.views.loglik_plot import column_envelope

    rng = np.random.default_rng(3)
    x = np.arange(5_000, dtype=float)
    y = np.cumsum(rng.standard_normal(5_000))
    xd, yd = column_envelope(x, y, (0.0, 4_999.0), 100)
    assert len(xd) <= 2 * 100 + 8
    assert np.all(np.diff(xd) >= 0)  # in order
    column = np.minimum((x * 100 / 4_999.0).astype(int), 99)
    drawn_column = np.minimum((xd * 100 / 4_999.0).astype(int), 99)
    for c in range(100):
        assert yd[drawn_column == c].min() == y[column == c].min()
        assert yd[drawn_column == c].max() == y[column == c].max()
    # Short input is returned as is.
    _, ys = column_envelope(x[:50], y[:50], (0.0, 49.0), 100)
    np.testing.assert_array_equal(ys, y[:50])


def test_loglik_click_emits_the_nearest_iteration(loglik, qtbot):
    loglik.show_history(np.arange(0, 50), np.linspace(-10, -1, 50), [], None, None)
    loglik.getViewBox().setRange(xRange=(0, 49), padding=0)
    scene = loglik.getViewBox().mapViewToScene(QtCore.QPointF(20.2, -5.0))
    point = loglik.mapFromScene(scene)
    with qtbot.waitSignal(loglik.sigIterationClicked, timeout=2000) as blocker:
        qtbot.mouseClick(loglik.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=point)
    assert blocker.args == [20]


# ------------------------------------------------------------------------ benchmark
def test_draw_benchmark_runs_and_formats():
    from gmm_viz.bench.drawing import PYQTGRAPH, format_table, run_draw_benchmark

    rows = run_draw_benchmark(sizes=(2_000,), repeats=1)
    assert {r["method"] for r in rows} >= {PYQTGRAPH}
    assert all(r["ms"] > 0 for r in rows)
    table = format_table(rows)
    assert "2,000" in table and "vs pyqtgraph" in table


def test_symbol_atlases_stop_growing_however_many_frames_and_runs(canvas):
    # pyqtgraph's scatter caches one rendered symbol per pen/brush *object*: a new brush
    # for each frame grew its atlas (and memory) with every frame and every restart.
    X, labels, centers, covs = three_blobs()
    canvas.set_points(X)
    rng = np.random.default_rng(1)
    items = (canvas._reset_star, canvas._reset_ring, canvas._reset_origin)

    def play(n_frames, k):
        for i in range(n_frames):
            means = centers[:k] + rng.normal(scale=0.3, size=(k, 2))
            events = (event(0, iteration=i, old_mean=(1.0, 1.0)),) if i % 10 == 0 else ()
            canvas.show_snapshot(make_snapshot(means, covs[:k], labels % k, events=events,
                                               iteration=i))
            canvas.grab()  # paint: symbols are rendered into the atlas when drawn

    play(30, 3)
    for run in range(5):  # restarted runs with another k, then back
        canvas.clear_model()
        play(30, 2 + run % 2)
        play(30, 3)
    # The re-placement markers: a few symbols, whatever the number of frames.
    assert all(len(item.fragmentAtlas) <= 4 for item in items)


def test_run_frames_benchmark_runs_and_formats():
    from gmm_viz.bench.drawing import format_run_frames, run_frames_benchmark

    rows = run_frames_benchmark(sizes=(300,), n_frames=3, settings=(((1, 2), "contours"),))
    assert [(r["n_points"], r["density"], r["frames"]) for r in rows] == [(300, "contours", 2)]
    assert all(r["ms"] > 0 for r in rows)
    assert "300" in format_run_frames(rows)


def test_contour_segments_of_several_levels_are_those_of_each_level_in_order():
    xs, ys = np.linspace(-2, 2, 41), np.linspace(-1.5, 2.5, 37)
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    f = np.exp(-(gx ** 2 + gy ** 2)) + 0.6 * np.exp(-((gx - 1) ** 2 + (gy - 1) ** 2) * 4)
    levels = [0.9, 0.5, 0.2, 0.05]
    one_by_one = np.concatenate([contour_segments(f, xs, ys, level) for level in levels])
    np.testing.assert_array_equal(contour_segments(f, xs, ys, levels), one_by_one)
    assert contour_segments(f, xs, ys, [5.0]).shape == (0, 2)


def test_ellipses_item_draws_finite_outlines_within_its_bounds(canvas):
    from gmm_viz.gui.views.ellipses_item import EllipsesItem

    X, labels, centers, covs = three_blobs()
    canvas.set_points(X)
    covs = covs.copy()
    covs[1] = np.nan  # a degenerate component: no outline, the others still drawn
    with np.errstate(invalid="ignore"):
        snapshot = make_snapshot(centers, covs, labels)
    canvas.show_snapshot(snapshot)
    assert visible_levels(canvas, 0) == [1, 2] and visible_levels(canvas, 1) == []
    item = next(i for i in canvas.getPlotItem().items if isinstance(i, EllipsesItem))
    rect = item.boundingRect()
    for row in canvas.ellipse_curves():
        for outline in row:
            if outline.isVisible():
                x, y = outline.getData()
                assert rect.left() < x.min() and x.max() < rect.right()
                assert rect.top() < y.min() and y.max() < rect.bottom()
    with pytest.raises(ValueError, match="outlines"):
        item.set_ellipses(np.zeros((2, 121, 2)), [[None]])


def test_segments_item_skips_segments_with_a_non_finite_end():
    import pyqtgraph as pg

    from gmm_viz.gui.views.segments_item import SegmentsItem

    item = SegmentsItem(pg.mkPen(0, 0, 0))
    item.set_segments(np.array([[0.0, 0.0], [1.0, 1.0], [np.nan, 0.0], [2.0, 2.0],
                                [3.0, 0.0], [4.0, -1.0]]))
    x, y = item.getData()
    np.testing.assert_array_equal(x, [0.0, 1.0, 3.0, 4.0])
    np.testing.assert_array_equal(y, [0.0, 1.0, 0.0, -1.0])
    with pytest.raises(ValueError, match="n_segments"):
        item.set_segments(np.zeros((3, 2)))


@pytest.mark.parametrize("half_width", [3.0, 1e-4])  # device segments; exact path (far zoom)
def test_an_outline_is_drawn_in_its_shade_at_any_zoom(canvas, half_width):
    X, labels, centers, _ = three_blobs()
    covs = np.array([np.diag([4.0, 1.0]), np.eye(2), np.diag([1.0, 0.25])])
    canvas.set_points(X)
    canvas.show_snapshot(make_snapshot(centers, covs, labels))
    # (2, 0) is on component 0's 1-sigma outline (mean 0, semi-axes 2 and 1).
    canvas.getViewBox().setRange(xRange=(2.0 - half_width, 2.0 + half_width),
                                 yRange=(-half_width, half_width), padding=0)
    shade = np.round(component_colors(3)[0] * 0.68)
    assert np.abs(pixel_at(canvas, 2.0, 0.0) - shade).max() <= 25


def test_a_mean_is_a_disc_of_its_colour_over_a_white_halo_at_any_zoom(canvas):
    X, labels, centers, covs = three_blobs()
    canvas.set_points(X)
    canvas.set_sigma_levels((3,))  # outlines far from the means' discs
    means = centers.astype(float).copy()
    means[2] = np.nan  # not drawn, and nothing else is lost with it
    canvas.show_snapshot(make_snapshot(means, covs, labels))
    assert len(canvas._means.getData()[0]) == 2

    def pixel_off(c, dx_px):
        scene = canvas.getViewBox().mapViewToScene(QtCore.QPointF(*centers[c]))
        point = canvas.mapFromScene(scene)
        color = canvas.grab().toImage().pixelColor(point.x() + dx_px, point.y())
        return np.array([color.red(), color.green(), color.blue()])

    for c in (0, 1):
        assert np.abs(pixel_off(c, 0) - component_colors(3)[c]).max() <= 3  # the disc
        assert np.abs(pixel_off(c, 5) - component_colors(3)[c]).max() <= 3
        assert pixel_off(c, 9).min() >= 235  # the halo: white around the outline
    canvas.set_ui_scale(1.5)  # 21 px discs: 8 px from the centre is inside now
    assert np.abs(pixel_off(0, 8) - component_colors(3)[0]).max() <= 3
    assert pixel_off(0, 13).min() >= 235


def test_an_empty_component_is_drawn_faded_dotted_and_labelled_empty(canvas):
    """A component with less than one point's worth of weight is not drawn like a live
    one: dotted faded outlines, a hollow mean, "empty" beside its number."""
    X, labels, centers, covs = three_blobs()
    weights = np.array([0.6, 0.3999, 0.0001])  # 0.01 of a point's worth for component 2
    canvas.set_points(X)
    canvas.show_snapshot(make_snapshot(centers, covs, labels, weights=weights))
    curves = canvas.ellipse_curves()
    dotted = QtCore.Qt.PenStyle.DotLine
    assert curves[2][0].opts["pen"].style() == dotted
    assert all(curves[c][0].opts["pen"].style() != dotted for c in (0, 1))
    live = np.array(curves[0][0].opts["pen"].color().getRgb()[:3])
    faded = np.array(curves[2][0].opts["pen"].color().getRgb()[:3])
    assert faded.mean() > live.mean() + 40  # nearer to white
    texts = [label.toPlainText() for label in canvas._labels[:3]]
    assert texts == ["0", "1", "2 empty"]
    brushes = canvas._means.fills
    assert brushes[2].color().getRgb()[:3] == (255, 255, 255)
    assert brushes[0].color().getRgb()[:3] != (255, 255, 255)


def test_the_sigma_legend_names_the_levels_drawn_and_their_share_of_a_gaussian(canvas):
    X, labels, centers, covs = three_blobs()
    canvas.set_points(X)
    assert canvas.sigma_legend_text() == ""  # no model, no outlines, no legend
    canvas.show_snapshot(make_snapshot(centers, covs, labels))
    assert canvas.sigma_legend_text() == "━━ 1σ (39%)  ━━ 2σ (86%)"
    canvas.set_sigma_levels((1, 2, 3))
    assert canvas.sigma_legend_text().endswith("3σ (99%)")
    canvas.set_sigma_levels(())
    assert canvas.sigma_legend_text() == ""
    # The share is the mass of a 2-D Gaussian within that Mahalanobis radius.
    rng = np.random.default_rng(0)
    z = rng.standard_normal((200_000, 2))
    r2 = (z ** 2).sum(axis=1)
    for level, share in ((1, 0.393), (2, 0.865), (3, 0.989)):
        assert np.mean(r2 <= level ** 2) == pytest.approx(share, abs=0.005)


# ---------------------------------------------------------- changes too small to see
def _settle(canvas):
    from PyQt6.QtWidgets import QApplication

    for _ in range(3):
        QApplication.processEvents()


def _drawn_outline(canvas, component=0):
    x, y = canvas.ellipse_curves()[component][0].getData()
    return np.column_stack([x, y])


def _repaints_of(canvas, show):
    """How many times the canvas's scene asked for a repaint while ``show()`` ran."""
    _settle(canvas)
    changes = []
    canvas.scene().changed.connect(changes.append)
    try:
        show()
        _settle(canvas)
    finally:
        canvas.scene().changed.disconnect(changes.append)
    return len(changes)


def test_a_state_that_moves_nothing_by_a_visible_amount_is_not_redrawn(canvas):
    X, labels, centers, covs = three_blobs()
    canvas.set_points(X)
    canvas.show_snapshot(make_snapshot(centers, covs, labels=labels, iteration=100))
    _settle(canvas)
    drawn = _drawn_outline(canvas)
    sx, sy = canvas.getViewBox().viewPixelSize()
    # A converging run's next state: every mean a thousandth of a pixel further.
    nudged = centers + [0.001 * sx, 0.001 * sy]
    repaints = _repaints_of(canvas, lambda: canvas.show_snapshot(
        make_snapshot(nudged, covs, labels=labels.copy(), iteration=101)))
    assert repaints == 0
    np.testing.assert_array_equal(_drawn_outline(canvas), drawn)
    # A visible move (half a pixel) is drawn, where the new state puts it.
    moved = centers + [0.5 * sx, 0.0]
    repaints = _repaints_of(canvas, lambda: canvas.show_snapshot(
        make_snapshot(moved, covs, labels=labels, iteration=102)))
    assert repaints > 0
    np.testing.assert_allclose(_drawn_outline(canvas), drawn + [0.5 * sx, 0.0], atol=1e-12)


def test_small_changes_that_add_up_to_a_visible_one_are_drawn(canvas):
    """The canvas compares with what it drew, so the picture never lags the newest state
    by a visible amount."""
    from gmm_viz.gui.views.visible_change import INVISIBLE_SHIFT_PX

    X, labels, centers, covs = three_blobs()
    canvas.set_points(X)
    canvas.show_snapshot(make_snapshot(centers, covs, labels=labels))
    _settle(canvas)
    first = _drawn_outline(canvas)
    sx, _ = canvas.getViewBox().viewPixelSize()
    step = 0.4 * INVISIBLE_SHIFT_PX * sx
    for n in range(1, 6):
        canvas.show_snapshot(make_snapshot(centers + [n * step, 0.0], covs, labels=labels,
                                           iteration=1 + n))
        lag = np.abs((first[:, 0] + n * step) - _drawn_outline(canvas)[:, 0]).max()
        assert lag < INVISIBLE_SHIFT_PX * sx
    assert not np.array_equal(_drawn_outline(canvas), first)


def test_new_labels_or_a_new_look_of_the_same_means_are_drawn(canvas):
    X, labels, centers, covs = three_blobs()
    canvas.set_points(X)
    canvas.show_snapshot(make_snapshot(centers, covs, labels=labels))
    swapped = labels.copy()
    swapped[:10] = 2
    assert _repaints_of(canvas, lambda: canvas.show_snapshot(
        make_snapshot(centers, covs, labels=swapped, iteration=2))) > 0
    # The same state flagged by a rule: dashed outlines, so drawn again.
    assert _repaints_of(canvas, lambda: canvas.show_snapshot(
        make_snapshot(centers, covs, labels=swapped, flagged=[True, False, False],
                      iteration=3))) > 0
    pen = canvas.ellipse_curves()[0][0].opts["pen"]
    assert pen.style() != QtCore.Qt.PenStyle.SolidLine
    # A re-placement marker belongs to the state it comes with.
    assert _repaints_of(canvas, lambda: canvas.show_snapshot(
        make_snapshot(centers, covs, labels=swapped, iteration=4),
        replacements=(event(1, old_mean=(2.0, 2.0)),))) > 0
