"""The run controller alone, with a fake worker and a fake panel (no window, no thread).

Each test plays what the worker would answer, in the order a busy machine can produce,
and checks what the user would notice: what the panel shows, which message appears,
whether the run restarts.
"""

from types import SimpleNamespace

import pytest

from gmm_viz.data import DataRequest, make_dataset
from gmm_viz.engine import EMConfig
from gmm_viz.gui.run_controller import RunController
from gmm_viz.run.session import RunInfo

BLOBS = DataRequest("blobs", n_samples=60)
MOONS = DataRequest("moons", n_samples=60)
FAITHFUL = DataRequest("faithful")


class FakeWorker:
    """Records what it is asked; tokens increase like the worker's."""

    def __init__(self):
        self.requests = []
        self.live_updates = []
        self._token = 0

    def request_run(self, config, dataset=None, make_dataset=None, history=None, curve=None):
        self._token += 1
        self.requests.append(SimpleNamespace(token=self._token, config=config, dataset=dataset,
                                             make_dataset=make_dataset, history=history,
                                             curve=curve))
        return self._token

    def update_settings(self, config):
        self.live_updates.append(config)

    def start(self, token, run_id=None):
        """The run the worker would start for request ``token`` (its data built)."""
        request = self.requests[token - 1]
        dataset = request.dataset if request.dataset is not None else request.make_dataset()
        return RunInfo(run_id if run_id is not None else token, token, dataset, request.config)


class FakePanel:
    """What the panel shows: a configuration and a data choice."""

    def __init__(self, config):
        self.shown_config = config
        self.shown_data = None

    def config(self):
        return self.shown_config

    def set_config(self, config):
        self.shown_config = config

    def set_data_request(self, request):
        self.shown_data = request

    def set_loaded_file(self, label):
        self.shown_data = label


@pytest.fixture
def config():
    return EMConfig(n_components=3)


@pytest.fixture
def worker():
    return FakeWorker()


@pytest.fixture
def panel(config):
    return FakePanel(config)


@pytest.fixture
def runs(worker, panel):
    return RunController(worker, panel)


def user_chooses(panel, runs, request, worker):
    """The user picks a named data set in the panel."""
    panel.set_data_request(request)
    runs.request_data(request)
    return worker.requests[-1].token


def show_first_run(runs, worker, panel, config):
    """Blobs with ``config`` on screen; returns the shown run."""
    panel.set_data_request(BLOBS)
    token = runs.request_run(config, source=BLOBS)
    run = worker.start(token)
    runs.commit_run(run)
    return run


def test_a_failed_request_puts_the_panel_back_to_the_shown_run(runs, worker, panel, config):
    shown = show_first_run(runs, worker, panel, config)
    five = config.with_changes(n_components=5)
    panel.set_config(five)
    runs.change_config(five)
    token = user_chooses(panel, runs, MOONS, worker)

    message = runs.run_failed(token, "n_samples must be between 2 and 2,000,000; got 1.")

    assert message == "n_samples must be between 2 and 2,000,000; got 1."
    assert panel.shown_config == config and panel.shown_data == BLOBS
    assert runs.run is shown and runs.config == config


def test_after_a_failure_the_next_request_starts_from_the_shown_run(
        runs, worker, panel, config):
    shown = show_first_run(runs, worker, panel, config)
    five = config.with_changes(n_components=5)
    runs.change_config(five)
    runs.run_failed(user_chooses(panel, runs, MOONS, worker), "no such data")

    # A new seed restarts on the data on screen (not on the moons that failed) ...
    runs.change_config(config.with_changes(random_state=7))
    assert worker.requests[-1].dataset is shown.dataset
    # ... and new data starts with the settings on screen (k = 3, not the failed 5).
    runs.run_failed(worker.requests[-1].token, "not enough memory")
    user_chooses(panel, runs, FAITHFUL, worker)
    assert worker.requests[-1].config == config


def test_an_answer_to_a_superseded_request_is_dropped_and_shows_nothing(
        runs, worker, panel, config):
    show_first_run(runs, worker, panel, config)
    superseded = user_chooses(panel, runs, MOONS, worker)
    newest = user_chooses(panel, runs, FAITHFUL, worker)

    assert runs.run_failed(superseded, "n_samples must be between 2 and 2,000,000") is None
    assert panel.shown_data == FAITHFUL  # the user's newest choice stays
    applied = runs.commit_run(worker.start(newest))
    assert applied.source == FAITHFUL and applied.message is None
    assert runs.run.dataset.name == "faithful"


def test_a_live_setting_change_does_not_restart_the_run(runs, worker, panel, config):
    show_first_run(runs, worker, panel, config)
    n_requests = len(worker.requests)
    looser = config.with_changes(threshold=1e-8, tol=1e-3)

    runs.change_config(looser)

    assert worker.live_updates == [looser]
    assert len(worker.requests) == n_requests
    # A later restart (new data) keeps the live change.
    user_chooses(panel, runs, MOONS, worker)
    assert worker.requests[-1].config == looser


