"""gmm-viz render's pictures: display options, compact GIFs, the shared palette."""

import numpy as np
import pytest
from media import gif_structure, read_frames

from gmm_viz.cli import main


# ------------------------------------------------------------------ display options
def _captured_style(monkeypatch):
    """Run ``render`` with the RunRenderer recording the style it was given."""
    from gmm_viz.gui.export import render

    seen = {}
    original = render.RunRenderer.__init__

    def recording(self, *args, **kwargs):
        seen["style"] = kwargs.get("style")
        original(self, *args, **kwargs)

    monkeypatch.setattr(render.RunRenderer, "__init__", recording)
    return seen


def test_render_draws_with_the_display_options(tmp_path, monkeypatch):
    from gmm_viz.gui.export.style import ExportStyle

    seen = _captured_style(monkeypatch)
    out = tmp_path / "run.png"
    assert main(["render", "--scenario", "ideal", "--iterations", "3", "--size", "400x240",
                 "--out", str(out), "--colours", "soft", "--sigma", "1,3", "--density",
                 "image", "--ll-scale", "mean", "--point-size", "6", "--point-alpha",
                 "0.4"]) == 0
    assert seen["style"] == ExportStyle(soft_colours=True, sigma_levels=(1, 3),
                                        density="image", ll_scale="mean", point_size=6,
                                        point_alpha=0.4, axes=(0, 1))


def test_render_defaults_are_the_windows_and_the_scenarios(tmp_path, monkeypatch):
    from gmm_viz.gui.export.style import ExportStyle
    from gmm_viz.gui.panels.controls import DisplayOptions

    seen = _captured_style(monkeypatch)
    for scenario, soft in (("ideal", False), ("soft", True)):
        out = tmp_path / f"{scenario}.png"
        assert main(["render", "--scenario", scenario, "--iterations", "2", "--size",
                     "300x200", "--out", str(out)]) == 0
        window = DisplayOptions()
        assert seen["style"] == ExportStyle(soft_colours=soft, sigma_levels=window.sigma_levels,
                                            density=window.density, ll_scale=window.ll_scale)


def test_render_display_choices_are_the_canvas_ones():
    from gmm_viz.cli import render
    from gmm_viz.gui.views import canvas

    assert render.DENSITY_MODES == canvas.DENSITY_MODES
    assert render.SIGMA_LEVELS == canvas.SIGMA_LEVELS


def test_render_draws_the_chosen_axes_of_wider_data(tmp_path):
    csv = tmp_path / "three.csv"
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(60, 3)) + np.repeat([[0, 0, 0], [5, 5, 9]], 30, axis=0)
    csv.write_text("a,b,c\n" + "\n".join(",".join(f"{v:.4f}" for v in row) for row in rows))
    out = tmp_path / "ac.png"
    assert main(["render", "--csv", str(csv), "--k", "2", "--axes", "0,2", "--iterations",
                 "3", "--size", "300x200", "--out", str(out)]) == 0


@pytest.mark.parametrize("argv, words", [
    (["--sigma", "4"], ["sigma levels", "1, 2 and 3"]),
    (["--density", "fog"], ["density mode", "contours"]),
    (["--ll-scale", "log"], ["scale", "mean"]),
    (["--point-size", "40"], ["point-size", "1 to 12"]),
    (["--point-alpha", "2"], ["point-alpha", "0.05 to 1"]),
    (["--colours", "rainbow"], ["colour mode", "soft"]),
    (["--axes", "1,1"], ["axes", "different"]),
    (["--axes", "0,5"], ["--axes", "2 features"]),
])
def test_bad_display_options_are_one_line_errors(tmp_path, capsys, argv, words):
    out = tmp_path / "x.png"
    assert main(["render", "--scenario", "ideal", "--iterations", "2", "--out", str(out),
                 *argv]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    for word in words:
        assert word in err, err
    assert not out.exists()


# ------------------------------------------------------------------ compact GIFs
def test_a_rendered_gif_is_one_animation_with_one_palette_and_small_frames(tmp_path):
    out = tmp_path / "moons.gif"
    assert main(["render", "--scenario", "moons", "--out", str(out), "--max-frames", "40",
                 "--size", "480x270"]) == 0
    frames = read_frames(out)
    assert len(frames) == 40 and {f.shape for f in frames} == {(270, 480, 3)}
    gif = gif_structure(out)
    assert gif["frames"] == 40
    # One palette for the whole animation, none per frame.
    assert gif["global_palette"] == 256 and gif["local_palettes"] == 0
    # Only what changed is stored after the first frame: the whole file is well under the
    # size of 40 full frames (each frame was a full frame with its own palette: ~1.0).
    data = np.array(gif["frame_bytes"])
    assert data[1:].max() < data[0]
    assert data.sum() < 0.6 * len(data) * data[0]
    assert out.stat().st_size < 40 * 480 * 270 / 8  # under 0.125 bytes per pixel per frame


# ------------------------------------------------------------------ the GIF writer
def _frames(n, size=(60, 80), colours=None):
    """Distinct RGB frames of shape (height, width, 3): a moving square on a background.

    ``colours``: the background's palette (random colours of every kind when None)."""
    height, width = size
    rng = np.random.default_rng(0)
    if colours is None:
        base = rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8)
    else:
        base = np.asarray(colours, dtype=np.uint8)[rng.integers(0, len(colours),
                                                                 size=(height, width))]
    for i in range(n):
        frame = base.copy()
        frame[5 + 3 * i: 25 + 3 * i, 10:40] = (200, 30 + 20 * i, 90)
        yield frame


