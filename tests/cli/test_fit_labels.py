"""gmm-viz fit and true labels: the adjusted Rand index and the label source when the data
knows its groups (a built-in data set, a CSV file's text column), nothing otherwise."""

import json

import numpy as np
import pytest
from scipy.stats import multivariate_normal
from sklearn.datasets import load_iris
from sklearn.metrics import adjusted_rand_score

from gmm_viz.cli import main


def _most_likely_components(X, result):
    """Each point's most likely component under the printed final parameters (scipy)."""
    log_p = np.column_stack([
        np.log(w) + multivariate_normal(mean, cov).logpdf(X)
        for w, mean, cov in zip(result["weights"], result["means"], result["covariances"])
    ])
    return log_p.argmax(axis=1)


def _fit_json(capsys, argv):
    assert main(["fit", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)["result"]


def _iris_csv(tmp_path, with_species=True):
    bunch = load_iris()
    lines = ["sl,sw,pl,pw" + (",species" if with_species else "")]
    for x, y in zip(bunch.data, bunch.target):
        cells = [str(v) for v in x] + ([str(bunch.target_names[y])] if with_species else [])
        lines.append(",".join(cells))
    path = tmp_path / "iris.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_fit_json_gives_the_ari_of_a_built_in_data_set(capsys):
    result = _fit_json(capsys, ["--dataset", "iris", "--k", "3", "--init", "kmeans"])
    bunch = load_iris()
    agreement = result["agreement"]
    assert agreement["label_source"] == "the species"
    assert agreement["label_names"] == ["setosa", "versicolor", "virginica"]
    fitted = _most_likely_components(bunch.data, result)
    assert agreement["ari"] == pytest.approx(adjusted_rand_score(bunch.target, fitted),
                                             abs=1e-12)


def test_fit_json_gives_the_ari_of_a_csv_files_text_column(tmp_path, capsys):
    path = _iris_csv(tmp_path)
    result = _fit_json(capsys, ["--csv", str(path), "--k", "3", "--init", "kmeans"])
    agreement = result["agreement"]
    assert agreement["label_source"] == "column 'species'"
    assert agreement["label_names"] == ["setosa", "versicolor", "virginica"]
    bunch = load_iris()
    fitted = _most_likely_components(bunch.data, result)
    assert agreement["ari"] == pytest.approx(adjusted_rand_score(bunch.target, fitted),
                                             abs=1e-12)


def test_fit_text_says_the_agreement_when_there_are_labels(tmp_path, capsys):
    path = _iris_csv(tmp_path)
    assert main(["fit", "--csv", str(path), "--k", "3", "--init", "kmeans"]) == 0
    text = capsys.readouterr().out
    result = _fit_json(capsys, ["--csv", str(path), "--k", "3", "--init", "kmeans"])
    ari = result["agreement"]["ari"]
    assert (f"Agreement with the true labels (column 'species'): ARI {ari:.2f}"
            in text.splitlines())


@pytest.mark.parametrize("argv", [
    ["--dataset", "faithful", "--k", "2"],
    ["--dataset", "uniform", "--k", "3"],
    ["--csv", "NUMBERS_ONLY", "--k", "3"],
])
def test_fit_says_nothing_about_labels_without_them(tmp_path, capsys, argv):
    argv = [str(_iris_csv(tmp_path, with_species=False)) if a == "NUMBERS_ONLY" else a
            for a in argv]
    result = _fit_json(capsys, argv)
    assert "agreement" not in result
    assert main(["fit", *argv]) == 0
    text = capsys.readouterr().out
    assert "true labels" not in text and "ARI" not in text
