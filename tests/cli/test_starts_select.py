"""The headless start race and model selection: gmm-viz starts and gmm-viz select."""

import json

import numpy as np
import pytest
from PIL import Image

from gmm_viz.cli import main
from gmm_viz.data import make_dataset
from gmm_viz.engine import EMConfig
from gmm_viz.run.session import RunSession


def test_starts_json_prints_every_start_as_a_single_run_with_its_seed_ends(capsys):
    assert main(["starts", "--dataset", "blobs", "--k", "5", "--seed", "4", "--n", "3",
                 "--max-iter", "60", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert [s["seed"] for s in document["starts"]] == [4, 5, 6]
    dataset = make_dataset("blobs")
    for start in document["starts"]:
        config = EMConfig(n_components=5, max_iter=60, random_state=start["seed"])
        snaps = RunSession(dataset, config).run_to_end()
        assert start["log_likelihood"] == snaps[-1].log_likelihood
        assert start["iterations"] == snaps[-1].iteration
        assert start["events"] == [e.describe() for s in snaps for e in s.events]
    best = max(document["starts"], key=lambda s: s["mean_log_likelihood"])
    assert document["best"]["seed"] == best["seed"]
    assert sorted(i for o in document["optima"] for i in o["starts"]) == [1, 2, 3]
    assert document["summary"].startswith(f"{len(document['optima'][0]['starts'])} of 3 "
                                           "reached")


def test_starts_text_and_the_small_multiples_picture(tmp_path, capsys):
    out = tmp_path / "grid.png"
    assert main(["starts", "--scenario", "collapse", "--n", "4", "--out", str(out),
                 "--size", "800x600"]) == 0
    text = capsys.readouterr().out
    assert text.count("  start ") == 4 and "of 4 reached" in text and f"wrote {out}" in text
    with Image.open(out) as image:
        assert image.size == (800, 600)
        pixels = np.asarray(image.convert("RGB"))
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 20  # drawn, not blank


def test_select_json_picks_two_components_on_old_faithful_with_full_covariance(capsys):
    assert main(["select", "--dataset", "faithful", "--k", "1-6", "--covariance", "full",
                 "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["best"]["k"] == 2 and document["best"]["covariance_type"] == "full"
    assert [m["k"] for m in document["models"]] == [1, 2, 3, 4, 5, 6]
    best_bic = min(m["bic"] for m in document["models"])
    assert document["best"]["bic"] == best_bic


def test_select_picks_five_on_the_blobs_and_draws_the_plot(tmp_path, capsys):
    out = tmp_path / "bic.png"
    assert main(["select", "--k", "1-8", "--covariance", "full,tied", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "best by BIC: k = 5" in text and "BIC:" in text and "AIC:" in text
    with Image.open(out) as image:
        assert image.size == (1100, 700)


@pytest.mark.parametrize("argv, words", [
    (["select", "--k", "0-3"], "k must be from 1 to 20"),
    (["select", "--k", "x"], "k must look like 1-10"),
    (["select", "--covariance", "full,round"], "unknown covariance type 'round'"),
    (["select", "--dataset", "nope"], "unknown data set 'nope'"),
    (["starts", "--n", "26"], "n must be from 1 to 25"),
    (["starts", "--k", "0"], "k must be from 1"),
    (["starts", "--out", "grid.gif"], "the file name must end in .png"),
    (["select", "--out", "bic.svg"], "the file name must end in .png"),
])
def test_bad_arguments_are_one_line_errors_with_status_2(argv, words, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert words in err and len(err.strip().splitlines()) == 1


def test_select_refuses_k_above_the_distinct_points(tmp_path, capsys):
    csv = tmp_path / "three.csv"
    csv.write_text("x,y\n0,0\n1,1\n2,0.5\n")
    assert main(["select", "--csv", str(csv), "--k", "1-4"]) == 2
    err = capsys.readouterr().err
    assert "k = 4, full" in err and len(err.strip().splitlines()) == 1


def test_out_refuses_a_folder_before_anything_runs(tmp_path, capsys):
    folder = tmp_path / "pictures.png"
    folder.mkdir()
    assert main(["starts", "--out", str(folder)]) == 2
    assert "could not write the PNG picture" in capsys.readouterr().err