def test_a_setting_that_needs_a_restart_starts_a_new_run(runs, worker, panel, config):
    shown = show_first_run(runs, worker, panel, config)
    n_requests = len(worker.requests)

    runs.change_config(config.with_changes(n_components=4))

    assert worker.live_updates == []
    assert len(worker.requests) == n_requests + 1
    assert worker.requests[-1].dataset is shown.dataset  # on the same data


@pytest.mark.parametrize("error, expected", [
    ("no numeric columns", "Could not open points.csv: no numeric columns"),
    ("points.csv has no numeric columns",
     "Could not open the file: points.csv has no numeric columns"),
])
def test_a_file_failure_message_names_the_file(runs, worker, panel, config, error, expected):
    show_first_run(runs, worker, panel, config)
    token = runs.load_csv("/data/points.csv", None)

    assert runs.run_failed(token, error) == expected
    assert panel.shown_data == BLOBS


def test_a_loaded_file_becomes_the_shown_data(runs, worker, panel, config, tmp_path):
    show_first_run(runs, worker, panel, config)
    path = tmp_path / "points.csv"
    path.write_text("a,b\n" + "".join(f"{i},{i * i % 7}\n" for i in range(20)))
    token = runs.load_csv(str(path), None)

    applied = runs.commit_run(worker.start(token))

    assert applied.source == "loaded"
    assert panel.shown_data == "file: points.csv"
    assert runs.data_source()["label"] == "file: points.csv"


def opened_record(config):
    return SimpleNamespace(config=config, snapshots=(), curve=None)


def test_an_opened_run_says_what_it_opened(runs, worker, panel, config):
    show_first_run(runs, worker, panel, config)
    faithful = make_dataset("faithful")
    two = config.with_changes(n_components=2)
    token = runs.open_run(opened_record(two), faithful, "eruptions.json")

    applied = runs.commit_run(worker.start(token))

    assert applied.message.startswith("Opened the run eruptions.json: 272 points, k = 2.")
    assert applied.source == "loaded"
    assert panel.shown_data == "run: eruptions.json"
    # The next run is an ordinary one: no second "Opened" message.
    runs.change_config(two.with_changes(n_components=3))
    assert runs.commit_run(worker.start(worker.requests[-1].token)).message is None


def test_an_opened_run_that_fails_names_the_run_file(runs, worker, panel, config):
    show_first_run(runs, worker, panel, config)
    token = runs.open_run(opened_record(config), make_dataset("faithful"), "eruptions.json")

    message = runs.run_failed(token, "Not enough memory for this data set.")

    assert message == ("Could not open the run: eruptions.json: "
                       "Not enough memory for this data set.")
    assert panel.shown_data == BLOBS


def test_an_opened_run_replaced_before_it_started_leaves_no_message(
        runs, worker, panel, config):
    show_first_run(runs, worker, panel, config)
    opened = runs.open_run(opened_record(config), make_dataset("faithful"), "eruptions.json")
    newest = user_chooses(panel, runs, MOONS, worker)

    assert runs.run_failed(opened, "Not enough memory for this data set.") is None
    assert runs.commit_run(worker.start(newest)).message is None


def test_refusing_undrawable_data_restarts_the_previous_data(runs, worker, panel, config):
    shown = show_first_run(runs, worker, panel, config)
    token = user_chooses(panel, runs, MOONS, worker)
    refused = worker.start(token, run_id=2)

    message = runs.refuse_run(refused, ValueError("the points cannot be drawn"))

    assert message == ("Could not show the new data: the points cannot be drawn. The "
                       "previous data is shown again, restarted at iteration 0.")
    assert runs.is_refused(refused) and runs.run is shown
    restart = worker.requests[-1]
    assert restart.token > token
    assert restart.dataset is shown.dataset and restart.config == config
    assert panel.shown_data == BLOBS and panel.shown_config == config


def test_refusing_undrawable_data_keeps_a_newer_request(runs, worker, panel, config):
    show_first_run(runs, worker, panel, config)
    token = user_chooses(panel, runs, MOONS, worker)
    user_chooses(panel, runs, FAITHFUL, worker)
    n_requests = len(worker.requests)

    message = runs.refuse_run(worker.start(token, run_id=2), ValueError("cannot be drawn"))

    assert message is None  # the refused run was superseded: nothing to say about it
    assert len(worker.requests) == n_requests  # no restart of the old data
    assert panel.shown_data == FAITHFUL


def test_choosing_the_loaded_file_before_any_puts_the_panel_back(runs, worker, panel, config):
    show_first_run(runs, worker, panel, config)
    n_requests = len(worker.requests)
    panel.set_loaded_file("file: gone.csv")

    runs.request_loaded_data()

    assert len(worker.requests) == n_requests
    assert panel.shown_data == BLOBS
