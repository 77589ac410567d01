"""Run files are written all or nothing and read only after they are validated in full.

Every way a run file can be wrong (not a regular file, too large, not JSON, a field of the
wrong type or out of range, a newer version, thinned histories done wrong) is a
:class:`~gmm_viz.run.run_file.RunFileError` whose message starts with the file's name; anything
:func:`~gmm_viz.run.run_file.load_run` returns is a record the app can show and replay.
"""

import itertools
import json
import os
import random
import re
from dataclasses import fields

import numpy as np
import pytest

from gmm_viz import limits
from gmm_viz.engine import EMConfig, EMEngine, SingularityEvent
from gmm_viz.engine.config import RECOVERIES, SINGLE_RULES
from gmm_viz.run import run_file as runs
from gmm_viz.run.run_file import (
    RunFileError,
    RunRecord,
    generator_source,
    load_run,
    points_source,
    save_responsibilities_csv,
    save_run,
)
from gmm_viz.scenarios import get_scenario, run_scenario

# ---------------------------------------------------------------------------- helpers


def _collapse_run(iterations=6):
    """A short run with recovery events (the collapse scenario), for documents to damage."""
    scenario = get_scenario("collapse")
    _, snaps = run_scenario(scenario, iterations=iterations)
    return scenario, snaps


@pytest.fixture(scope="module")
def collapse_run():
    scenario, snaps = _collapse_run(12)
    assert any(s.events for s in snaps), "the collapse scenario should have events early on"
    return scenario, snaps


def _document(tmp_path, collapse_run):
    scenario, snaps = collapse_run
    path = save_run(tmp_path / "good.json", scenario.config,
                    generator_source(scenario.data.name, scenario.data.n_samples,
                                     scenario.data.random_state, scenario.data.noise), snaps)
    return json.loads(path.read_text())


def _points_document(tmp_path):
    X = np.random.RandomState(3).normal(size=(40, 2))
    config = EMConfig(n_components=2, init="kmeans", rule="none")
    engine = EMEngine(X, config)
    snaps = [engine.snapshot] + [engine.step() for _ in range(3)]
    path = save_run(tmp_path / "points.json", config, points_source("pts", ("a", "b")),
                    snaps, X=X)
    return json.loads(path.read_text())


def _write(tmp_path, document, name="damaged.json"):
    path = tmp_path / name
    # NaN and Infinity are not JSON: write them the way a careless tool would.
    path.write_text(json.dumps(document, allow_nan=True))
    return path


def _refused(path, words=None):
    """load_run(path) raises RunFileError naming the file (and saying ``words``)."""
    with pytest.raises(RunFileError) as info:
        load_run(path)
    message = str(info.value)
    assert message.startswith(os.fspath(path)), message
    if words is not None:
        assert re.search(words, message), message
    assert len(message) <= limits.MAX_MESSAGE_CHARS
    return message


def _first_event_position(document):
    for position, it in enumerate(document["iterations"]):
        if it["events"]:
            return position
    raise AssertionError("no events")


# ------------------------------------------------------------ item 3: writing safely


def _no_leftovers(folder):
    return [p.name for p in folder.iterdir() if ".part" in p.name]


def _save_a_run(target):
    scenario, snaps = _collapse_run(2)
    save_run(target, scenario.config, generator_source("blobs"), snaps)


def _save_responsibilities(target):
    X = np.random.RandomState(1).normal(size=(20, 2))
    save_responsibilities_csv(target, X, EMEngine(X, EMConfig(n_components=2)).responsibilities())


@pytest.mark.parametrize("write, suffix", [(_save_a_run, ".json"),
                                           (_save_responsibilities, ".csv")],
                         ids=["run", "responsibilities"])
@pytest.mark.parametrize("kind", ["folder", "fifo", "device"])
def test_writers_refuse_a_target_that_is_not_a_regular_file(tmp_path, kind, write, suffix):
    if kind == "folder":
        target = tmp_path / "a-folder"
        target.mkdir()
    elif kind == "fifo":
        target = tmp_path / f"pipe{suffix}"
        os.mkfifo(target)
    else:
        target = "/dev/null"
    with pytest.raises(RunFileError) as info:
        write(target)
    message = str(info.value)
    assert message.startswith(os.fspath(target))
    assert ".part" not in message
    assert {"folder": "folder", "fifo": "pipe", "device": "device"}[kind] in message
    assert _no_leftovers(tmp_path) == []
    if kind == "fifo":
        assert os.path.exists(target) and not os.path.isfile(target)  # still the FIFO


