"""Saving a run as JSON, opening it again, replaying it; responsibilities as CSV."""

import json
import re

import numpy as np
import pytest

from gmm_viz.data import load_csv
from gmm_viz.engine import EMConfig, EMEngine
from gmm_viz.run.run_file import (
    RunFileError,
    generator_source,
    load_run,
    points_source,
    save_responsibilities_csv,
    save_run,
)
from gmm_viz.scenarios import get_scenario, run_scenario


def test_a_saved_scenario_run_replays_to_the_same_parameters(tmp_path):
    scenario = get_scenario("collapse")  # has recovery events: the random stream matters
    _, snaps = run_scenario(scenario)
    path = save_run(tmp_path / "run.json", scenario.config, generator_source("blobs"), snaps)
    record = load_run(path)
    assert len(record.snapshots) == len(snaps)
    assert record.config == scenario.config
    for saved, original in zip(record.snapshots, snaps, strict=True):
        np.testing.assert_array_equal(saved.means, original.means)
        assert saved.log_likelihood == original.log_likelihood
        assert saved.events == original.events
    replayed = record.replay()
    for again, original in zip(replayed, snaps, strict=True):
        np.testing.assert_array_equal(again.means, original.means)
        np.testing.assert_array_equal(again.covariances, original.covariances)
        assert again.events == original.events


def test_points_are_embedded_for_loaded_data(tmp_path):
    csv = tmp_path / "d.csv"
    rng = np.random.RandomState(0)
    np.savetxt(csv, rng.normal(size=(50, 2)), delimiter=",", header="a,b", comments="")
    X = load_csv(csv).X
    config = EMConfig(n_components=2, means_init=np.array([[0.0, 0.0], [1.0, 1.0]]))
    engine = EMEngine(X, config)
    snaps = [engine.snapshot] + [engine.step() for _ in range(5)]
    path = save_run(tmp_path / "r.json", config, points_source(str(csv)), snaps, X=X)
    csv.unlink()  # the original file may be gone: the run still opens
    record = load_run(path)
    np.testing.assert_array_equal(record.X, X)
    np.testing.assert_array_equal(record.config.means_init, config.means_init)
    np.testing.assert_array_equal(record.replay()[-1].means, snaps[-1].means)
    document = json.loads(path.read_text())
    assert document["format"] == "gmm-viz run" and len(document["iterations"]) == 6


@pytest.mark.parametrize("content, words", [
    (None, "file not found"),
    ("{not json", "not a readable JSON"),
    ('{"a": 1}', "not a gmm-viz run"),
    ('{"format": "gmm-viz run", "version": 1, "settings": {}}', "damaged or incomplete"),
    (('{"format": "gmm-viz run", "version": 1, "settings": [], "data_source": {}, '
     '"iterations": []}'), "'settings' should be a dict"),
])
def test_bad_run_files_get_clear_messages(tmp_path, content, words):
    path = tmp_path / "bad.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(RunFileError, match=words) as info:
        load_run(path)
    assert str(path) in str(info.value)


def test_responsibilities_csv_reads_back(tmp_path):
    X = np.random.RandomState(1).normal(size=(30, 2))
    engine = EMEngine(X, EMConfig(n_components=3))
    resp = engine.responsibilities()
    path = save_responsibilities_csv(tmp_path / "resp.csv", X, resp, ("a", "b"))
    table = np.loadtxt(path, delimiter=",", skiprows=1)
    assert path.read_text().splitlines()[0] == "a,b,resp_0,resp_1,resp_2,label"
    np.testing.assert_allclose(table[:, 2:5], resp, rtol=1e-9)
    np.testing.assert_array_equal(table[:, 5], resp.argmax(axis=1))


def test_feature_names_of_loaded_data_survive_a_run_file(tmp_path):
    csv = tmp_path / "geyser.csv"
    csv.write_text("eruption,waiting\n3.6,79\n1.8,54\n3.3,74\n2.3,62\n4.5,85\n")
    dataset = load_csv(csv)
    engine = EMEngine(dataset.X, EMConfig(n_components=2))
    path = save_run(tmp_path / "r.json", engine.config,
                    points_source(str(csv), dataset.feature_names), [engine.snapshot],
                    X=dataset.X)
    assert load_run(path).feature_names == ("eruption", "waiting")


def _saved_document(tmp_path):
    scenario = get_scenario("ideal")
    _, snaps = run_scenario(scenario, iterations=5)
    path = save_run(tmp_path / "good.json", scenario.config, generator_source("blobs"), snaps)
    return json.loads(path.read_text())


@pytest.mark.parametrize("damage, words", [
    (lambda d: d["iterations"][3]["covariances"][0].__setitem__(0, [-1.0, 0.0]),
     "iteration 3: a covariance is not"),
    (lambda d: d["iterations"][2]["means"][1].__setitem__(0, float("nan")),
     "iteration 2: means holds values that are not finite"),
    (lambda d: d["iterations"][1].__setitem__("flagged", [False]),
     "iteration 1: flagged must be a list of 5 true/false values"),
    (lambda d: d["iterations"][1].__setitem__("nk", [1.0]),
     "iteration 1: nk has shape (1,), expected (5,)"),
    (lambda d: d["iterations"][1].__setitem__("weights", [0.9, 0.9, 0.1, 0.1, 0.1]),
     "weights must be >= 0 and sum to 1"),
    (lambda d: d.__setitem__("data_source", ["blobs"]), "'data_source' should be a dict"),
    # Thinned histories may skip iterations, but the numbers must strictly increase.
    (lambda d: d["iterations"].insert(2, d["iterations"].pop(3)), "strictly increasing"),
    (lambda d: d.__setitem__("data_source", {"kind": "points"}) or d.__setitem__(
        "points", [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]), "distinct points"),
    (lambda d: d.__setitem__("data_source", {"kind": "points"}) or d.__setitem__(
        "points", [[1.0], [2.0], [3.0]]), "at least 2 numeric columns"),
])
def test_damaged_run_files_are_refused_with_what_is_wrong(tmp_path, damage, words):
    document = _saved_document(tmp_path)
    damage(document)
    path = tmp_path / "damaged.json"
    # NaN is not JSON: write it the way a careless tool would
    path.write_text(json.dumps(document, allow_nan=True))
    with pytest.raises(RunFileError, match=re.escape(words)) as info:
        load_run(path)
    assert str(path) in str(info.value)
