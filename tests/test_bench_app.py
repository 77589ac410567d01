"""The whole-app benchmark's machinery: a tiny, short run makes a well-formed table and JSON.

Nothing here looks at a time or a rate (the numbers of a 1 s run on a busy machine mean
nothing); only that every measurement was made, and the report is complete.
"""

import json
import subprocess
import sys

import pytest

from gmm_viz.bench import app as bench_app
from gmm_viz.bench.study_loop import MATPLOTLIB_MISSING

TINY = 300

WINDOW_KEYS = ("fps", "its", "lateness_p50_ms", "lateness_p99_ms", "lateness_max_ms",
               "step_key_ms", "pause_ms", "close_exit_ms")


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """``python -m gmm_viz.bench app`` on 300 points, 1 s, one run, with density contours
    drawn (the heaviest drawing): (table, JSON)."""
    path = tmp_path_factory.mktemp("bench") / "raw.json"
    done = subprocess.run(
        [sys.executable, "-m", "gmm_viz.bench", "app", "--sizes", str(TINY), "--seconds",
         "1", "--repeats", "1", "--study-sizes", str(TINY), "--density", "contours",
         "--json", str(path)],
        capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout, json.loads(path.read_text())


def test_every_measurement_of_the_window_is_made(tiny_run):
    _table, document = tiny_run
    (window_run,) = document["window"][str(TINY)]
    assert "error" not in window_run, window_run.get("error")
    for key in WINDOW_KEYS:
        assert isinstance(window_run[key], float), key
    assert window_run["n_points"] == TINY
    assert window_run["density"] == "contours"  # what the canvas drew, not what was asked
    assert window_run["frames"] >= 1 and window_run["iterations"] >= 1
    (engine_run,) = document["engine"][str(TINY)]
    assert engine_run["steps"] >= 3 and engine_run["its"] > 0
    (study_run,) = document["study"][str(TINY)]
    assert study_run.get("error") == MATPLOTLIB_MISSING or study_run["frames"] >= 3


def test_the_table_has_every_measure_and_the_machine_in_its_header(tiny_run):
    table, document = tiny_run
    assert "shared and noisy" in table and " cores" in table
    assert "density contours" in table
    for _key, label in bench_app.WINDOW_MEASURES:
        assert label in table
    assert "the study's matplotlib loop, frames/s" in table
    assert "In short (medians):" in table
    keys = {(row["points"], row["key"]) for row in document["rows"]}
    assert {(TINY, key) for key, _ in bench_app.WINDOW_MEASURES} <= keys
    assert (TINY, "study_fps") in keys


def test_json_alone_goes_to_standard_output(monkeypatch, capsys):
    # The runs themselves are replaced: this is about what --json prints.
    monkeypatch.setattr(bench_app, "run_benchmark", lambda *args, **kwargs: _raw())
    assert bench_app.main(["--json", "--sizes", "2000", "--repeats", "2"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert {"settings", "window", "engine", "study", "rows"} <= set(document)


def _raw():
    """Two made-up runs at 2,000 points, one of them a failure, and the study's loop."""
    good = {"fps": 61.0, "its": 500.0, "lateness_p50_ms": 1.0, "lateness_p99_ms": 20.0,
            "lateness_max_ms": 60.0, "step_key_ms": 12.0, "pause_ms": -3.0,
            "close_exit_ms": 400.0}
    other = dict(good, fps=59.0, lateness_max_ms=30.0, pause_ms=120.0)
    return {"settings": {"sizes": [2000], "seconds": 10, "repeats": 3, "study_sizes": [2000],
                         "k": 8, "warmup_seconds": 1, "where": "offscreen", "cpus": 2,
                         "python": "3.11", "blas_threads": {}},
            "window": {2000: [good, other, {"error": "Traceback\nRuntimeError: boom"}]},
            "engine": {2000: [{"its": 1000.0}, {"its": 1000.0}]},
            "study": {2000: [{"fps": 0.4}]}}


def test_targets_are_judged_on_the_median_or_on_every_run():
    rows = {row["key"]: row for row in bench_app.summarize(_raw()) if row["points"] == 2000}
    assert rows["fps"]["median"] == 60.0 and rows["fps"]["met"] is True  # >= 60, median
    assert rows["fps"]["runs"] == 2 and rows["fps"]["of"] == 3
    assert rows["lateness_max_ms"]["met"] is False  # <= 50 in every run: one had 60
    assert rows["pause_ms"]["min"] == 0.0  # a step that began before the press is 0 ms
    assert rows["pause_ms"]["met"] is False  # one run took 120 ms
    assert rows["close_exit_ms"]["met"] is True
    assert rows["vs_engine"]["median"] == pytest.approx(0.5)
    assert rows["vs_study"]["median"] == pytest.approx(150.0)
    assert rows["vs_study"]["met"] is True
    assert rows["its"]["met"] is None  # no target for it/s at 2,000 points
    assert rows["error"]["note"] == "RuntimeError: boom"


def test_the_table_shows_targets_failures_and_partial_runs():
    table = bench_app.format_table(_raw())
    assert ">= 60" in table and "<= 50, every run" in table and "<= 1,000, every run" in table
    assert "NO" in table and "yes" in table
    assert "a run failed" in table and "RuntimeError: boom" in table
    assert "2 of 3 runs" in table
    assert "(0.37 before)" in table


def test_the_study_loop_says_how_to_install_matplotlib_when_it_is_missing():
    code = ("import sys; sys.modules['matplotlib'] = None\n"
            "from gmm_viz.bench.study_loop import main\n"
            "raise SystemExit(main(['--points', '50', '--seconds', '0.1']))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 1
    assert done.stdout.strip() == MATPLOTLIB_MISSING
    assert "Traceback" not in done.stderr