def test_a_failed_save_keeps_the_old_file_and_leaves_no_part_file(tmp_path, monkeypatch):
    scenario, snaps = _collapse_run(3)
    target = tmp_path / "run.json"
    target.write_text("the previous run")

    def disk_full(self, text, *args, **kwargs):
        with open(self, "w", encoding="utf-8") as file:
            file.write(text[: len(text) // 2])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(type(target), "write_text", disk_full)
    with pytest.raises(RunFileError) as info:
        save_run(target, scenario.config, generator_source("blobs"), snaps)
    monkeypatch.undo()
    assert str(info.value).startswith(str(target))
    assert "No space left" in str(info.value) and ".part" not in str(info.value)
    assert target.read_text() == "the previous run"
    assert _no_leftovers(tmp_path) == []


def test_a_run_that_cannot_be_serialised_is_a_run_file_error_and_writes_nothing(tmp_path):
    from dataclasses import replace

    scenario, snaps = _collapse_run(2)
    broken = snaps[:-1] + [replace(snaps[-1], log_likelihood=float("nan"))]
    target = tmp_path / "run.json"
    with pytest.raises(RunFileError, match="run.json") as info:
        save_run(target, scenario.config, generator_source("blobs"), broken)
    assert "log_likelihood" in str(info.value)
    assert not target.exists() and _no_leftovers(tmp_path) == []


def test_save_run_writes_only_files_that_open_again(tmp_path):
    # A seed the app's controls cannot hold (the engine accepts it) is refused when saving,
    # with the same message as when opening: never a file that cannot be reopened.
    scenario, snaps = _collapse_run(2)
    config = scenario.config.with_changes(random_state=2**32 - 1)
    target = tmp_path / "run.json"
    with pytest.raises(RunFileError, match=r"seed .*2,147,483,647"):
        save_run(target, config, generator_source("blobs"), snaps)
    assert not target.exists() and _no_leftovers(tmp_path) == []


# ----------------------------------------------------- items 5 and 6: reading safely


def test_load_run_refuses_a_fifo_without_blocking(tmp_path):
    fifo = tmp_path / "run.json"
    os.mkfifo(fifo)
    _refused(fifo, "named pipe")


def test_load_run_refuses_a_folder(tmp_path):
    _refused(tmp_path, "folder")


def test_load_run_refuses_a_file_over_the_size_limit_before_reading_it(tmp_path):
    big = tmp_path / "huge.json"
    with open(big, "wb") as file:  # sparse: no disk space, and nothing may read it whole
        file.truncate(limits.MAX_INPUT_FILE_BYTES + 1)
    _refused(big, "larger than")


def test_running_out_of_memory_while_loading_says_what_to_do(tmp_path, monkeypatch,
                                                             collapse_run):
    path = _write(tmp_path, _document(tmp_path, collapse_run))

    def no_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(json, "loads", no_memory)
    monkeypatch.setattr(runs.json_stream, "loads", no_memory)  # the piecewise decoder
    message = _refused(path, "memory")
    assert "smaller" in message or "close other" in message.lower()


# ------------------------------------------------------ item 4: broken points refused


@pytest.mark.parametrize("points, words", [
    ([[1.0], [2.0], [3.0], [4.0]], "at least 2 numeric columns"),
    ([[0.0, 1.0], [float("nan"), 2.0], [3.0, 1.0], [4.0, 0.0]], "not finite|NaN"),
    ([[0.0, 1.0], [2.0], [3.0, 1.0]], "rectangular|same number"),
    ([["a", "b"], ["c", "d"]], "text"),
    ([[float(i)] * (limits.MAX_FEATURES + 1) for i in range(5)], "50 columns|columns"),
    ("points", "list"),
])
def test_broken_points_are_refused(tmp_path, points, words):
    document = _points_document(tmp_path)
    document["points"] = points
    _refused(_write(tmp_path, document), words)


def test_too_many_points_are_refused_before_they_are_converted(tmp_path, monkeypatch):
    document = _points_document(tmp_path)
    monkeypatch.setattr(limits, "MAX_POINTS", 39)  # the document holds 40 points
    _refused(_write(tmp_path, document), "40 points.*39")


def test_a_generator_beyond_the_point_limit_is_refused_before_generating(tmp_path,
                                                                          collapse_run):
    document = _document(tmp_path, collapse_run)
    document["data_source"]["n_samples"] = 3_000_000
    _refused(_write(tmp_path, document), "3,000,000 points.*2,000,000")


# ---------------------------------------------- item 18: every field is validated


def test_settings_schema_covers_every_config_field():
    from gmm_viz.run.run_file import SETTING_KINDS

    assert set(SETTING_KINDS) == {f.name for f in fields(EMConfig)}


@pytest.mark.parametrize("version, words", [
    (0, "version 0"),
    (4, "newer gmm-viz"),
    ("banana", "version 'banana'"),
    (True, "version True"),
    (1.0, "version 1.0"),
    (None, "version None"),
    ("missing", "no version"),
])
def test_only_the_versions_this_code_knows_are_read(tmp_path, collapse_run, version, words):
    document = _document(tmp_path, collapse_run)
    if version == "missing":
        del document["version"]
    else:
        document["version"] = version
    _refused(_write(tmp_path, document), words)


@pytest.mark.parametrize("where, value, words", [
    ("settings", 2**32 - 1, r"seed .*random_state.* 4294967295.*0 to 2,147,483,647"),
    ("data_source", 2**32 - 1, r"data seed.*4294967295.*0 to 2,147,483,647"),
    ("settings", -1, "random_state"),
    ("settings", "7", "random_state.*whole number"),
])
def test_seeds_beyond_what_the_app_can_show_are_refused(tmp_path, collapse_run, where,
                                                         value, words):
    document = _document(tmp_path, collapse_run)
    document[where]["random_state"] = value
    _refused(_write(tmp_path, document), words)


def test_the_largest_seed_the_app_and_fit_can_write_reopens(tmp_path, capsys):
    from gmm_viz.cli import main

    out = tmp_path / "fit.json"
    assert main(["fit", "--dataset", "faithful", "--k", "2", "--seed", str(limits.MAX_SEED),
                 "--max-iter", "3", "--out", str(out)]) == 0
    assert load_run(out).config.random_state == limits.MAX_SEED
    scenario, snaps = _collapse_run(2)
    config = scenario.config.with_changes(random_state=limits.MAX_SEED)
    path = save_run(tmp_path / "app.json", config,
                    generator_source("blobs", random_state=limits.MAX_SEED), snaps)
    record = load_run(path)
    assert record.config.random_state == limits.MAX_SEED
    assert record.data_source["random_state"] == limits.MAX_SEED


@pytest.mark.parametrize("change, words", [
    ({"n_components": "5"}, "n_components.*whole number"),
    ({"n_components": 5.0}, "n_components.*whole number"),
    ({"n_components": limits.MAX_K + 1}, f"k .*{limits.MAX_K + 1}.*at most {limits.MAX_K}"),
    ({"tol": "0.001"}, "tol.*number"),
    ({"tol": -1}, "tol must be zero or more"),
    ({"reg_covar": float("nan")}, "reg_covar must be a finite"),
    ({"covariance_type": "banana"}, "covariance_type must be one of"),
    ({"perturb": 1}, "perturb.*True or False"),
    ({"max_iter": 10**30}, "max_iter"),
    ({"surprise": 1}, "unknown setting.*surprise"),
    ({"means_init": [[0.0, 0.0]]}, r"means_init must have shape \(5, 2\)"),
    ({"weights_init": [0.2] * 4 + ["x"]}, "weights_init.*numbers"),
    ({"precisions_init": [1.0] * 5}, "precisions_init .* must have shape"),
])
def test_bad_settings_are_refused_with_the_configs_own_message(tmp_path, collapse_run,
                                                                change, words):
    document = _document(tmp_path, collapse_run)
    document["settings"].update(change)
    _refused(_write(tmp_path, document), words)


def _set_event(field, value):
    def damage(document):
        position = _first_event_position(document)
        document["iterations"][position]["events"][0][field] = value
    return damage


@pytest.mark.parametrize("damage, words", [
    (_set_event("value", "0.001"), r"event 0: value .*number"),
    (_set_event("value", float("inf")), "event 0: value .*finite"),
    (_set_event("value", -1.0), "event 0: value"),
    (_set_event("threshold", None), "event 0: threshold .*number"),
    (_set_event("component", 5), r"event 0: component 5 .*k = 5"),
    (_set_event("component", 1.0), "event 0: component .*whole number"),
    (_set_event("component", True), "event 0: component .*whole number"),
    (_set_event("rule", "banana"), "event 0: rule"),
    (_set_event("reason", 3), "event 0: reason .*text"),
    (_set_event("action", "explode"), "event 0: action"),
    (_set_event("old_mean", [0.0]), "event 0: old_mean"),
    (_set_event("new_mean", ["a", "b"]), "event 0: new_mean"),
    (_set_event("iteration", 999), "event 0: iteration 999"),
    (lambda d: d["iterations"][_first_event_position(d)]["events"][0].pop("action"),
     "event 0: .*missing.*action"),
    (lambda d: d["iterations"][_first_event_position(d)]["events"][0].update(extra=1),
     "event 0: .*unknown.*extra"),
    (lambda d: d["iterations"][1].__setitem__("events", [1, 2]), "event 0 .*object"),
    (lambda d: d["iterations"][1].__setitem__("events", {"a": 1}), "events .*list"),
])
def test_events_are_validated_when_the_file_is_opened(tmp_path, collapse_run, damage, words):
    document = _document(tmp_path, collapse_run)
    damage(document)
    _refused(_write(tmp_path, document), words)


@pytest.mark.parametrize("damage, words", [
    (lambda d: d["iterations"][2].__setitem__("iteration", float("inf")), "iteration"),
    (lambda d: d["iterations"][2].__setitem__("iteration", 2.0), "whole number"),
    (lambda d: d["iterations"][2].__setitem__("iteration", "2"), "whole number"),
    (lambda d: d["iterations"][2].__setitem__("log_likelihood", "-5"), "log_likelihood"),
    (lambda d: d["iterations"][2].__setitem__("converged", "no"), "converged .*true or false"),
    (lambda d: d["iterations"][2].__setitem__("flagged", [0, 0, 0, 0, 0]), "flagged"),
    (lambda d: d["iterations"][2].__setitem__("weights", "0.2"), "weights"),
    (lambda d: d["iterations"][2]["means"].__setitem__(0, [1e400, 0.0]), "means .*finite"),
    (lambda d: d["iterations"][2]["nk"].__setitem__(0, -3.0), "nk"),
    (lambda d: d["iterations"][2].pop("nk"), "iteration 2: missing .*nk"),
    (lambda d: d["iterations"][2].update(extra=1), "iteration 2: unknown .*extra"),
    (lambda d: d["iterations"].__setitem__(2, "iteration"), "position 2.*object"),
    (lambda d: d.__setitem__("iterations", []), "no iterations"),
    (lambda d: d["data_source"].__setitem__("kind", "banana"), "data_source.*kind"),
    (lambda d: d["data_source"].__setitem__("name", 3), "data set"),
    (lambda d: d["data_source"].__setitem__("n_samples", 2.5), "n_samples"),
    (lambda d: d["data_source"].__setitem__("noise", "lots"), "noise"),
    (lambda d: d["data_source"].update(extra=1), "data_source.*unknown.*extra"),
])
def test_every_field_of_every_iteration_is_validated(tmp_path, collapse_run, damage, words):
    document = _document(tmp_path, collapse_run)
    damage(document)
    _refused(_write(tmp_path, document), words)


def test_infinite_iteration_number_and_deep_nesting_are_run_file_errors(tmp_path,
                                                                        collapse_run):
    document = _document(tmp_path, collapse_run)
    document["iterations"][1]["iteration"] = float("inf")
    _refused(_write(tmp_path, document), "iteration")
    deep = tmp_path / "deep.json"
    text = json.dumps(_document(tmp_path, collapse_run)).replace(
        '"weights": [', '"weights": ' + "[" * 200_000 + "]" * 200_000 + ', "x": [', 1)
    deep.write_text(text)
    _refused(deep, "nested|damaged")


def test_a_text_event_value_never_reaches_the_status_bar(tmp_path, collapse_run):
    # Before: the file opened, and describe() raised "Unknown format code 'g'" on scrubbing.
    document = _document(tmp_path, collapse_run)
    _set_event("value", "tiny")(document)
    _refused(_write(tmp_path, document), "value")


def test_a_loaded_run_has_events_the_app_can_describe(tmp_path, collapse_run):
    document = _document(tmp_path, collapse_run)
    record = load_run(_write(tmp_path, document, "good.json"))
    events = [e for s in record.snapshots for e in s.events]
    assert events
    for event in events:
        assert isinstance(event, SingularityEvent)
        assert "component" in event.describe()


# ------------------------------------------------------------ thinned histories


def _thin(document, keep):
    document["iterations"] = [it for it in document["iterations"] if it["iteration"] in keep]
    return document


def test_a_thinned_history_round_trips_and_replays(tmp_path, collapse_run):
    scenario, snaps = collapse_run
    with_events = {s.iteration for s in snaps if s.events}
    keep = sorted({0, snaps[-1].iteration} | with_events | {3})
    assert keep != list(range(len(snaps)))
    kept = [s for s in snaps if s.iteration in keep]
    source = generator_source(scenario.data.name, scenario.data.n_samples,
                              scenario.data.random_state, scenario.data.noise)
    path = save_run(tmp_path / "thin.json", scenario.config, source, kept)
    record = load_run(path)
    assert [s.iteration for s in record.snapshots] == keep
    replayed = record.replay()
    assert [s.iteration for s in replayed] == keep
    for again, saved in zip(replayed, record.snapshots, strict=True):
        np.testing.assert_array_equal(again.means, saved.means)
        np.testing.assert_array_equal(again.covariances, saved.covariances)
        assert again.events == saved.events


@pytest.mark.parametrize("numbers, words", [
    ([1, 2, 3], "start at 0"),
    ([0, 2, 2], "strictly increasing"),
    ([0, 3, 1], "strictly increasing"),
    ([0, -1], "strictly increasing|0 or more"),
    ([0, 10_000_001], "10000001"),
])
def test_iteration_numbers_must_start_at_0_and_strictly_increase(tmp_path, collapse_run,
                                                                  numbers, words):
    document = _document(tmp_path, collapse_run)
    iterations = document["iterations"][: len(numbers)]
    for it, number in zip(iterations, numbers):
        it["iteration"] = number
        for event in it["events"]:
            event["iteration"] = number
    document["iterations"] = iterations
    _refused(_write(tmp_path, document), words)


def test_replay_of_a_consecutive_history_is_unchanged(tmp_path, collapse_run):
    document = _document(tmp_path, collapse_run)
    record = load_run(_write(tmp_path, document, "good.json"))
    assert [s.iteration for s in record.replay()] == list(range(len(record.snapshots)))


# ------------------------------------------------------------------------- fuzzing


def _paths(node, prefix=()):
    """Every (path, value) in a JSON tree, the root excluded."""
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return
    for key, child in items:
        yield prefix + (key,), child
        yield from _paths(child, prefix + (key,))


_DEEP = "__deep__"
_REPLACEMENTS = ("text", "1e3", None, True, False, [], {}, 1e308, 10**400, -1, -1e300, 0,
                 float("nan"), float("inf"), float("-inf"), 2**32, 2**63, 1.5, [1, 2],
                 {"a": 1}, _DEEP)


def _mutate(document, rng):
    """One seeded damage: replace, delete, re-type or nest a value (returns JSON text)."""
    document = json.loads(json.dumps(document))
    # Damage each part as often (most values are in the iterations' arrays): the root's
    # fields, the settings, the data source, the points, the iterations, the events.
    groups = {}
    for path, value in _paths(document):
        group = "events" if "events" in path else (path[0] if len(path) > 1 else "root")
        groups.setdefault(group, []).append((path, value))
    path, value = rng.choice(groups[rng.choice(sorted(groups))])
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    roll = rng.random()
    if roll < 0.2 and isinstance(parent, dict) or roll < 0.3 and isinstance(parent, list) and len(parent) > 1:
        del parent[key]
    elif roll < 0.45 and isinstance(value, (int, float)) and not isinstance(value, bool):
        parent[key] = rng.choice((-value, value * 1e300, value + 1, value * 0.5, -1e-300,
                                  int(value) if abs(value) < 1e15 else 0))
    else:
        parent[key] = rng.choice(_REPLACEMENTS)
    text = json.dumps(document, allow_nan=True)
    text = text.replace(f'"{_DEEP}"', "[" * 50_000 + "]" * 50_000)
    if rng.random() < 0.05:
        text = text[: rng.randrange(len(text))]
    return text


def _check_usable(record):
    """Everything the app and replay rely on holds for a loaded record."""
    assert isinstance(record, RunRecord) and isinstance(record.config, EMConfig)
    X = record.X
    assert X.ndim == 2 and X.shape[1] >= 2 and X.shape[0] >= 2 and np.isfinite(X).all()
    k, d = record.config.n_components, X.shape[1]
    assert 1 <= k <= limits.MAX_K and d <= limits.MAX_FEATURES
    seed = record.config.random_state
    assert seed is None or 0 <= seed <= limits.MAX_SEED
    numbers = [s.iteration for s in record.snapshots]
    assert numbers[0] == 0 and all(b > a for a, b in itertools.pairwise(numbers))
    assert all(type(n) is int for n in numbers)
    for s in record.snapshots:
        assert s.weights.shape == (k,) and s.means.shape == (k, d)
        assert s.covariances.shape == (k, d, d)
        for name in ("nk", "det", "min_eigenvalue", "condition_number", "flagged"):
            assert getattr(s, name).shape == (k,)
        for array in (s.weights, s.means, s.covariances, s.nk, s.det, s.min_eigenvalue,
                      s.condition_number):
            assert array.dtype == np.float64 and np.isfinite(array).all()
        assert s.flagged.dtype == bool and type(s.converged) is bool
        assert (s.weights >= 0).all() and abs(s.weights.sum() - 1) < 1e-6
        assert (np.linalg.eigvalsh(s.covariances) > 0).all()
        assert np.isfinite(s.log_likelihood) and np.isfinite(s.mean_log_likelihood)
        for e in s.events:
            assert type(e.iteration) is int and e.iteration == s.iteration
            assert type(e.component) is int and 0 <= e.component < k
            assert e.rule in SINGLE_RULES and e.action in RECOVERIES
            assert isinstance(e.reason, str)
            assert type(e.value) is float and type(e.threshold) is float
            assert len(e.old_mean) == len(e.new_mean) == d
            e.describe()
    if numbers[-1] <= 50:  # bounded work: a mutated number may be a valid, huge iteration
        replayed = record.replay()
        assert [s.iteration for s in replayed] == numbers


@pytest.mark.parametrize("kind", ["generator", "points"])
def test_mutated_run_files_load_as_valid_records_or_are_refused(tmp_path, collapse_run, kind):
    base = (_document(tmp_path, collapse_run) if kind == "generator"
            else _points_document(tmp_path))
    rng = random.Random(20261201)
    outcomes = {"loaded": 0, "refused": 0}
    path = tmp_path / "mutated.json"
    for _ in range(300):
        path.write_text(_mutate(base, rng))
        try:
            record = load_run(path)
        except RunFileError as exc:
            assert str(exc).startswith(str(path)), str(exc)
            assert len(str(exc)) <= limits.MAX_MESSAGE_CHARS
            outcomes["refused"] += 1
            continue
        _check_usable(record)
        outcomes["loaded"] += 1
    # Most damage must be caught, and some harmless changes must still load.
    assert outcomes["refused"] > 150 and outcomes["loaded"] > 0, outcomes


@pytest.mark.parametrize("init", ["random_range", "same_point", "kmeans", "k-means++",
                                  "random", "random_from_data"])
def test_every_initialisation_and_covariance_type_reopens_and_replays(tmp_path, init):
    from gmm_viz.data import make_dataset
    from gmm_viz.engine.config import COVARIANCE_TYPES

    X = make_dataset("blobs").X
    for covariance_type in COVARIANCE_TYPES:
        config = EMConfig(n_components=5, init=init, covariance_type=covariance_type,
                          random_state=3)
        engine = EMEngine(X, config)
        snaps = [engine.snapshot] + [engine.step() for _ in range(4)]
        path = save_run(tmp_path / f"{covariance_type}.json", config,
                        generator_source("blobs"), snaps, X=X)
        record = load_run(path)
        for again, saved, original in zip(record.replay(), record.snapshots, snaps,
                                          strict=True):
            np.testing.assert_array_equal(saved.means, original.means)
            np.testing.assert_array_equal(saved.weights, original.weights)
            np.testing.assert_allclose(again.means, saved.means, rtol=1e-12, atol=1e-12)


def test_a_thinned_run_keeps_its_whole_curve(tmp_path):
    from gmm_viz.run.history import RunHistory

    config = EMConfig(n_components=2, rule="none", tol=0.0, max_iter=10_000, random_state=0)
    X = np.random.default_rng(0).normal(size=(60, 2))
    engine = EMEngine(X, config)
    history = RunHistory(budget_bytes=40 * 3000, keep_recent=10)
    history.append(engine.snapshot)
    for _ in range(300):
        history.append(engine.step())
    assert history.thinned
    curve = history.curve()
    path = tmp_path / "thin.json"
    save_run(path, config, points_source("p"), history.snapshots, X=X, curve=curve)
    record = load_run(path)
    assert [s.iteration for s in record.snapshots] == list(history.kept_iterations())
    np.testing.assert_array_equal(record.curve.log_likelihood, curve.log_likelihood)
    np.testing.assert_array_equal(record.curve.mean_log_likelihood, curve.mean_log_likelihood)
    # A curve that disagrees with the saved iterations is refused.
    document = json.loads(path.read_text())
    document["curve"]["log_likelihood"][0] += 1.0
    path.write_text(json.dumps(document))
    with pytest.raises(RunFileError, match="curve"):
        load_run(path)
    # An unthinned run needs no curve: the iterations hold every value.
    full = tmp_path / "full.json"
    save_run(full, config, points_source("p"), history.snapshots[:1], X=X, curve=curve)
    assert "curve" not in json.loads(full.read_text())


# ------------------------------------------------------------------ detected states
def test_the_detected_state_is_saved_and_opens_again(tmp_path, collapse_run):
    _, snaps = collapse_run
    caught = [s for s in snaps if s.detected is not None]
    assert caught, "the collapse scenario re-places a component early on"
    document = _document(tmp_path, collapse_run)
    assert document["version"] == 3  # version 2 added the detected state
    record = load_run(_write(tmp_path, document))
    for saved, original in zip(record.snapshots, snaps, strict=True):
        assert (saved.detected is None) == (original.detected is None)
        if original.detected is None:
            continue
        for name in ("weights", "means", "covariances", "det", "nk", "flagged"):
            np.testing.assert_array_equal(getattr(saved.detected, name),
                                          getattr(original.detected, name))
        assert saved.detected.log_likelihood == original.detected.log_likelihood
        assert saved.detected.iteration == saved.iteration


def test_a_version_2_file_opens_as_before(tmp_path, collapse_run):
    # Version 3 only adds the optional user_edits of an iteration.
    document = _document(tmp_path, collapse_run)
    document["version"] = 2
    record = load_run(_write(tmp_path, document))
    assert any(s.detected is not None for s in record.snapshots)
    assert all(s.user_edits == () for s in record.snapshots)


def test_a_version_1_file_without_detected_states_still_opens(tmp_path, collapse_run):
    document = _document(tmp_path, collapse_run)
    document["version"] = 1
    for item in document["iterations"]:
        item.pop("detected", None)
    record = load_run(_write(tmp_path, document))
    assert all(s.detected is None for s in record.snapshots)
    assert any(s.events for s in record.snapshots)


@pytest.mark.parametrize("change, words", [
    (lambda d: d.pop("det"), "detected: missing field.*det"),
    (lambda d: d.update(events=[]), "detected: unknown field.*events"),
    (lambda d: d.update(weights=[1.0] + [0.0] * (len(d["weights"]) - 1) + [0.5]),
     "detected|weights"),
    (lambda d: d["det"].__setitem__(0, -1.0), r"iteration \d+ \(its detected state\): det"),
])
def test_a_damaged_detected_state_is_refused(tmp_path, collapse_run, change, words):
    document = _document(tmp_path, collapse_run)
    item = next(i for i in document["iterations"] if "detected" in i)
    change(item["detected"])
    _refused(_write(tmp_path, document), words)
