"""The headless command line: gmm-viz fit and gmm-viz render."""

import json

import imageio.v2 as imageio
import numpy as np
import pytest
from media import read_frames

from gmm_viz.cli import main
from gmm_viz.runs import load_run
from gmm_viz.scenarios import get_scenario, run_scenario


def test_fit_json_prints_parameters_history_and_events(capsys):
    assert main(["fit", "--scenario", "collapse", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    _, snaps = run_scenario(get_scenario("collapse"))
    result = document["result"]
    assert result["n_iter"] == snaps[-1].iteration
    np.testing.assert_allclose(result["means"], snaps[-1].means)
    assert [it["log_likelihood"] for it in document["iterations"]] == [
        s.log_likelihood for s in snaps]
    assert len(result["events"]) == sum(len(s.events) for s in snaps) > 0
    assert document["settings"]["rule"] == "det"


def test_fit_with_data_options_and_a_saved_run(tmp_path, capsys):
    out = tmp_path / "run.json"
    code = main(["fit", "--dataset", "faithful", "--k", "2", "--init", "kmeans",
                 "--out", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    assert "faithful: 272 points, k=2" in text and "converged" in text
    record = load_run(out)
    assert record.config.n_components == 2 and record.X.shape == (272, 2)


@pytest.mark.parametrize("argv, words", [
    (["fit", "--k", "0"], "k must be from 1"),
    (["fit", "--dataset", "nope"], "unknown data set"),
    (["fit", "--csv", "/no/such/file.csv"], "file.csv"),
    (["fit", "--remedy"], "--remedy goes with --scenario"),
    (["fit", "--scenario", "nope"], "unknown scenario"),
    (["fit", "--dataset", "faithful", "--k", "2", "--out", "/no/such/folder/run.json"],
     "could not write the run file"),
    (["render", "--out", "x.txt"], ".png, .svg, .gif or .mp4"),
    (["render", "--out", "/no/such/folder/x.png"], "does not exist"),
    (["render", "--scenario", "ideal"], "--out"),
    (["render", "--out", "a.gif", "--size", "10x10"], "size must be"),
])
def test_bad_arguments_are_one_line_errors_with_status_2(argv, words, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert words in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_fit_refuses_k_above_distinct_points(tmp_path, capsys):
    csv = tmp_path / "few.csv"
    csv.write_text("a,b\n1,2\n1,2\n3,4\n")
    assert main(["fit", "--csv", str(csv), "--k", "3"]) == 2
    assert "distinct points" in capsys.readouterr().err


def test_render_png_of_the_final_state(tmp_path):
    out = tmp_path / "final.png"
    assert main(["render", "--scenario", "ideal", "--out", str(out), "--size", "640x360"]) == 0
    image = imageio.imread(out)
    assert image.shape[:2] == (360, 640)
    assert image.std() > 10  # something was drawn


def test_render_svg_is_vector_with_one_shape_per_point(tmp_path):
    out = tmp_path / "final.svg"
    assert main(["render", "--scenario", "ideal", "--out", str(out)]) == 0
    text = out.read_text()
    assert text.lstrip().startswith("<?xml")
    assert text.count("<circle") >= 500  # the study's 500 points, as vector circles
    assert "<image" not in text  # no embedded raster
    from PyQt6.QtSvg import QSvgRenderer

    assert QSvgRenderer(str(out)).isValid()


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_render_animation_has_one_frame_per_iteration(tmp_path, suffix):
    out = tmp_path / f"run{suffix}"
    code = main(["render", "--scenario", "ideal", "--out", str(out), "--iterations", "12",
                 "--fps", "5", "--size", "480x270"])
    assert code == 0
    frames = read_frames(out)
    assert len(frames) == 13  # iterations 0..12
    assert frames[0].shape[:2] == (270, 480)
    assert not np.array_equal(frames[0], frames[-1])  # the run moves


def test_render_samples_long_runs(tmp_path):
    out = tmp_path / "run.gif"
    assert main(["render", "--scenario", "moons", "--out", str(out), "--max-frames", "10",
                 "--size", "400x240"]) == 0
    assert len(read_frames(out)) == 10


def test_fit_reports_the_same_bic_as_sklearn(capsys):
    from sklearn.mixture import GaussianMixture

    from gmm_viz.data import make_dataset

    assert main(["fit", "--dataset", "faithful", "--k", "2", "--init", "kmeans", "--json",
                 "--rule", "none", "--tol", "1e-8"]) == 0
    result = json.loads(capsys.readouterr().out)["result"]
    X = make_dataset("faithful").X
    model = GaussianMixture(2)
    model.weights_ = np.array(result["weights"])
    model.means_ = np.array(result["means"])
    model.covariances_ = np.array(result["covariances"])
    model.precisions_cholesky_ = np.linalg.cholesky(np.linalg.inv(model.covariances_))
    assert result["bic"] == pytest.approx(model.bic(X), rel=1e-9)


def test_every_frame_has_the_requested_size_even_with_a_long_title(tmp_path):
    out = tmp_path / "remedy.gif"
    assert main(["render", "--scenario", "needle", "--remedy", "--out", str(out),
                 "--size", "500x300", "--iterations", "6"]) == 0
    sizes = {frame.shape[:2] for frame in read_frames(out)}
    assert sizes == {(300, 500)}