def _write(path, frames, delay_cs=20):
    from gmm_viz.gui.export.gif import GifWriter, shared_palette

    writer = GifWriter(path, shared_palette(frames), delay_cs)
    for frame in frames:
        writer.append(frame)
    writer.close()
    return writer


def test_gif_frames_are_written_as_they_come(tmp_path):
    from gmm_viz.gui.export.gif import GifWriter, shared_palette

    path = tmp_path / "stream.gif"
    frames = list(_frames(6))
    writer = GifWriter(path, shared_palette(frames[:2]), 10)
    sizes = []
    for frame in frames:
        writer.append(frame)
        sizes.append(path.stat().st_size)
    writer.close()
    # Each frame reaches the file when the next one arrives (a repeated frame only adds to
    # the delay of the one before): at most one frame is held in memory.
    assert sizes[0] < sizes[1] < sizes[2] < sizes[3] < sizes[4] < sizes[5]
    assert not any(isinstance(v, list) and v for v in vars(writer).values())


def test_a_gif_shows_exactly_the_frames_given_when_they_fit_the_palette(tmp_path):
    from PIL import Image

    colours = np.random.default_rng(1).integers(0, 256, size=(200, 3))
    frames = list(_frames(5, colours=colours))
    frames.insert(3, frames[2].copy())  # a repeated frame: shown twice as long
    path = tmp_path / "exact.gif"
    _write(path, frames, delay_cs=20)
    with Image.open(path) as gif:
        assert gif.info["loop"] == 0
        durations = []
        for index in range(gif.n_frames):
            gif.seek(index)
            durations.append(gif.info["duration"])
    assert durations == [200, 200, 400, 200, 200]
    shown = read_frames(path)
    for got, want in zip(shown, [f for i, f in enumerate(frames) if i != 3], strict=True):
        np.testing.assert_array_equal(got, want)
    structure = gif_structure(path)
    assert structure["local_palettes"] == 0
    # After the first frame only the moving square's rectangle is stored.
    left, top, width, height = structure["boxes"][1]
    assert (left, top, width, height) == (10, 5, 30, 23)


def test_colours_beyond_the_palette_go_to_the_nearest_entry():
    from gmm_viz.gui.export.gif import N_COLOURS, TRANSPARENT, PaletteMap, shared_palette

    rng = np.random.default_rng(2)
    image = rng.integers(0, 256, size=(50, 70, 3), dtype=np.uint8)
    palette = shared_palette([image])
    assert len(palette) == N_COLOURS and len(np.unique(palette, axis=0)) == N_COLOURS
    mapping = PaletteMap(palette)
    indices = mapping(image)
    assert indices.max() < TRANSPARENT
    distances = ((image.reshape(-1, 1, 3).astype(int) - palette[None].astype(int)) ** 2).sum(2)
    np.testing.assert_array_equal(
        distances[np.arange(distances.shape[0]), indices.ravel()], distances.min(axis=1))
    np.testing.assert_array_equal(mapping(palette[None]), np.arange(N_COLOURS)[None])


def test_the_palette_keeps_a_rare_distinct_colour(tmp_path):
    # A few pixels of a colour unlike the rest (the convergence star, a re-placement
    # marker) keep their colour; a median cut merged them into a grey.
    from gmm_viz.gui.export.gif import PaletteMap, shared_palette

    rng = np.random.default_rng(3)
    greys = rng.integers(0, 256, size=(120, 160))
    image = np.repeat(greys[:, :, None], 3, axis=2).astype(np.uint8)
    image[:, :, 2] = np.clip(image[:, :, 2].astype(int) + rng.integers(0, 40, greys.shape), 0, 255)
    image[10:14, 10:14] = (0, 160, 60)  # 16 green pixels
    mapping = PaletteMap(shared_palette([image]))
    assert tuple(mapping.colours[mapping(image)[12, 12]]) == (0, 160, 60)
