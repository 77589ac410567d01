"""``--means`` of gmm-viz fit and render: initial means placed by hand, checked."""

import json

import numpy as np
import pytest

from gmm_viz.cli import main
from gmm_viz.data import make_dataset
from gmm_viz.engine import EMConfig
from gmm_viz.run.run_file import load_run
from gmm_viz.run.session import RunSession

MEANS = [[-10.0, -5.0], [0.0, 0.0], [5.0, 3.0]]
MEANS_TEXT = "-10,-5; 0,0; 5,3"


def fit_json(argv, capsys):
    assert main(["fit", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_fit_with_means_is_the_engine_run_with_means_init(capsys):
    document = fit_json(["--dataset", "blobs", f"--means={MEANS_TEXT}", "--seed", "4"],
                        capsys)
    dataset = make_dataset("blobs")
    config = EMConfig(n_components=3, means_init=np.array(MEANS), random_state=4,
                      max_iter=300)
    snapshots = RunSession(dataset, config).run_to_end()
    first, last = document["iterations"][0], document["iterations"][-1]
    # Iteration 0 holds the means given (to the rounding of the engine's standardisation).
    np.testing.assert_allclose(first["means"], MEANS, rtol=1e-12, atol=1e-12)
    assert [it["log_likelihood"] for it in document["iterations"]] == [
        s.log_likelihood for s in snapshots]
    np.testing.assert_array_equal(last["means"], snapshots[-1].means)
    np.testing.assert_array_equal(document["result"]["means"], snapshots[-1].means)


def test_means_set_k_and_any_number_of_features(capsys):
    # iris has four features: four values per mean; k comes from the means.
    text = "5,3.4,1.5,0.2;5.9,2.8,4.3,1.3;6.6,3,5.5,2"
    document = fit_json(["--dataset", "iris", "--means", text, "--init", "kmeans",
                         "--max-iter", "5"], capsys)
    assert document["settings"]["n_components"] == 3
    np.testing.assert_allclose(document["iterations"][0]["means"],
                               [[5, 3.4, 1.5, 0.2], [5.9, 2.8, 4.3, 1.3], [6.6, 3, 5.5, 2]],
                               rtol=1e-12)


def test_a_run_file_keeps_the_means(tmp_path, capsys):
    out = tmp_path / "run.json"
    assert main(["fit", "--dataset", "faithful", "--means", "2,55;4.5,80", "--k", "2",
                 "--out", str(out)]) == 0
    capsys.readouterr()
    record = load_run(out)
    np.testing.assert_array_equal(record.config.means_init, [[2, 55], [4.5, 80]])
    np.testing.assert_allclose(record.snapshots[0].means, [[2, 55], [4.5, 80]], rtol=1e-12)


def test_render_takes_the_means(tmp_path, capsys):
    out = tmp_path / "final.png"
    assert main(["render", "--dataset", "faithful", "--means", "2,55;4.5,80",
                 "--out", str(out), "--size", "400x300"]) == 0
    assert out.stat().st_size > 0
    assert main(["render", "--dataset", "faithful", "--means", "2,55,1;4.5,80,1",
                 "--out", str(out)]) == 2
    assert "3 values per mean but the data has 2 features" in capsys.readouterr().err


@pytest.mark.parametrize("means, words", [
    ("", "give one mean per component"),
    ("1,2;;3,4", "mean 2 is empty"),
    ("1,2;3,x", "mean 2 has 'x', which is not a number"),
    ("1,2;nan,4", "mean 2 has 'nan'; every value must be a finite number"),
    ("1,inf;3,4", "mean 1 has 'inf'; every value must be a finite number"),
    ("1,2;3,4,5", "every mean needs the same number of values: mean 1 has 2, mean 2 has 3"),
    (";".join(["0,0"] * 21), "21 means given; at most 20 components"),
    ("1,2,3;4,5,6", ("--means gives 3 values per mean but the data has 2 features (x1, x2); "
                     "give 2 values per mean")),
])
def test_malformed_means_are_one_line_errors(means, words, capsys):
    assert main(["fit", "--dataset", "blobs", f"--means={means}"]) == 2
    err = capsys.readouterr().err
    assert words in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_means_must_match_k_and_go_without_a_scenario(capsys):
    assert main(["fit", "--dataset", "blobs", "--k", "5", "--means", "0,0;1,1"]) == 2
    assert ("--means gives 2 means but --k is 5; give one mean per component, or leave out "
            "--k") in capsys.readouterr().err
    assert main(["fit", "--scenario", "collapse", "--means", "0,0;1,1"]) == 2
    assert "--means goes with --dataset or --csv" in capsys.readouterr().err
    # Two means on the same point are allowed (the study's same-point start, by hand).
    assert main(["fit", "--dataset", "blobs", "--means", "0,0;0,0", "--max-iter", "3"]) == 0
